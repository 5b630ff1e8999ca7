"""The database's fast row writes on both stores: what `insert_rows` and `update_row` write
reads back as SQLAlchemy would have written it, every column type converted alike."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table, Uuid, select

from access.database import UTCDateTime, connect, create_tables, insert_rows, update_row

metadata = MetaData()
rows = Table(
    "row_writes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(20)),
    Column("count", Integer, nullable=False),
    Column("done", Boolean, nullable=False),
    Column("answer", JSON, nullable=False),
    Column("at", UTCDateTime),
)


def test_a_row_updated_by_its_key_reads_back_as_written(database_url: str) -> None:
    engine = connect(database_url)
    create_tables(engine, [rows])
    key, other = uuid4(), uuid4()
    at = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    with engine.begin() as db:
        insert_rows(db, rows, [
            {"id": key, "name": "før", "count": 1, "done": False, "answer": {}, "at": None},
            {"id": other, "name": "urørt", "count": 7, "done": False, "answer": {"a": 1}},
        ])  # fmt: skip

    values = {"name": None, "count": 2, "done": True, "answer": {"svar": ["ø", 3]}, "at": at}
    with engine.begin() as db:
        changed = update_row(db, rows, key, values)
        missing = update_row(db, rows, uuid4(), {"count": 9})

    assert (changed, missing) == (1, 0)
    with engine.connect() as db:
        found = {row.id: row for row in db.execute(select(rows))}
    assert (found[key].name, found[key].count, found[key].done) == (None, 2, True)
    assert (found[key].answer, found[key].at) == ({"svar": ["ø", 3]}, at)
    assert (found[other].name, found[other].count, found[other].answer) == ("urørt", 7, {"a": 1})
    engine.dispose()
