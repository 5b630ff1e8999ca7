"""The boards as JSON: the same read models the pages show; with `?per=2026-11-20T14:32` as
they stood at that moment (Oslo's time), read-only (`boards/services/past_reads.py`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from access.policy import viewer_of
from boards.api.flows import REFUSALS
from boards.services import board_reads, past_reads
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

#: `?per=`: the board as it stood at this moment, Europe/Oslo's local time to the minute.
Per = Annotated[
    str | None,
    Query(
        description="Tavlen slik den var på dette tidspunktet (norsk tid), for eksempel "
        "2026-11-20T14:32; uten kommandoer",
    ),
]


@router.get("/boards/allocation")
def allocation_board(
    system: CurrentSystem, user: CurrentUser, now: Now, per: Per = None
) -> AllocationBoard:
    viewer = viewer_of(user)
    if per is None:
        board = board_reads.allocation_board(system, viewer, now)
        view = "api/tildeling"
    else:
        past = past_reads.past_of(system, user.municipality_id, per, now)
        board, view = past_reads.allocation_board(system, viewer, past), past.view("api/tildeling")
    with looks_logged(system, user, board, view, now):
        return board


@router.get("/boards/units/{unit_id}")
def unit_board(
    unit_id: UUID, system: CurrentSystem, user: CurrentUser, now: Now, per: Per = None
) -> UnitBoard:
    viewer = viewer_of(user)
    if per is None:
        board, view = board_reads.unit_board(system, viewer, unit_id, now), "api/enhet"
    else:
        past = past_reads.past_of(system, user.municipality_id, per, now)
        board = past_reads.unit_board(system, viewer, unit_id, past)
        view = past.view("api/enhet")
    with looks_logged(system, user, board, view, now):
        return board


@router.get("/boards/zones/{zone_id}")
def home_care_board(
    zone_id: UUID, system: CurrentSystem, user: CurrentUser, now: Now, per: Per = None
) -> HomeCareBoard:
    viewer = viewer_of(user)
    if per is None:
        board, view = board_reads.zone_board(system, viewer, zone_id, now), "api/sone"
    else:
        past = past_reads.past_of(system, user.municipality_id, per, now)
        board = past_reads.zone_board(system, viewer, zone_id, past)
        view = past.view("api/sone")
    with looks_logged(system, user, board, view, now):
        return board
