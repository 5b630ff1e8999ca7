"""The SQL beneath the tables beside the event log (accounts, access logs, read models): the
engine, its column types, table creation and bulk inserts. `access/` and `projections/` both
stand on it."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    inspect,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.schema import CreateIndex
from sqlalchemy.types import TypeDecorator


def sqlalchemy_url(database_url: str) -> str:
    """The same database as the event store, with the psycopg 3 driver for PostgreSQL."""
    url = urlsplit(database_url)
    if url.scheme in {"postgresql", "postgres"}:
        return urlunsplit(url._replace(scheme="postgresql+psycopg"))
    return database_url


#: How long a SQLite connection waits for another's lock before "database is locked".
_SQLITE_BUSY_SECONDS = 10.0


def _sqlite_pragmas(synchronous: str) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    def set_up(connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(_SQLITE_BUSY_SECONDS * 1000)}")
        _write_ahead_log(cursor)
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        # Deleted and overwritten rows are zeroed, not left in free space: an erased patient's
        # name must not stay in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    return set_up


def _write_ahead_log(cursor: Any) -> None:
    """Put the file in WAL mode (it stays so). Turning a new file to WAL needs the file to
    itself, and SQLite answers "database is locked" at once, without its busy handler, when
    another process starting at the same moment holds it: so ask again until the wait is up."""
    deadline = time.monotonic() + _SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def connect(database_url: str, *, durable: bool = True) -> Engine:
    """An engine on the database; a PostgreSQL connection is tested before each use (the
    server may have closed it), a SQLite file's needs no such round trip.

    A SQLite commit is flushed to the disk before it returns (`synchronous=FULL`, the default
    of SQLite): a command told done survives a power cut. Not `durable` (a simulation's
    process, whose municipality is made up and made again from its seed), its own commits are
    flushed at the write-ahead log's checkpoints only (`synchronous=NORMAL`): still atomic and
    consistent, and kept if the process dies, but a power cut may take the last of them back
    (https://www.sqlite.org/pragma.html#pragma_synchronous, "WAL mode is always consistent
    with synchronous=NORMAL, but WAL mode does lose durability"). The setting is each
    connection's own: another process's commits on the same file are flushed as before, and
    with them the log's frames before theirs."""
    url = sqlalchemy_url(database_url)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        if engine.url.database and engine.url.database != ":memory:":
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)  # var/ at first
        event.listen(engine, "connect", _sqlite_pragmas("FULL" if durable else "NORMAL"))
    return engine


def create_tables(engine: Engine, tables: Iterable[Table]) -> None:
    """Create the tables that are missing, and give each the indexes it declares now: one
    declared since the table was made is created, one an earlier version made and no longer
    declares is dropped (it would only slow every write). Another process doing the same at
    the same moment (two servers starting together) is not an error."""
    for table in tables:
        try:
            table.create(engine, checkfirst=True)
        except (OperationalError, ProgrammingError, IntegrityError):
            if not inspect(engine).has_table(table.name):
                raise
        with engine.begin() as db:
            match_indexes(db, table)


def match_indexes(db: Connection, table: Table) -> None:
    """The table's indexes made to be those it declares."""
    found = {
        index["name"]
        for index in inspect(db).get_indexes(table.name)
        if index["name"] and not index.get("duplicates_constraint")  # a UNIQUE's own index
    }
    quote = db.dialect.identifier_preparer.quote
    for index in table.indexes:
        if index.name not in found:
            db.execute(CreateIndex(index, if_not_exists=True))
    for name in sorted(found - {index.name for index in table.indexes}):
        db.execute(text(f"DROP INDEX IF EXISTS {quote(name)}"))


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


def insert_rows(db: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows in one executemany of the driver, each value converted as SQLAlchemy converts
    it: its own executemany spends more time making the parameters than SQLite spends on
    the rows. A column no row names gets its default; one some rows leave out, None."""
    if not rows:
        return
    named: set[str] = set()
    for row in rows:
        named.update(row)
    statement, columns = _insert_statement(table, db.dialect, frozenset(named))
    values = [
        tuple(
            [v if (v := row.get(n)) is None or to_db is None else to_db(v) for n, to_db in columns]
        )
        for row in rows
    ]
    if db.dialect.positional:
        db.exec_driver_sql(statement, values)
    else:
        names = [n for n, _ in columns]
        db.exec_driver_sql(statement, [dict(zip(names, v, strict=True)) for v in values])


def update_row(db: Connection, table: Table, key: Any, values: Mapping[str, Any]) -> int:
    """One row (by its one-column primary key) given these values, converted as
    `insert_rows` converts them; how many rows that was."""
    statement, columns = _update_statement(table, db.dialect, tuple(values))
    (key_column,) = table.primary_key.columns
    params = [v if (v := values[n]) is None or to_db is None else to_db(v) for n, to_db in columns]
    to_key = key_column.type.dialect_impl(db.dialect).bind_processor(db.dialect)
    params.append(to_key(key) if to_key else key)
    if not db.dialect.positional:
        names = [*(n for n, _ in columns), f"{key_column.name}_key"]
        return int(db.exec_driver_sql(statement, dict(zip(names, params, strict=True))).rowcount)
    return int(db.exec_driver_sql(statement, tuple(params)).rowcount)


@lru_cache(maxsize=64)
def _update_statement(
    table: Table, dialect: Dialect, names: tuple[str, ...]
) -> tuple[str, list[tuple[str, Callable[[Any], Any] | None]]]:
    """The UPDATE of those columns of a row by its primary key, in the dialect's SQL."""
    (key_column,) = table.primary_key.columns
    compiled = (
        update(table)
        .where(key_column == bindparam(f"{key_column.name}_key"))
        .compile(dialect=dialect, column_keys=list(names))
    )
    sql = str(compiled)
    assert compiled.positiontup in (None, [*names, f"{key_column.name}_key"])
    converters: list[tuple[str, Callable[[Any], Any] | None]] = [
        (n, table.c[n].type.dialect_impl(dialect).bind_processor(dialect)) for n in names
    ]
    return sql, converters


@lru_cache(maxsize=64)
def _insert_statement(
    table: Table, dialect: Dialect, names: frozenset[str]
) -> tuple[str, list[tuple[str, Callable[[Any], Any] | None]]]:
    """The INSERT of those columns in the dialect's SQL, and each column's name and
    conversion of a value other than None to what the driver takes (None: as it is)."""
    ordered = [c for c in table.columns if c.name in names]
    compiled = insert(table).compile(dialect=dialect, column_keys=[c.name for c in ordered])
    assert compiled.positiontup in (None, [c.name for c in ordered])
    converters: list[tuple[str, Callable[[Any], Any] | None]] = [
        (c.name, c.type.dialect_impl(dialect).bind_processor(dialect)) for c in ordered
    ]
    return str(compiled), converters


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every store (SQLite keeps no time zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, the text SQLAlchemy's DATETIME writes ("2025-01-06 07:00:00.000000")
        made by `isoformat` in C: a rebuild writes a million moments, and SQLAlchemy's own
        formatting of each from a dict of its parts took a tenth of the rebuild's time."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
