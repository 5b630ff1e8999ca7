"""`UTCDateTime`: the moment SQLite keeps is the text SQLAlchemy's own DATETIME writes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from access.database import UTCDateTime

zones = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
)


@given(moment=moments)
def test_sqlite_gets_the_text_sqlalchemy_writes_for_the_moment_in_utc(moment: datetime) -> None:
    dialect = create_engine("sqlite://").dialect
    column = UTCDateTime()
    sqlalchemy_text = column.impl_instance.dialect_impl(dialect).bind_processor(dialect)
    assert sqlalchemy_text is not None
    expected = sqlalchemy_text(column.process_bind_param(moment, dialect))
    to_db = column.bind_processor(dialect)
    assert to_db is not None
    assert to_db(moment) == expected
    assert to_db(None) is None


def test_a_moment_written_reads_back_the_same_and_compares_in_queries() -> None:
    metadata = MetaData()
    table = Table(
        "moments", metadata, Column("id", Integer, primary_key=True), Column("at", UTCDateTime)
    )
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    oslo_summer = timezone(timedelta(hours=2))
    at = datetime(2025, 6, 1, 9, 30, 0, 5, tzinfo=oslo_summer)
    with engine.begin() as db:
        db.execute(insert(table), [{"id": 1, "at": at}, {"id": 2, "at": None}])
        assert db.scalar(select(table.c.at).where(table.c.id == 1)) == at
        later = select(table.c.id).where(table.c.at > at - timedelta(microseconds=1))
        assert db.scalars(later).all() == [1]
        assert db.scalar(select(table.c.at).where(table.c.id == 2)) is None
    engine.dispose()
