"""The SQLAlchemy engine for the tables beside the event log (accounts, read models)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
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
    cursor.close()


def connect(database_url: str) -> Engine:
    engine = create_engine(sqlalchemy_url(database_url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine
