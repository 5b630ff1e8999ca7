"""The SQLAlchemy engine for the tables beside the event log (accounts, read models)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Engine, Table, create_engine, event, inspect, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import ConnectionPoolEntry


def sqlalchemy_url(database_url: str) -> str:
    """The same database as the event store, with the psycopg 3 driver for PostgreSQL."""
    url = urlsplit(database_url)
    if url.scheme in {"postgresql", "postgres"}:
        return urlunsplit(url._replace(scheme="postgresql+psycopg"))
    return database_url


def _sqlite_pragmas(connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted and overwritten rows are zeroed, not left in free space: an erased patient's
    # name must not stay in the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def connect(database_url: str) -> Engine:
    engine = create_engine(sqlalchemy_url(database_url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def create_tables(engine: Engine, tables: Iterable[Table]) -> None:
    """Create the tables that are missing; another process creating the same tables at
    the same moment (two servers starting together) is not an error."""
    for table in tables:
        try:
            table.create(engine, checkfirst=True)
        except (OperationalError, ProgrammingError, IntegrityError):
            if not inspect(engine).has_table(table.name):
                raise


#: One number for the whole product, so every process takes the same lock.
_STARTUP_LOCK = 0x50464C59


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, processes that start together create their tables, types and
    functions one at a time (two at once can fail with "tuple concurrently updated")."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as db:
        db.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _STARTUP_LOCK})
        try:
            yield
        finally:
            db.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _STARTUP_LOCK})
            db.commit()
