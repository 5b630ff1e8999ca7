"""The state tables' migrations (Alembic): accounts, sessions, grants, logs, keys, hospital
messages — what no rebuild from the event log brings back. The eventsourcing library's
tables and the read models in projections/ are not here: those are rebuilt, not migrated.

`migrate(engine)` brings a database to the newest revision; `open_system` runs it at start
and `pasientflyt migrate` on its own. On PostgreSQL it runs under the advisory startup lock,
on SQLite in one BEGIN IMMEDIATE transaction: of processes starting together, one migrates
and the others wait and find nothing left to do.

To add a migration: `alembic revision -m "what changes and why" --rev-id 0002` (from the
repository's root; pyproject.toml names this package), then write `upgrade()` with `op`
and explicit columns, never the app's `Table` objects — a revision is a frozen record. On
SQLite change a table in `op.batch_alter_table`. Change the `Table` in the code in the same
commit: tests/integration/migrations compares the two on both stores. No downgrades: a
release is undone by a new revision, or by the backup taken before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from access.database import startup_lock

#: Where Alembic finds env.py and versions/, as a package resource (so in a wheel too).
SCRIPT_LOCATION = "access:migrations"


@dataclass(frozen=True)
class Migrated:
    """The database's revision before and after; None before for a database that had none
    (empty, or made before migrations)."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def migrate(engine: Engine) -> Migrated:
    """Bring the database's state tables to the newest revision; safe with several
    processes starting at once. A database at the newest already is left without a lock
    (so a caller inside `startup_lock` may ask; one that needs migrating must not be)."""
    with engine.connect() as db:
        found = revision_of(db)
    if found == head():
        return Migrated(found, found)
    with startup_lock(engine), engine.connect() as db:
        if db.dialect.name == "sqlite":
            # The write lock first: a second process waits here (busy_timeout), then reads
            # the version the first wrote, instead of racing it to CREATE TABLE.
            db.exec_driver_sql("BEGIN IMMEDIATE")
        before = revision_of(db)
        config = Config(attributes={"connection": db})
        config.set_main_option("script_location", SCRIPT_LOCATION)
        command.upgrade(config, "head")
        after = revision_of(db)
        db.commit()
    return Migrated(before, after)


def revision_of(db: Connection) -> str | None:
    """The revision the database is at; None if it has none."""
    return MigrationContext.configure(db).get_current_revision()


def head() -> str:
    """The newest revision."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    newest = ScriptDirectory.from_config(config).get_current_head()
    assert newest is not None
    return newest
