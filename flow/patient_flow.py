"""`PatientFlow`: one patient's journey from referral to its end.

Each public method checks meaning and then calls a private `@event` method that
only assigns state, because that body runs again on every replay.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from flow.actor import Actor
from flow.closed_loops import ClosedLoops
from flow.corrections import Corrections
from flow.errors import IllegalTransitionError
from flow.flow_guards import FlowGuards
from flow.flow_values import (
    ERASED_PATIENT,
    BedRef,
    Decision,
    DischargePlan,
    HospitalAnswer,
    Patient,
    ReadyNotice,
    WaitNote,
    erased_note,
)
from flow.hospital_notices import HospitalNotices
from flow.national_id import validate as validate_national_id
from flow.payment_clock import answer_days, oslo_day
from flow.vocabulary import (
    ERASED,
    HOSPITAL_PHASES,
    ClosingReason,
    Command,
    Phase,
    SafetyFlag,
    ServiceKind,
    Source,
    WaitReason,
)

_WITHDRAWN = "Utskrivningsklar-meldingen ble trukket tilbake."


class PatientFlow(FlowGuards, Corrections, HospitalNotices):
    """A patient's journey between hospital, short-term beds and home care."""

    if TYPE_CHECKING:  # the event classes @event makes, named for the type checker
        FlowOpened: ClassVar[type[ClosedLoops.Created]]
        HospitalAdmissionNotified: ClassVar[type[ClosedLoops.Event]]
        ReadyForDischargeNotified: ClassVar[type[ClosedLoops.Event]]
        ReadyForDischargeWithdrawn: ClassVar[type[ClosedLoops.Event]]
        WaitReasonRecorded: ClassVar[type[ClosedLoops.Event]]
        ServiceDecided: ClassVar[type[ClosedLoops.Event]]
        BedReserved: ClassVar[type[ClosedLoops.Event]]
        ReservationCancelled: ClassVar[type[ClosedLoops.Event]]
        PatientArrived: ClassVar[type[ClosedLoops.Event]]
        PatientMoved: ClassVar[type[ClosedLoops.Event]]
        DischargePlanned: ClassVar[type[ClosedLoops.Event]]
        PatientDischarged: ClassVar[type[ClosedLoops.Event]]
        HomeCareStarted: ClassVar[type[ClosedLoops.Event]]
        PatientReadmitted: ClassVar[type[ClosedLoops.Event]]
        SafetyFlagRaised: ClassVar[type[ClosedLoops.Event]]
        SafetyFlagCleared: ClassVar[type[ClosedLoops.Event]]
        FlowClosed: ClassVar[type[ClosedLoops.Event]]
        IdentityErased: ClassVar[type[ClosedLoops.Event]]

    @event("FlowOpened")
    def __init__(
        self,
        municipality_id: UUID,
        patient: Patient,
        source: str,
        location: str,
        need: str,
        by: Actor,
        at: datetime,
    ) -> None:
        self.municipality_id = municipality_id
        self.patient = patient
        self.source = source
        self.location = location
        self.need = need
        self.opened_at = at
        self.phase: str = Phase.IN_HOSPITAL if source == Source.HOSPITAL else Phase.REFERRED
        self.admitted_at: datetime | None = None
        self.ready: ReadyNotice | None = None
        self.hospital_answer: HospitalAnswer | None = None
        self.wait: WaitNote | None = None
        self.decision: Decision | None = None
        self.reservation: BedRef | None = None
        self.stay: BedRef | None = None
        self.arrived_at: datetime | None = None
        self.discharge_plan: DischargePlan | None = None
        self.discharged_to: str | None = None
        self.discharged_at: datetime | None = None
        self.home_care_zone: UUID | None = None
        self.safety_flags: dict[str, datetime] = {}
        self.closing_reason: str | None = None
        self.hospital_notice = None
        self.erased = False
        self.tasks = {}
        self.last_command = None

    @classmethod
    def open(
        cls,
        municipality_id: UUID,
        national_id: str,
        name: str,
        source: Source,
        location: str,
        need: str,
        *,
        by: Actor,
        at: datetime,
        flow_id: UUID | None = None,
    ) -> PatientFlow:
        """Open a flow at referral; a hospital referral starts in hospital."""
        patient = Patient(validate_national_id(national_id), name)
        return cls._create(
            cls.FlowOpened,
            id=flow_id,
            municipality_id=municipality_id,
            patient=patient,
            source=source.value,
            location=location,
            need=need,
            by=by,
            at=at,
        )

    # -- hospital -----------------------------------------------------------------

    def notify_admission(
        self, hospital: str, admitted_at: datetime, *, by: Actor, at: datetime, change: bool = False
    ) -> None:
        """Admitted; a change (the hospital's) corrects the admission of a patient in hospital."""
        if not (change and self.phase == Phase.IN_HOSPITAL):
            self._check(Command.ADMIT)
        self._admission_notified(
            hospital=self._kept(hospital), admitted_at=admitted_at, by=by, at=at
        )

    @event("HospitalAdmissionNotified")
    def _admission_notified(
        self, hospital: str, admitted_at: datetime, by: Actor, at: datetime
    ) -> None:
        self.phase = Phase.IN_HOSPITAL
        self.location = hospital
        self.admitted_at = admitted_at

    def notify_ready_for_discharge(
        self, ready_at: datetime, estimate: bool, *, by: Actor, at: datetime, change: bool = False
    ) -> None:
        """Ready for discharge starts the municipality's payment clock; a change (the
        hospital's) moves the ready day of the same wait."""
        if not (change and self.phase == Phase.READY):
            self._check(Command.NOTIFY_READY)
        self._ready_notified(ready_at=ready_at, estimate=estimate, by=by, at=at)

    @event("ReadyForDischargeNotified")
    def _ready_notified(self, ready_at: datetime, estimate: bool, by: Actor, at: datetime) -> None:
        if self.phase != Phase.READY:  # a new wait; a change moves the day of this one
            self.hospital_answer = None
            self.wait = None
        self.phase = Phase.READY
        self.ready = ReadyNotice(ready_at, estimate)

    def withdraw_ready_for_discharge(self, reason: str, *, by: Actor, at: datetime) -> None:
        self._check(Command.WITHDRAW_READY)
        self._ready_withdrawn(reason=self._kept(reason), by=by, at=at)
        self._cancel_tasks(_WITHDRAWN, by=by, at=at, triggers={"ReadyForDischargeNotified"})

    @event("ReadyForDischargeWithdrawn")
    def _ready_withdrawn(self, reason: str, by: Actor, at: datetime) -> None:
        self.phase = Phase.IN_HOSPITAL
        self.ready = None

    def answer_hospital(
        self,
        can_receive: bool,
        note: str,
        *,
        offer_from: date | None = None,
        expected_on: date | None = None,
        by: Actor,
        at: datetime,
    ) -> None:
        """An offer ready (from a day), or not yet (an offer expected on a day, if known):
        forskrift § 11; the latest answer rules the payment clock (flow/payment_clock.py)."""
        self._check(Command.ANSWER_HOSPITAL)
        offer_from, expected_on = answer_days(can_receive, offer_from, expected_on, at)
        self._hospital_answered(
            can_receive=can_receive,
            note=self._kept(note),
            offer_from=offer_from,
            expected_on=expected_on,
            by=by,
            at=at,
        )

    class HospitalAnswered(ClosedLoops.Event):
        can_receive: bool
        note: str
        offer_from: date | None
        expected_on: date | None
        by: Actor
        at: datetime
        class_version = 2  # the offer's day and the expected day added

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1's "can receive" was an offer ready the day it was told."""
            state["offer_from"] = oslo_day(state["at"]) if state["can_receive"] else None
            state["expected_on"] = None

    @event(HospitalAnswered)
    def _hospital_answered(
        self,
        can_receive: bool,
        note: str,
        offer_from: date | None,
        expected_on: date | None,
        by: Actor,
        at: datetime,
    ) -> None:
        self.hospital_answer = HospitalAnswer(can_receive, at, note, offer_from, expected_on)

    def record_wait_reason(self, reason: WaitReason, note: str, *, by: Actor, at: datetime) -> None:
        self._check(Command.RECORD_WAIT_REASON)
        self._wait_reason_recorded(reason=reason.value, note=self._kept(note), by=by, at=at)

    @event("WaitReasonRecorded")
    def _wait_reason_recorded(self, reason: str, note: str, by: Actor, at: datetime) -> None:
        self.wait = WaitNote(reason, note)

    # -- decision and beds ------------------------------------------------------------

    def decide_service(self, decision: Decision, *, by: Actor, at: datetime) -> None:
        self._check(Command.DECIDE)
        self._service_decided(decision=decision, by=by, at=at)

    @event("ServiceDecided")
    def _service_decided(self, decision: Decision, by: Actor, at: datetime) -> None:
        self.decision = decision

    def reserve_bed(self, unit_id: UUID, bed: str, *, by: Actor, at: datetime) -> None:
        """Hold a bed for this patient; the unit confirms it at arrival."""
        self._check_reservation(unit_id)
        if self.phase in HOSPITAL_PHASES and self.discharge_plan is not None:
            reason = "Seng ble reservert: pasienten skrives ikke ut rett fra sykehuset."
            self._cancel_tasks(reason, by=by, at=at, triggers={"DischargePlanned"})
        self._bed_reserved(unit_id=unit_id, bed=bed, by=by, at=at)

    @event("BedReserved")
    def _bed_reserved(self, unit_id: UUID, bed: str, by: Actor, at: datetime) -> None:
        self.reservation = BedRef(unit_id, bed)
        if self.phase in HOSPITAL_PHASES:  # the way out of hospital is now the bed
            self.discharge_plan = None

    def cancel_reservation(self, reason: str, *, by: Actor, at: datetime) -> None:
        self._check(Command.CANCEL_RESERVATION)
        self._reservation_cancelled(reason=self._kept(reason), by=by, at=at)
        self._cancel_tasks("Reservasjonen ble opphevet.", by=by, at=at, triggers={"BedReserved"})

    @event("ReservationCancelled")
    def _reservation_cancelled(self, reason: str, by: Actor, at: datetime) -> None:
        self.reservation = None

    def arrive(self, *, by: Actor, at: datetime) -> None:
        """The patient is in the reserved bed; a hospital stay's payment clock stops."""
        self._check(Command.ARRIVE)
        self._arrived(by=by, at=at)

    @event("PatientArrived")
    def _arrived(self, by: Actor, at: datetime) -> None:
        with self._remembered("PatientArrived", by, at):
            self.stay, self.reservation = self.reservation, None
            self.phase = Phase.ON_STAY
            self.arrived_at = at
            self.ready = None
            self.discharge_plan = None

    def move(self, bed: str, *, by: Actor, at: datetime) -> None:
        self._check_move(bed)
        self._moved(bed=bed, by=by, at=at)

    @event("PatientMoved")
    def _moved(self, bed: str, by: Actor, at: datetime) -> None:
        assert self.stay is not None
        with self._remembered("PatientMoved", by, at):
            self.stay = BedRef(self.stay.unit_id, bed)

    # -- leaving the unit ---------------------------------------------------------------

    def plan_discharge(self, plan: DischargePlan, *, by: Actor, at: datetime) -> None:
        """From a stay, or straight from hospital when no bed is reserved."""
        self._check(Command.PLAN_DISCHARGE)
        if self.discharge_plan is not None:
            self._cancel_tasks(
                "Utskrivningen ble planlagt på nytt.", by=by, at=at, triggers={"DischargePlanned"}
            )
        self._discharge_planned(plan=plan, by=by, at=at)

    @event("DischargePlanned")
    def _discharge_planned(self, plan: DischargePlan, by: Actor, at: datetime) -> None:
        self.discharge_plan = plan

    def discharge(self, *, by: Actor, at: datetime) -> None:
        """Out of a unit, or out of hospital: a hospital stay's payment clock stops."""
        self._check(Command.DISCHARGE)
        self._discharged(by=by, at=at)

    @event("PatientDischarged")
    def _discharged(self, by: Actor, at: datetime) -> None:
        assert self.discharge_plan is not None
        with self._remembered("PatientDischarged", by, at):
            self.phase = Phase.DISCHARGED
            self.discharged_to = self.discharge_plan.destination
            self.discharged_at = at
            self.stay = self.ready = None
            if self.decision is not None and self.decision.service == ServiceKind.SHORT_TERM_STAY:
                self.decision = None

    def start_home_care(self, *, by: Actor, at: datetime) -> None:
        self._check(Command.START_HOME_CARE)
        self._home_care_started(by=by, at=at)

    @event("HomeCareStarted")
    def _home_care_started(self, by: Actor, at: datetime) -> None:
        assert self.discharge_plan is not None
        self.phase = Phase.HOME_CARE
        self.home_care_zone = self.discharge_plan.zone_id

    def readmit(self, hospital: str, *, by: Actor, at: datetime) -> None:
        """Back to hospital from a unit or from home; any bed held is given up."""
        self._check(Command.READMIT)
        self._readmitted(hospital=self._kept(hospital), by=by, at=at)
        self._cancel_tasks("Pasienten ble lagt inn på sykehus igjen.", by=by, at=at)

    @event("PatientReadmitted")
    def _readmitted(self, hospital: str, by: Actor, at: datetime) -> None:
        self.phase = Phase.IN_HOSPITAL
        self.location = hospital
        self.admitted_at = at
        self.stay = self.reservation = None
        self.ready = self.hospital_answer = self.wait = None
        self.discharge_plan = None

    # -- safety and closing ---------------------------------------------------------------

    def raise_safety_flag(self, flag: SafetyFlag, *, by: Actor, at: datetime) -> None:
        self._check_flag(Command.RAISE_FLAG, flag.value)
        self._safety_flag_raised(flag=flag.value, by=by, at=at)

    @event("SafetyFlagRaised")
    def _safety_flag_raised(self, flag: str, by: Actor, at: datetime) -> None:
        self.safety_flags[flag] = at

    def clear_safety_flag(self, flag: SafetyFlag, *, by: Actor, at: datetime) -> None:
        self._check_flag(Command.CLEAR_FLAG, flag.value)
        self._safety_flag_cleared(flag=flag.value, by=by, at=at)

    @event("SafetyFlagCleared")
    def _safety_flag_cleared(self, flag: str, by: Actor, at: datetime) -> None:
        del self.safety_flags[flag]

    def close(self, reason: ClosingReason, note: str, *, by: Actor, at: datetime) -> None:
        """End the journey; any bed held is given up."""
        self._check(Command.CLOSE)
        self._closed(reason=reason.value, note=self._kept(note), by=by, at=at)
        self._cancel_tasks(f"Forløpet ble avsluttet ({reason.value}).", by=by, at=at)

    @event("FlowClosed")
    def _closed(self, reason: str, note: str, by: Actor, at: datetime) -> None:
        self.phase = Phase.CLOSED
        self.closing_reason = reason
        self.stay = self.reservation = None

    def erase_identity(self, reason: str, *, by: Actor, at: datetime) -> None:
        """Identity and free text go for good (the application erases the flow's key);
        in any phase, closed flows included, once. `reason` says why, never who."""
        if self.erased:
            raise IllegalTransitionError("identity_already_erased")
        self._identity_erased(reason=reason, by=by, at=at)

    @event("IdentityErased")
    def _identity_erased(self, reason: str, by: Actor, at: datetime) -> None:
        self.erased = True
        self.patient = ERASED_PATIENT
        self.location = self.need = ERASED
        self.hospital_answer = erased_note(self.hospital_answer)
        self.wait = erased_note(self.wait)
        self._erase_task_notes()
