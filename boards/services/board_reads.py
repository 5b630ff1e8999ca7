"""A board as its viewer may see it, one way for every page, JSON read, export and stream:
who may see the board (the one check of it), the read models brought up to the log, then
the board read for the viewer's municipality at `now`, with its daily rates.

A stream reads with `caught_up=True`: the follower that woke it brought the read models up
to what it tells (`boards/live/follower.py`), so its many streams need not ask again."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from access.policy import Viewer, may_see_board
from boards.services.system import System
from flow.errors import NotFoundError, NotPermittedError
from projections.allocation_board import AllocationBoard
from projections.cards import FlowCard, load_card
from projections.home_care_board import HomeCareBoard
from projections.unit_board import UnitBoard
from projections.waiting_days import Statement, statement
from projections.wall_display import WallDisplay


def authorise_board(viewer: Viewer, place_id: UUID | None) -> None:
    """The allocation board (`place_id` None), or a unit's or a zone's board, must be the
    viewer's (403)."""
    if not may_see_board(viewer, place_id):
        raise NotPermittedError("board_not_yours")


def allocation_board(
    system: System, viewer: Viewer, now: datetime, *, caught_up: bool = False
) -> AllocationBoard:
    _bring_up(system, viewer, None, caught_up)
    municipality = viewer.municipality_id
    return AllocationBoard.read(system.engine, municipality, now, system.rates.of(municipality))


def unit_board(
    system: System, viewer: Viewer, unit_id: UUID, now: datetime, *, caught_up: bool = False
) -> UnitBoard:
    """A unit's board: the viewer's own unit (403), of its municipality (404)."""
    _bring_up(system, viewer, unit_id, caught_up)
    municipality = viewer.municipality_id
    rates = system.rates.of(municipality)
    return UnitBoard.read(
        system.engine, municipality, unit_id, now, rates, viewer.role, viewer.unit_ids
    )


def unit_wall(
    system: System, viewer: Viewer, unit_id: UUID, now: datetime, *, caught_up: bool = False
) -> WallDisplay:
    """A unit's wall display: beds and initials."""
    _bring_up(system, viewer, unit_id, caught_up)
    return WallDisplay.read(system.engine, viewer.municipality_id, unit_id, now)


def zone_board(
    system: System, viewer: Viewer, zone_id: UUID, now: datetime, *, caught_up: bool = False
) -> HomeCareBoard:
    """A zone's board: the viewer's own zone (403), of its municipality (404)."""
    _bring_up(system, viewer, zone_id, caught_up)
    municipality = viewer.municipality_id
    rates = system.rates.of(municipality)
    return HomeCareBoard.read(
        system.engine, municipality, zone_id, now, rates, viewer.role, viewer.unit_ids
    )


def allocation_card(system: System, viewer: Viewer, flow_id: UUID, now: datetime) -> FlowCard:
    """One flow's card as the allocation board shows it (404 for none of the municipality)."""
    _bring_up(system, viewer, None, caught_up=False)
    municipality = viewer.municipality_id
    card = load_card(system.engine, municipality, flow_id, now, system.rates.of(municipality))
    if card is None:
        raise NotFoundError("not_found", thing="flow")
    return card


def waiting_day_statement(
    system: System, viewer: Viewer, month: date, hospital: str | None, now: datetime
) -> Statement:
    """The month's waiting-day statement: the allocation office's, as its board is (403)."""
    _bring_up(system, viewer, None, caught_up=False)
    municipality = viewer.municipality_id
    rates = system.rates.of(municipality)
    return statement(system.engine, municipality, month, hospital, now, rates)


def _bring_up(system: System, viewer: Viewer, place_id: UUID | None, caught_up: bool) -> None:
    """The board's check, then the read models up to the log."""
    authorise_board(viewer, place_id)
    if not caught_up:
        system.projector.catch_up()
