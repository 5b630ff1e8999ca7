"""A release that changes a read model's tables (a table added, columns changed) finds the
old tables at start and makes that model again from the log; the others are left alone.
On a real SQLite file and on PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from support.read_model_rows import rebuilt, snapshot
from support.world import World

from boards.services.system import open_system
from boards.settings import Settings
from flow.vocabulary import Source
from projections.figures.leader_figures import flows


def waited(world: World) -> None:
    """A patient declared ready and answered: a row in every table of the flow cards."""
    office = world.actor("saksbehandler")
    at = world.clock()
    flow_id = world.flows.open_flow(
        "01018012371", "Kari Nordmann", Source.HOSPITAL, "Ahus", "", by=office, at=at
    )
    world.flows.notify_ready_for_discharge(flow_id, at, False, by=office, at=at)
    world.flows.answer_hospital(flow_id, False, "", by=office, at=at + timedelta(hours=1))
    world.system.projector.catch_up()


@contextmanager
def restarted(world: World, database_url: str) -> Iterator[World]:
    """The servers stopped and started again, on the same database."""
    world.system.close()
    system = open_system(Settings(database_url=database_url))
    try:
        system.projector.catch_up()
        yield World(world.client, system, world.clock, world.tokens)
    finally:
        system.close()


def test_a_table_the_old_release_did_not_have_makes_its_model_again(
    world: World, database_url: str
) -> None:
    waited(world)
    before = snapshot(world.system)
    with world.system.engine.begin() as db:
        db.execute(text("DROP TABLE ready_periods"))

    with restarted(world, database_url) as again:
        assert snapshot(again.system) == before == rebuilt(again.system)
    assert before["ready_periods"]


def test_a_table_with_other_columns_makes_only_its_own_model_again(
    world: World, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    waited(world)
    before = snapshot(world.system)
    with world.system.engine.begin() as db:
        db.execute(text("ALTER TABLE flow_cards ADD COLUMN answer_can_receive BOOLEAN"))

    with (
        caplog.at_level(logging.WARNING, logger="projections.projector"),
        restarted(world, database_url) as again,
    ):
        columns = {c["name"] for c in inspect(again.system.engine).get_columns("flow_cards")}
        assert "answer_can_receive" not in columns
        assert snapshot(again.system) == before
    assert [r.args for r in caplog.records] == [(["flow_cards"],)]  # the others are kept


def test_a_table_a_model_no_longer_has_goes_when_the_model_is_made_again(
    world: World, database_url: str
) -> None:
    waited(world)
    with world.system.engine.begin() as db:  # as the release before left it
        db.execute(text("CREATE TABLE figure_ready (flow_id VARCHAR(32))"))
        db.execute(text(f"ALTER TABLE {flows.name} ADD COLUMN readies INTEGER"))

    with restarted(world, database_url) as again:
        assert "figure_ready" not in inspect(again.system.engine).get_table_names()
