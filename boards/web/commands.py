"""Every flow command once: its body's shape and the application call, for the JSON API
and the board's forms alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from boards.web import schemas
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.patient_flow import Decision, DischargePlan
from flow.vocabulary import Command


@dataclass(frozen=True)
class Call:
    flows: Pasientflyt
    flow_id: UUID
    by: Actor
    at: datetime
    expected_version: int | None

    def kw(self) -> dict[str, Any]:
        return {"by": self.by, "at": self.at, "expected_version": self.expected_version}


Run = Callable[[Call, Any], int]

COMMANDS: dict[Command, tuple[type[BaseModel], Run]] = {
    Command.ADMIT: (schemas.Admission, lambda c, b: c.flows.notify_admission(
        c.flow_id, b.hospital, b.admitted_at or c.at, **c.kw())),
    Command.NOTIFY_READY: (schemas.ReadyForDischarge, lambda c, b:
        c.flows.notify_ready_for_discharge(c.flow_id, b.ready_at or c.at, b.estimate, **c.kw())),
    Command.WITHDRAW_READY: (schemas.Reason, lambda c, b: c.flows.withdraw_ready_for_discharge(
        c.flow_id, b.reason, **c.kw())),
    Command.ANSWER_HOSPITAL: (schemas.HospitalAnswer, lambda c, b: c.flows.answer_hospital(
        c.flow_id, b.can_receive, b.note, **c.kw())),
    Command.RECORD_WAIT_REASON: (schemas.WaitReasonIn, lambda c, b: c.flows.record_wait_reason(
        c.flow_id, b.reason, b.note, **c.kw())),
    Command.DECIDE: (schemas.DecisionIn, lambda c, b: c.flows.decide_service(
        c.flow_id, Decision(b.service.value, b.unit_id, b.zone_id, b.starts_on, b.ends_on),
        **c.kw())),
    Command.RESERVE_BED: (schemas.Reservation, lambda c, b: c.flows.reserve_bed(
        c.flow_id, b.unit_id, b.bed, **c.kw())),
    Command.CANCEL_RESERVATION: (schemas.Reason, lambda c, b: c.flows.cancel_reservation(
        c.flow_id, b.reason, **c.kw())),
    Command.ARRIVE: (schemas.Empty, lambda c, b: c.flows.arrive(c.flow_id, **c.kw())),
    Command.MOVE: (schemas.Move, lambda c, b: c.flows.move(c.flow_id, b.bed, **c.kw())),
    Command.PLAN_DISCHARGE: (schemas.DischargePlanIn, lambda c, b: c.flows.plan_discharge(
        c.flow_id, DischargePlan(b.on, b.estimate, b.destination.value, b.zone_id), **c.kw())),
    Command.DISCHARGE: (schemas.Empty, lambda c, b: c.flows.discharge(c.flow_id, **c.kw())),
    Command.START_HOME_CARE: (schemas.Empty, lambda c, b: c.flows.start_home_care(
        c.flow_id, **c.kw())),
    Command.READMIT: (schemas.Readmission, lambda c, b: c.flows.readmit(
        c.flow_id, b.hospital, **c.kw())),
    Command.RAISE_FLAG: (schemas.SafetyFlagIn, lambda c, b: c.flows.raise_safety_flag(
        c.flow_id, b.flag, **c.kw())),
    Command.CLEAR_FLAG: (schemas.SafetyFlagIn, lambda c, b: c.flows.clear_safety_flag(
        c.flow_id, b.flag, **c.kw())),
    Command.CLOSE: (schemas.Closing, lambda c, b: c.flows.close_flow(
        c.flow_id, b.reason, b.note, **c.kw())),
}  # fmt: skip


def execute(command: Command, call: Call, body: BaseModel) -> schemas.CommandResult:
    _, run = COMMANDS[command]
    return schemas.CommandResult(id=call.flow_id, version=run(call, body))
