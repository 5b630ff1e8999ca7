"""Short-term units with their beds, and home-care zones."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from boards.api.flows import REFUSALS
from boards.web.dependencies import CurrentActor, Flows
from flow.views import UnitView

router = APIRouter(tags=["enheter"], responses=REFUSALS)


@router.get("/units")
def list_units(flows: Flows, by: CurrentActor) -> list[UnitView]:
    return flows.units(by)


@router.get("/units/{unit_id}")
def read_unit(unit_id: UUID, flows: Flows, by: CurrentActor) -> UnitView:
    return flows.unit(unit_id, by)


@router.get("/zones")
def list_zones(flows: Flows, by: CurrentActor) -> list[UnitView]:
    return flows.units(by, zones=True)
