"""The boards as JSON: the same read models the pages show."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from access.accounts import User
from access.policy import may_see_board, viewer_of
from boards.api.flows import REFUSALS
from boards.services.looks import looks_logged
from boards.web.dependencies import CurrentSystem, CurrentUser, Now
from boards.web.schemas import Problem
from flow.errors import NotPermittedError
from projections.allocation_board import AllocationBoard
from projections.home_care_board import HomeCareBoard
from projections.unit_board import UnitBoard

router = APIRouter(
    tags=["tavler"],
    responses={**REFUSALS, 403: {"model": Problem, "description": "Ikke din tavle"}},
)


def _require_board(user: User, unit_id: UUID | None) -> None:
    if not may_see_board(viewer_of(user), unit_id):
        raise NotPermittedError("board_not_yours")


@router.get("/boards/allocation")
def allocation_board(system: CurrentSystem, user: CurrentUser, now: Now) -> AllocationBoard:
    _require_board(user, None)
    system.projector.catch_up()
    board = AllocationBoard.read(
        system.engine, user.municipality_id, now, system.rates.of(user.municipality_id)
    )
    with looks_logged(system, user, board, "api/tildeling", now):
        return board


@router.get("/boards/units/{unit_id}")
def unit_board(unit_id: UUID, system: CurrentSystem, user: CurrentUser, now: Now) -> UnitBoard:
    _require_board(user, unit_id)
    system.projector.catch_up()
    board = UnitBoard.read(
        system.engine, user.municipality_id, unit_id, now, system.rates.of(user.municipality_id)
    )
    with looks_logged(system, user, board, "api/enhet", now):
        return board


@router.get("/boards/zones/{zone_id}")
def home_care_board(
    zone_id: UUID, system: CurrentSystem, user: CurrentUser, now: Now
) -> HomeCareBoard:
    _require_board(user, zone_id)
    system.projector.catch_up()
    municipality = user.municipality_id
    rates = system.rates.of(municipality)
    board = HomeCareBoard.read(system.engine, municipality, zone_id, now, rates)
    with looks_logged(system, user, board, "api/sone", now):
        return board
