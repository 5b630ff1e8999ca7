"""Plain values the application returns to its callers: never aggregates."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from flow.care_unit import CareUnit
from flow.closed_loops import TaskState
from flow.flow_values import BedRef, Decision, DischargePlan, HospitalAnswer, ReadyNotice, WaitNote
from flow.hospital_notices import HospitalNotice
from flow.patient_flow import PatientFlow


@dataclass(frozen=True)
class CorrectableView:
    """The flow's last command, which a correction would undo now: what, which event of
    the flow, by whom and when (`flow/corrections.py`)."""

    command: str
    version: int
    user_id: str
    at: datetime


@dataclass(frozen=True)
class FlowView:
    id: UUID
    version: int
    municipality_id: UUID
    national_id: str
    name: str
    source: str
    location: str
    need: str
    phase: str
    opened_at: datetime
    admitted_at: datetime | None
    ready: ReadyNotice | None
    hospital_answer: HospitalAnswer | None
    wait: WaitNote | None
    decision: Decision | None
    reservation: BedRef | None
    stay: BedRef | None
    arrived_at: datetime | None
    discharge_plan: DischargePlan | None
    discharged_to: str | None
    discharged_at: datetime | None
    home_care_zone: UUID | None
    safety_flags: list[str]
    closing_reason: str | None
    hospital_notice: HospitalNotice | None
    allowed_commands: list[str]
    tasks: list[TaskState]
    correctable: CorrectableView | None

    @classmethod
    def of(cls, flow: PatientFlow) -> FlowView:
        last = flow.correctable()
        return cls(
            id=flow.id,
            version=flow.version,
            municipality_id=flow.municipality_id,
            national_id=flow.patient.national_id,
            name=flow.patient.name,
            source=flow.source,
            location=flow.location,
            need=flow.need,
            phase=flow.phase,
            opened_at=flow.opened_at,
            admitted_at=flow.admitted_at,
            ready=flow.ready,
            hospital_answer=flow.hospital_answer,
            wait=flow.wait,
            decision=flow.decision,
            reservation=flow.reservation,
            stay=flow.stay,
            arrived_at=flow.arrived_at,
            discharge_plan=flow.discharge_plan,
            discharged_to=flow.discharged_to,
            discharged_at=flow.discharged_at,
            home_care_zone=flow.home_care_zone,
            safety_flags=sorted(flow.safety_flags),
            closing_reason=flow.closing_reason,
            hospital_notice=flow.hospital_notice,
            allowed_commands=[c.value for c in flow.allowed_commands()],
            tasks=sorted(flow.tasks.values(), key=lambda s: (s.task.due_at, s.task.key)),
            correctable=None
            if last is None
            else CorrectableView(last.command.value, last.version, last.by.user_id, last.at),
        )


@dataclass(frozen=True)
class BedView:
    name: str
    status: str
    flow_id: UUID | None


@dataclass(frozen=True)
class UnitView:
    id: UUID
    version: int
    code: str
    name: str
    kind: str
    beds: list[BedView]

    @classmethod
    def of(cls, unit: CareUnit) -> UnitView:
        beds = [BedView(name, bed.status, bed.flow_id) for name, bed in unit.beds.items()]
        return cls(unit.id, unit.version, unit.code, unit.name, unit.kind, beds)


_ENVELOPE = {"originator_id", "originator_version", "originator_topic", "timestamp", "by", "at"}


@dataclass(frozen=True)
class ChecklistVersion:
    """One version of a municipality's own checklist templates: who wrote it, and when."""

    version: int
    at: datetime
    user_id: str

    @classmethod
    def of(cls, domain_event: Any) -> ChecklistVersion:
        return cls(domain_event.originator_version, domain_event.at, domain_event.by.user_id)


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded event of a flow, as the history page and API show it."""

    version: int
    event: str
    at: datetime
    recorded_at: datetime
    user_id: str
    role: str
    data: dict[str, Any]

    @classmethod
    def of(cls, domain_event: Any) -> HistoryEntry:
        fields = vars(domain_event)
        data = {k: _plain(v) for k, v in fields.items() if k not in _ENVELOPE}
        return cls(
            version=domain_event.originator_version,
            event=type(domain_event).__name__,
            at=domain_event.at,
            recorded_at=domain_event.timestamp,
            user_id=domain_event.by.user_id,
            role=domain_event.by.role,
            data=data,
        )


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value
