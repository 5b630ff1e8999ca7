"""The values a patient flow holds and its commands take: the patient, the hospital's
notice and answer, the reason for waiting, the allocation office's decision, a bed, and the
plan for leaving.

They are stored in the event log by their class names (flow/transcodings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from flow.vocabulary import ERASED


@dataclass(frozen=True)
class Patient:
    national_id: str
    name: str


#: The patient of a flow whose identity is erased.
ERASED_PATIENT = Patient(national_id="", name=ERASED)


@dataclass(frozen=True)
class ReadyNotice:
    """Ready for discharge: from this day the municipality pays for every day in hospital."""

    ready_at: datetime
    estimate: bool


@dataclass(frozen=True)
class HospitalAnswer:
    can_receive: bool
    answered_at: datetime
    note: str


@dataclass(frozen=True)
class WaitNote:
    reason: str
    note: str


@dataclass(frozen=True)
class Decision:
    service: str
    unit_id: UUID | None
    zone_id: UUID | None
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class BedRef:
    unit_id: UUID
    bed: str


@dataclass(frozen=True)
class DischargePlan:
    on: date
    estimate: bool
    destination: str
    zone_id: UUID | None
