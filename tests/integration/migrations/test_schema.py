"""The migrations make the state tables as the code declares them, on both stores: each
column, type, index and constraint (which tables: tests/unit/architecture/test_state_tables.py)."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from support.state_tables import differences
from support.stores import migrated

from access.migrations import head


def test_an_empty_database_migrated_holds_exactly_the_declared_state_tables(
    database_url: str,
) -> None:
    engine = migrated(database_url)
    try:
        assert differences(engine) == []
        with engine.connect() as db:
            assert MigrationContext.configure(db).get_current_revision() == head()
    finally:
        engine.dispose()
