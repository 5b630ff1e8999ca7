"""The boards as JSON: the same read models the pages show."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from boards.api.flows import REFUSALS
from boards.dependencies import CurrentActor, CurrentSystem, Now
from projections.allocation_board import AllocationBoard
from projections.home_care_board import HomeCareBoard
from projections.unit_board import UnitBoard

router = APIRouter(tags=["tavler"], responses=REFUSALS)


@router.get("/boards/allocation")
def allocation_board(system: CurrentSystem, by: CurrentActor, now: Now) -> AllocationBoard:
    system.projector.catch_up()
    return AllocationBoard.read(system.engine, by.municipality_id, now, system.daily_rates)


@router.get("/boards/units/{unit_id}")
def unit_board(unit_id: UUID, system: CurrentSystem, by: CurrentActor, now: Now) -> UnitBoard:
    system.projector.catch_up()
    return UnitBoard.read(system.engine, by.municipality_id, unit_id, now, system.daily_rates)


@router.get("/boards/zones/{zone_id}")
def home_care_board(
    zone_id: UUID, system: CurrentSystem, by: CurrentActor, now: Now
) -> HomeCareBoard:
    system.projector.catch_up()
    return HomeCareBoard.read(system.engine, by.municipality_id, zone_id, now, system.daily_rates)
