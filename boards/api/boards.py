"""The boards as JSON: the same read models the pages show."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from access.policy import viewer_of
from boards.api.flows import REFUSALS
from boards.services import board_reads
from boards.services.looks import looks_logged
from boards.web.dependencies import CurrentSystem, CurrentUser, Now
from boards.web.schemas import Problem
from projections.allocation_board import AllocationBoard
from projections.home_care_board import HomeCareBoard
from projections.unit_board import UnitBoard

router = APIRouter(
    tags=["tavler"],
    responses={**REFUSALS, 403: {"model": Problem, "description": "Ikke din tavle"}},
)


@router.get("/boards/allocation")
def allocation_board(system: CurrentSystem, user: CurrentUser, now: Now) -> AllocationBoard:
    board = board_reads.allocation_board(system, viewer_of(user), now)
    with looks_logged(system, user, board, "api/tildeling", now):
        return board


@router.get("/boards/units/{unit_id}")
def unit_board(unit_id: UUID, system: CurrentSystem, user: CurrentUser, now: Now) -> UnitBoard:
    board = board_reads.unit_board(system, viewer_of(user), unit_id, now)
    with looks_logged(system, user, board, "api/enhet", now):
        return board


@router.get("/boards/zones/{zone_id}")
def home_care_board(
    zone_id: UUID, system: CurrentSystem, user: CurrentUser, now: Now
) -> HomeCareBoard:
    board = board_reads.zone_board(system, viewer_of(user), zone_id, now)
    with looks_logged(system, user, board, "api/sone", now):
        return board
