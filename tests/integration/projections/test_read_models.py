"""Every read model equals a rebuild from the log, after any history, on both stores.

Hypothesis tells random histories over a few flows, two units of three beds and two
zones: commands valid or not, tasks moved on by the right or the wrong people, the clock
moving, the deadline process, and catch-ups in batches of any size in between.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, given, note, settings
from support.read_model_histories import (
    SPEC,
    T0,
    Run,
    assert_beds_agree_with_the_units,
    assert_cards_agree_with_the_flows,
    assert_tasks_agree_with_the_flows,
    steps,
    tell,
)
from support.read_model_rows import rebuilt, snapshot

from boards.services.system import open_system
from boards.settings import Settings
from fixtures.municipalities import install


@pytest.fixture
def fresh_database(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[], str]:
    """An empty database of the store under test each time it is called: a new SQLite
    file, or the PostgreSQL database emptied (quicker than making and dropping one)."""
    if database_url.startswith("sqlite"):
        return lambda: f"sqlite:///{tmp_path / f'{uuid4().hex}.db'}"

    def emptied() -> str:
        with psycopg.connect(database_url, autocommit=True) as db:
            db.execute("DROP SCHEMA public CASCADE")
            db.execute("CREATE SCHEMA public")
        return database_url

    return emptied


# Shrinking a failure can take minutes; the project's five-minute timeout would cut it short.
@pytest.mark.timeout(900)
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_every_read_model_equals_a_rebuild_from_the_log_after_any_history(
    fresh_database: Callable[[], str], history: list[tuple[str, int, int]]
) -> None:
    note(f"history: {history!r}")
    system = open_system(Settings(database_url=fresh_database()))
    try:
        install(system.flows, system.accounts, system.grants, SPEC, T0)
        run = Run(system)
        tell(run, history)
        system.projector.batch_size = 1000
        system.projector.catch_up()

        followed = snapshot(system)

        assert_cards_agree_with_the_flows(run, followed)
        assert_beds_agree_with_the_units(run, followed)
        assert_tasks_agree_with_the_flows(run, followed)
        assert followed == rebuilt(system)
    finally:
        system.close()
