"""Every state table the code declares is made by the migrations: a table (or, with
tests/integration/migrations, a column or an index) added without a migration is red here."""

from __future__ import annotations

from sqlalchemy import inspect
from support.state_tables import state_tables
from support.stores import migrated


def test_the_state_tables_are_found_and_the_read_models_are_not() -> None:
    found = set(state_tables().tables)
    assert {"users", "access_grants", "patient_keys", "hospital_messages"} <= found
    assert not found & {"flow_cards", "beds", "task_list", "projection_positions"}


def test_every_state_table_the_code_declares_is_made_by_the_migrations(sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    try:
        made = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    assert made == set(state_tables().tables)
