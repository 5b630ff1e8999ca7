"""SQLite as the event store: the library's own (`eventsourcing.sqlite`), but a read is one
statement on its own, without the `BEGIN` … `ROLLBACK` the library wraps round it.

The library reads in one statement each time (a flow's or unit's new events, the checklists'
last version, a page of the log, its last id), and SQLite runs a statement outside a
transaction in a read transaction of its own, on one snapshot of the write-ahead log: what it
reads is the same. A command reads two or three times (its flow and the checklists in force
brought forward, a unit's bed), and the two statements more and the library's transaction
round them took about 40 % of a read: a flow brought forward 110–120 → 70 µs, the checklists'
last version 44 → 27 µs (on a simulated store of 18,000 events, 2 vCPU under load).
Writes are the library's, each its own transaction.

`SQLITE_SYNCHRONOUS=NORMAL` in the store's settings (a simulation's, `flow.store.store_env`)
sets the pragma on each of its connections: see `access.database.connect`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)
from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType

#: SQLite's errors as the library's, as it raises them in a transaction (the first match).
_ERRORS: list[tuple[type[sqlite3.Error], type[PersistenceError]]] = [
    (sqlite3.InterfaceError, InterfaceError),
    (sqlite3.DataError, DataError),
    (sqlite3.OperationalError, OperationalError),
    (sqlite3.IntegrityError, IntegrityError),
    (sqlite3.InternalError, InternalError),
    (sqlite3.ProgrammingError, ProgrammingError),
    (sqlite3.NotSupportedError, NotSupportedError),
    (sqlite3.DatabaseError, DatabaseError),
    (sqlite3.Error, PersistenceError),
]


class _Pool(SQLiteConnectionPool):
    """The library's pool, each new connection set to `synchronous` if given."""

    def __init__(self, *, synchronous: str | None, **options: Any) -> None:
        super().__init__(**options)
        self.synchronous = synchronous

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        if self.synchronous:
            connection.cursor().execute(f"PRAGMA synchronous={self.synchronous}")
        return connection


class _Datastore(SQLiteDatastore):
    def __init__(
        self, db_name: str, *, lock_timeout: int | None, synchronous: str | None, **options: Any
    ) -> None:
        super().__init__(db_name, lock_timeout=lock_timeout, **options)
        self.pool.close()
        self.pool = _Pool(db_name=db_name, lock_timeout=lock_timeout, synchronous=synchronous)

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SQLiteCursor]:
        if commit:
            with super().transaction(commit=True) as cursor:
                yield cursor
            return
        with self.get_connection(commit=False) as connection:
            cursor = connection.cursor()
            try:
                with cursor:
                    yield cursor
            except sqlite3.Error as error:
                raise next(ours for theirs, ours in _ERRORS if isinstance(error, theirs))(
                    error
                ) from error


class SQLiteStore(SQLiteFactory):
    """`PERSISTENCE_MODULE` of a SQLite store (`flow.store.store_env`)."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        made = self.datastore
        synchronous = self.env.get("SQLITE_SYNCHRONOUS") or None
        if synchronous not in {None, "NORMAL", "FULL"}:
            raise ValueError(f"SQLITE_SYNCHRONOUS={synchronous}: NORMAL or FULL")
        self.datastore = _Datastore(
            made.pool.db_name,
            lock_timeout=made.pool.lock_timeout,
            synchronous=synchronous,
            single_row_tracking=made.single_row_tracking,
            originator_id_type=made.originator_id_type,
        )
        made.close()
