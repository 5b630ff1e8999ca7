"""The values a patient flow holds and its commands take: the patient, the hospital's
notice and answer, the reason for waiting, the allocation office's decision, a bed, and the
plan for leaving.

They are stored in the event log by their class names (flow/transcodings.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from flow.vocabulary import ERASED


@dataclass(frozen=True)
class Patient:
    national_id: str
    name: str


N = TypeVar("N", bound=Any)


def erased_note(value: N) -> N:
    """A value with a `note` (an answer, a wait, a task) once the identity is erased: no
    free text stays, and no text stays no text."""
    if value is None or not value.note:
        return value
    return replace(value, note=ERASED)


#: The patient of a flow whose identity is erased.
ERASED_PATIENT = Patient(national_id="", name=ERASED)


@dataclass(frozen=True)
class ReadyNotice:
    """Ready for discharge: from this day the municipality pays for every day in hospital."""

    ready_at: datetime
    estimate: bool


@dataclass(frozen=True)
class HospitalAnswer:
    """The municipality's latest answer to the ready notice (forskrift § 11): an offer
    ready from a day, or not yet, with when an offer is expected if known."""

    can_receive: bool
    answered_at: datetime
    note: str
    offer_from: date | None = None
    expected_on: date | None = None


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
