"""One step of a patient's journey, given by the office through the application service, as
the properties over random histories take it: the flow's rules may refuse it (`FlowError`),
which the caller lets pass, since a refused command records nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from flow.actor import Actor
from flow.application import Pasientflyt
from flow.flow_values import Decision, DischargePlan
from flow.vocabulary import ClosingReason, Destination, ServiceKind


def journey_step(
    flows: Pasientflyt,
    flow_id: UUID,
    op: str,
    *,
    unit: UUID,
    zone: UUID,
    choice: int,
    by: Actor,
    now: datetime,
) -> None:
    """The step `op` on the flow; `unit` and `zone` where a decision or a
    plan sends the patient, `choice` the history's small number (an answer's yes or no, a
    plan's days ahead)."""
    today = now.date()
    if op == "admit":
        flows.notify_admission(flow_id, "Sykehuset", now, by=by, at=now)
    elif op == "ready":
        flows.notify_ready_for_discharge(flow_id, now, False, by=by, at=now)
    elif op == "answer":
        flows.answer_hospital(flow_id, choice % 2 == 0, "", by=by, at=now)
    elif op == "decide_stay":
        decision = Decision(ServiceKind.SHORT_TERM_STAY, unit, None, today, None)
        flows.decide_service(flow_id, decision, by=by, at=now)
    elif op == "decide_home":
        decision = Decision(ServiceKind.HOME_CARE, None, zone, today, None)
        flows.decide_service(flow_id, decision, by=by, at=now)
    elif op == "reserve":
        view = flows.flow(flow_id, by)
        target = view.decision.unit_id if view.decision and view.decision.unit_id else unit
        free = [b.name for b in flows.unit(target, by).beds if b.status == "free"]
        if free:
            flows.reserve_bed(flow_id, target, free[0], by=by, at=now)
    elif op == "arrive":
        flows.arrive(flow_id, by=by, at=now)
    elif op == "plan_home":
        plan = DischargePlan(today + timedelta(days=choice), False, Destination.HOME, zone)
        flows.plan_discharge(flow_id, plan, by=by, at=now)
    elif op == "discharge":
        flows.discharge(flow_id, by=by, at=now)
    elif op == "home_care":
        flows.start_home_care(flow_id, by=by, at=now)
    elif op == "readmit":
        flows.readmit(flow_id, "Sykehuset", by=by, at=now)
    elif op == "close":
        flows.close_flow(flow_id, ClosingReason.COMPLETED, "", by=by, at=now)
    else:
        raise ValueError(f"no such step: {op}")
