"""The SQLite event store reads in one statement, without a transaction round it, and writes
as the library does: each save its own transaction."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from eventsourcing.persistence import InfrastructureFactory, OperationalError, StoredEvent

from access.database import connect
from flow.sqlite_store import SQLiteStore
from flow.store import store_env


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SQLiteStore]:
    factory = InfrastructureFactory.construct(store_env(sqlite_url))
    assert isinstance(factory, SQLiteStore)
    yield factory
    factory.close()


def _traced(store: SQLiteStore) -> list[str]:
    """The statements the store's connections send from now on."""
    said: list[str] = []
    pool = store.datastore.pool
    for _ in range(pool.pool_size):  # every connection the pool will hand out
        connection = pool.get_connection(is_writer=False)
        connection._sqlite_conn.set_trace_callback(said.append)
        pool.put_connection(connection)
    return said


def test_a_read_is_one_statement_and_a_write_one_transaction(store: SQLiteStore) -> None:
    recorder = store.application_recorder()
    flow = uuid4()
    events = [StoredEvent(flow, version, "flow:Event", b"{}") for version in (1, 2)]
    said = _traced(store)

    recorder.insert_events(events)
    written = list(said)
    said.clear()
    found = recorder.select_events(flow, gt=1)
    head = recorder.max_notification_id()
    log = recorder.select_notifications(1, 10)

    assert written[0] == "BEGIN" and written[-1] == "COMMIT" and len(written) == 4
    assert [e.originator_version for e in found] == [2]
    assert head == 2 and [n.id for n in log] == [1, 2]
    assert len(said) == 3 and not {"BEGIN", "ROLLBACK", "COMMIT"} & set(said)


def test_a_failed_read_raises_the_library_error(store: SQLiteStore) -> None:
    with (
        pytest.raises(OperationalError),
        store.datastore.transaction(commit=False) as cursor,
    ):
        cursor.execute("SELECT * FROM no_such_table")
    with store.datastore.transaction(commit=False) as cursor:  # the connection still reads
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize(("durable", "level"), [(True, 2), (False, 1)])
def test_a_simulation_s_commits_are_not_flushed_one_by_one_a_real_municipality_s_are(
    sqlite_url: str, durable: bool, level: int
) -> None:
    """SQLite's `synchronous`: 2 FULL (each commit flushed), 1 NORMAL (at checkpoints), on the
    event store's and on the other tables' connections alike."""
    factory = InfrastructureFactory.construct(store_env(sqlite_url, durable=durable))
    engine = connect(sqlite_url, durable=durable)
    try:
        pool = factory.datastore.pool  # type: ignore[attr-defined]
        connection = pool.get_connection(is_writer=True)
        try:
            (stored,) = connection._sqlite_conn.execute("PRAGMA synchronous").fetchone()
        finally:
            pool.put_connection(connection)
        with engine.connect() as db:
            others = db.exec_driver_sql("PRAGMA synchronous").scalar()
        assert (stored, others) == (level, level)
    finally:
        engine.dispose()
        factory.close()
