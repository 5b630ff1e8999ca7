"""The tables beside the event log on both stores: made once, with the indexes they declare."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Index, Integer, MetaData, Table, UniqueConstraint, insert, inspect
from sqlalchemy.exc import IntegrityError

from access.database import connect, create_tables


def beds(*indexes: Index, a_indexed: bool = False) -> Table:
    return Table(
        "beds",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("unit", Integer, index=a_indexed),
        Column("number", Integer),
        UniqueConstraint("unit", "number", name="beds_once"),
        *indexes,
    )


def test_a_table_made_by_an_earlier_version_gets_the_indexes_it_declares_now(
    database_url: str,
) -> None:
    """An index no longer declared is dropped (it would only slow every write), one declared
    since is made, and the table's UNIQUE constraint stays whatever its index is called."""
    engine = connect(database_url)
    try:
        create_tables(engine, [beds(a_indexed=True)])
        now = beds(Index("beds_by_number", "number", "unit"))
        create_tables(engine, [now])
        create_tables(engine, [now])  # nothing left to do

        names = {index["name"] for index in inspect(engine).get_indexes("beds")}
        assert "ix_beds_unit" not in names and "beds_by_number" in names
        with engine.begin() as db:
            db.execute(insert(now).values(id=1, unit=1, number=1))
        with pytest.raises(IntegrityError), engine.begin() as db:
            db.execute(insert(now).values(id=2, unit=1, number=1))
    finally:
        engine.dispose()
