"""One way to read a board (`boards/services/board_reads.py`): the board must be the viewer's,
and the read models are brought up to the log first, unless the caller says they are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from support.api_client import KARI
from support.world import World, build_world

from access.policy import Viewer, viewer_of
from boards.services import board_reads
from flow.errors import NotFoundError, NotPermittedError
from flow.flow_values import Decision
from flow.vocabulary import ServiceKind, Source


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    built = build_world(sqlite_url)
    yield built
    built.system.close()


def viewer(world: World, username: str) -> Viewer:
    user = world.accounts.find(username)
    assert user is not None
    return viewer_of(user)


def test_a_nurse_reads_her_units_board_and_no_other(world: World) -> None:
    system, nurse, now = world.system, viewer(world, "sykepleier"), world.clock()

    assert board_reads.unit_board(system, nurse, world.unit("KORT"), now).name == "Korttid Test"
    assert board_reads.unit_wall(system, nurse, world.unit("KORT"), now).flow_ids == frozenset()
    for refused in (
        lambda: board_reads.allocation_board(system, nurse, now),
        lambda: board_reads.unit_board(system, nurse, world.unit("UTRED"), now),
        lambda: board_reads.unit_wall(system, nurse, world.unit("UTRED"), now),
        lambda: board_reads.zone_board(system, nurse, world.unit("NORD"), now),
        lambda: board_reads.allocation_card(system, nurse, world.unit("KORT"), now),
    ):
        with pytest.raises(NotPermittedError, match="Denne tavlen er ikke for din rolle"):
            refused()


def test_the_office_reads_any_board_of_its_municipality_and_none_of_another(
    world: World,
) -> None:
    system, office, now = world.system, viewer(world, "saksbehandler"), world.clock()

    assert board_reads.zone_board(system, office, world.unit("NORD"), now).name == "Sone Nord"
    with pytest.raises(NotFoundError):
        board_reads.unit_board(system, office, world.unit("ANNEN", "9997"), now)


def test_a_board_is_read_after_the_read_models_are_brought_up_to_the_log(world: World) -> None:
    """A reservation just recorded shows on the unit's board; a reader that says the models
    are caught up (a stream, which the follower woke after bringing them up) reads them as
    they stand."""
    system, nurse, kort = world.system, viewer(world, "sykepleier"), world.unit("KORT")
    office, now = world.actor(), world.clock()
    system.projector.catch_up()
    flow_id = system.flows.open_flow(
        KARI, "Kari", Source.HOSPITAL, "Ahus", "Rehab", by=office, at=now
    )
    decision = Decision(ServiceKind.SHORT_TERM_STAY.value, kort, None, date.min, None)
    system.flows.decide_service(flow_id, decision, by=office, at=now)
    system.flows.reserve_bed(flow_id, kort, "2", by=office, at=now)

    as_they_stand = board_reads.unit_board(system, nurse, kort, now, caught_up=True)
    brought_up = board_reads.unit_board(system, nurse, kort, now)

    assert {slot.bed: slot.status for slot in as_they_stand.beds}["2"] == "free"
    assert {slot.bed: slot.status for slot in brought_up.beds}["2"] == "reserved"
    card = board_reads.allocation_card(system, viewer(world, "saksbehandler"), flow_id, now)
    assert card.bed == "2"
