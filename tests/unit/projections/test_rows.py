"""`Rows`: a batch's rows read once and written once; a rebuild's rows kept between batches."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, select

from projections.rows import Rows

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner", Integer, nullable=False),
    Column("state", String(10), nullable=False),
)
FINISHED = {"things": lambda row: row["state"] == "done"}


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def stored(engine: Engine) -> dict[int, tuple[int, str]]:
    with engine.connect() as db:
        return {i: (owner, state) for i, owner, state in db.execute(select(things))}


def test_a_batch_reads_the_rows_of_its_owners_at_once_and_writes_each_changed_row_once(
    engine: Engine,
) -> None:
    with engine.begin() as db:
        db.execute(things.insert(), [{"id": n, "owner": n % 2, "state": "new"} for n in range(6)])
    with engine.begin() as db:
        rows = Rows(db)
        rows.prefetch(things.c.owner, [1])
        assert rows.get(things, 1) == {"id": 1, "owner": 1, "state": "new"}
        rows.update(things, 3, state="seen")
        rows.put(things, {"id": 7, "owner": 1, "state": "new"})
        rows.flush()
    assert stored(engine) == {
        0: (0, "new"), 1: (1, "new"), 2: (0, "new"), 3: (1, "seen"),
        4: (0, "new"), 5: (1, "new"), 7: (1, "new"),
    }  # fmt: skip


def test_a_row_missing_by_its_key_is_known_missing_after_prefetch(engine: Engine) -> None:
    with engine.begin() as db:
        rows = Rows(db)
        rows.prefetch(things.c.id, [1, 2])
        db.execute(things.insert().values(id=1, owner=0, state="new"))  # behind its back
        assert rows.get(things, 1) is None


Step = tuple[str, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["put", "update", "finish", "delete"]), st.integers(0, 5), st.integers(0, 3)
    ),
    max_size=40,
)


@given(batches=st.lists(steps, max_size=6))
def test_kept_rows_write_what_fresh_rows_write_whatever_is_let_go(
    batches: list[list[Step]],
) -> None:
    """Kept rows let finished ones go and read them back when changed again: the table ends
    the same as with a fresh `Rows` per batch."""
    results = []
    for kept in (False, True):
        engine = create_engine("sqlite://")
        metadata.create_all(engine)
        keeper = Rows(kept=True) if kept else None
        for batch in batches:
            with engine.begin() as db:
                rows = keeper or Rows(db)
                rows.db = db
                for action, key, owner in batch:
                    if action == "put":
                        rows.put(things, {"id": key, "owner": owner, "state": "new"})
                    elif action == "update":
                        rows.update(things, key, owner=owner)
                    elif action == "finish":
                        rows.update(things, key, state="done")
                    else:
                        rows.delete(things, key)
                rows.flush()
                if keeper:
                    keeper.release(FINISHED)
        results.append(stored(engine))
        engine.dispose()
    assert results[0] == results[1]
