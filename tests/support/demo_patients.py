"""The demo municipality's places as the browser tests name them, and a patient added to it
for one test: opened from hospital, and with a bed on Solsiden reserved."""

from __future__ import annotations

import random
from datetime import timedelta
from uuid import UUID

from access.accounts import Role
from boards.app import utc_now
from boards.services.system import System
from fixtures.demo import synthetic_national_id
from flow.actor import Actor
from flow.flow_values import Decision
from flow.municipality import municipality_id, unit_id
from flow.vocabulary import ServiceKind, Source

DEMO = municipality_id("9901")
SOLSIDEN = unit_id(DEMO, "SOLS")
NORD = unit_id(DEMO, "NORD")
OFFICE = Actor("tester", Role.ALLOCATION.value, DEMO)


def new_patient(system: System, name: str, numbers: random.Random) -> tuple[UUID, str]:
    """A patient just referred from hospital: the flow and the national id."""
    national_id = synthetic_national_id(numbers)
    flow_id = system.flows.open_flow(
        national_id, name, Source.HOSPITAL, "Sykehuset", "Rehab", by=OFFICE, at=utc_now()
    )
    return flow_id, national_id


def reserved_on_solsiden(
    system: System, name: str, numbers: random.Random, *, ready: bool = False
) -> tuple[UUID, str]:
    """A new hospital patient (ready for discharge two days ago, if `ready`) with a free bed
    on Solsiden reserved: the flow and the bed."""
    flows, now = system.flows, utc_now()
    flow_id, _ = new_patient(system, name, numbers)
    if ready:
        flows.notify_ready_for_discharge(flow_id, now - timedelta(days=2), False, by=OFFICE, at=now)
    decision = Decision(ServiceKind.SHORT_TERM_STAY, SOLSIDEN, None, now.date(), None)
    flows.decide_service(flow_id, decision, by=OFFICE, at=now)
    free = [b.name for b in flows.unit(SOLSIDEN, OFFICE).beds if b.status == "free"]
    flows.reserve_bed(flow_id, SOLSIDEN, free[0], by=OFFICE, at=now)
    return flow_id, free[0]
