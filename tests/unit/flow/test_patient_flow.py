"""`PatientFlow`: given events, when a command, then new events or a refusal.

Every history is built through the aggregate's own commands; `given` collects the
events so far, so each test sees only what its own command recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.application import project_aggregate

from flow.actor import Actor
from flow.errors import FlowClosedError, FlowError, IllegalTransitionError
from flow.flow_values import BedRef, Decision, DischargePlan
from flow.municipality import municipality_id, unit_id
from flow.national_id import InvalidNationalIdError
from flow.patient_flow import PatientFlow
from flow.views import FlowView
from flow.vocabulary import (
    COMMAND_TEXT,
    ClosingReason,
    Command,
    Destination,
    Phase,
    SafetyFlag,
    ServiceKind,
    Source,
    WaitReason,
)

MUNICIPALITY = municipality_id("9998")
UNIT = unit_id(MUNICIPALITY, "KORT")
OTHER_UNIT = unit_id(MUNICIPALITY, "UTRED")
ZONE = unit_id(MUNICIPALITY, "NORD")
CASEWORKER = Actor("saksbehandler", "allocation", MUNICIPALITY)
NURSE = Actor("sykepleier", "nurse", MUNICIPALITY)
HOME_NURSE = Actor("hjemmesykepleier", "homecare", MUNICIPALITY)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=5, hours=3)
NATIONAL_ID = "15898912342"  # synthetic, month + 80

SHORT_TERM = Decision(ServiceKind.SHORT_TERM_STAY.value, UNIT, None, date(2026, 3, 3), None)
HOME_CARE = Decision(ServiceKind.HOME_CARE.value, None, ZONE, date(2026, 3, 3), None)
GOING_HOME = DischargePlan(date(2026, 3, 20), False, Destination.HOME.value, ZONE)
TO_LONG_TERM_CARE = DischargePlan(date(2026, 3, 20), True, Destination.LONG_TERM_CARE.value, None)


# -- given ------------------------------------------------------------------------------


Step = Callable[[PatientFlow, datetime], None]


def given(*steps: Step, source: Source = Source.HOSPITAL) -> PatientFlow:
    """A flow opened at T0 and taken through `steps`, one hour apart, with its events collected."""
    flow = PatientFlow.open(
        MUNICIPALITY,
        NATIONAL_ID,
        "Kari Nordmann",
        source,
        "Sykehuset",
        "rehab",
        by=CASEWORKER,
        at=T0,
    )
    for hour, step in enumerate(steps, start=1):
        step(flow, T0 + timedelta(hours=hour))
    flow.collect_events()
    return flow


def admitted(flow: PatientFlow, at: datetime) -> None:
    flow.notify_admission("St. Olavs hospital", at - timedelta(days=1), by=CASEWORKER, at=at)


def ready(flow: PatientFlow, at: datetime) -> None:
    flow.notify_ready_for_discharge(at, False, by=CASEWORKER, at=at)


def decided(flow: PatientFlow, at: datetime) -> None:
    flow.decide_service(SHORT_TERM, by=CASEWORKER, at=at)


def decided_home_care(flow: PatientFlow, at: datetime) -> None:
    flow.decide_service(HOME_CARE, by=CASEWORKER, at=at)


def reserved(flow: PatientFlow, at: datetime) -> None:
    flow.reserve_bed(UNIT, "1", by=CASEWORKER, at=at)


def arrived(flow: PatientFlow, at: datetime) -> None:
    flow.arrive(by=NURSE, at=at)


def planned_home(flow: PatientFlow, at: datetime) -> None:
    flow.plan_discharge(GOING_HOME, by=NURSE, at=at)


def planned_long_term(flow: PatientFlow, at: datetime) -> None:
    flow.plan_discharge(TO_LONG_TERM_CARE, by=NURSE, at=at)


def discharged(flow: PatientFlow, at: datetime) -> None:
    flow.discharge(by=NURSE, at=at)


def home_care_started(flow: PatientFlow, at: datetime) -> None:
    flow.start_home_care(by=HOME_NURSE, at=at)


def fall_risk(flow: PatientFlow, at: datetime) -> None:
    flow.raise_safety_flag(SafetyFlag.FALL, by=NURSE, at=at)


def closed(flow: PatientFlow, at: datetime) -> None:
    flow.close(ClosingReason.COMPLETED, "", by=CASEWORKER, at=at)


ON_STAY = (ready, decided, reserved, arrived)
DISCHARGED_HOME = (*ON_STAY, planned_home, discharged)


# -- then -------------------------------------------------------------------------------


def kind(event: object) -> str:
    return type(event).__name__


def then_events(flow: PatientFlow) -> list[Any]:
    return list(flow.collect_events())


def then_refused(
    flow: PatientFlow,
    command: Callable[[], object],
    error: type[FlowError] = IllegalTransitionError,
    *sentence: str,
) -> None:
    """The command raises `error`, its message holds every part of `sentence`, nothing changes."""
    before = FlowView.of(flow)
    with pytest.raises(error) as refused:
        command()
    assert type(refused.value) is error
    for part in sentence:
        assert part in refused.value.message
    assert flow.collect_events() == []
    assert FlowView.of(flow) == before


EVERY_COMMAND: dict[Command, Callable[[PatientFlow], object]] = {
    Command.ADMIT: lambda f: f.notify_admission("St. Olav", NOW, by=CASEWORKER, at=NOW),
    Command.NOTIFY_READY: lambda f: f.notify_ready_for_discharge(NOW, False, by=CASEWORKER, at=NOW),
    Command.WITHDRAW_READY: lambda f: f.withdraw_ready_for_discharge("x", by=CASEWORKER, at=NOW),
    Command.ANSWER_HOSPITAL: lambda f: f.answer_hospital(True, "", by=CASEWORKER, at=NOW),
    Command.RECORD_WAIT_REASON: lambda f: f.record_wait_reason(
        WaitReason.OTHER, "", by=CASEWORKER, at=NOW
    ),
    Command.DECIDE: lambda f: f.decide_service(SHORT_TERM, by=CASEWORKER, at=NOW),
    Command.RESERVE_BED: lambda f: f.reserve_bed(UNIT, "1", by=CASEWORKER, at=NOW),
    Command.CANCEL_RESERVATION: lambda f: f.cancel_reservation("x", by=CASEWORKER, at=NOW),
    Command.ARRIVE: lambda f: f.arrive(by=NURSE, at=NOW),
    Command.MOVE: lambda f: f.move("2", by=NURSE, at=NOW),
    Command.PLAN_DISCHARGE: lambda f: f.plan_discharge(GOING_HOME, by=NURSE, at=NOW),
    Command.DISCHARGE: lambda f: f.discharge(by=NURSE, at=NOW),
    Command.START_HOME_CARE: lambda f: f.start_home_care(by=HOME_NURSE, at=NOW),
    Command.READMIT: lambda f: f.readmit("St. Olav", by=NURSE, at=NOW),
    Command.RAISE_FLAG: lambda f: f.raise_safety_flag(SafetyFlag.FALL, by=NURSE, at=NOW),
    Command.CLEAR_FLAG: lambda f: f.clear_safety_flag(SafetyFlag.FALL, by=NURSE, at=NOW),
    Command.CLOSE: lambda f: f.close(ClosingReason.OTHER, "", by=CASEWORKER, at=NOW),
    Command.CORRECT: lambda f: f.correct(Command.ARRIVE, "Feil pasient", by=CASEWORKER, at=NOW),
}


def allowed(*texts: str) -> str:
    return f"Tillatt nå: {', '.join(texts)}."


class TestOpeningAFlow:
    def test_hospital_referral_opens_flow_in_hospital(self) -> None:
        flow = PatientFlow.open(
            MUNICIPALITY, NATIONAL_ID, "Kari", Source.HOSPITAL, "St. Olav", "rehab", by=NURSE, at=T0
        )

        [opened] = then_events(flow)
        assert kind(opened) == "FlowOpened"
        assert opened.municipality_id == MUNICIPALITY
        assert opened.patient.national_id == NATIONAL_ID
        assert opened.patient.name == "Kari"
        assert (opened.source, opened.location, opened.need) == ("hospital", "St. Olav", "rehab")
        assert type(opened.source) is str
        assert (opened.by, opened.at) == (NURSE, T0)
        assert flow.phase == Phase.IN_HOSPITAL
        assert flow.version == 1

    def test_referral_from_home_opens_flow_as_referred(self) -> None:
        flow = given(source=Source.HOME)

        assert flow.phase == Phase.REFERRED
        assert flow.opened_at == T0

    def test_flow_opened_with_a_given_id_keeps_that_id(self) -> None:
        flow_id = unit_id(MUNICIPALITY, "some-flow")

        flow = PatientFlow.open(
            MUNICIPALITY, NATIONAL_ID, "K", Source.OTHER, "-", "-", by=NURSE, at=T0, flow_id=flow_id
        )

        assert flow.id == flow_id

    def test_referral_with_invalid_national_id_is_refused(self) -> None:
        with pytest.raises(InvalidNationalIdError):
            PatientFlow.open(
                MUNICIPALITY, "15898912343", "K", Source.HOME, "-", "-", by=NURSE, at=T0
            )


class TestWhenPatientIsReferred:
    def test_admission_moves_referred_patient_to_hospital(self) -> None:
        flow = given(source=Source.HOME)

        flow.notify_admission("Haukeland", T0, by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "HospitalAdmissionNotified"
        assert (event.hospital, event.admitted_at) == ("Haukeland", T0)
        assert (flow.phase, flow.location, flow.admitted_at) == (Phase.IN_HOSPITAL, "Haukeland", T0)

    def test_referred_patient_refuses_ready_for_discharge_naming_state_and_allowed(self) -> None:
        flow = given(source=Source.HOME)

        then_refused(
            flow,
            lambda: flow.notify_ready_for_discharge(NOW, False, by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke melde utskrivningsklar",
            "pasienten er henvist, uten vedtak",
            allowed("melde innleggelse", "fatte vedtak", "sette risikoflagg", "avslutte forløpet"),
        )

    def test_referred_patient_with_short_term_decision_can_reserve_a_bed_from_home(self) -> None:
        flow = given(decided, source=Source.HOME)

        flow.reserve_bed(UNIT, "2", by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "BedReserved"
        assert flow.reservation == BedRef(UNIT, "2")
        assert flow.phase == Phase.REFERRED

    def test_referred_patient_refuses_arrival_without_reservation(self) -> None:
        flow = given(decided, source=Source.HOME)

        then_refused(
            flow,
            lambda: flow.arrive(by=NURSE, at=NOW),
            IllegalTransitionError,
            "Kan ikke registrere ankomst",
            "pasienten er henvist",
        )

    def test_referred_patient_refuses_discharge_before_arrival(self) -> None:
        flow = given(source=Source.HOME)

        then_refused(
            flow, lambda: flow.discharge(by=NURSE, at=NOW), IllegalTransitionError, "skrive ut"
        )

    def test_referred_patient_refuses_readmission(self) -> None:
        flow = given(source=Source.HOME)

        then_refused(
            flow,
            lambda: flow.readmit("St. Olav", by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke melde reinnleggelse",
        )


class TestWhenPatientIsInHospital:
    def test_admission_of_a_hospital_referral_is_recorded_once(self) -> None:
        flow = given()

        flow.notify_admission("St. Olav", T0, by=CASEWORKER, at=NOW)

        assert [type(e).__name__ for e in then_events(flow)] == ["HospitalAdmissionNotified"]
        then_refused(
            flow,
            lambda: flow.notify_admission("St. Olav", T0, by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke melde innleggelse",
            "pasienten er innlagt på sykehus",
        )

    def test_ready_for_discharge_starts_the_payment_clock(self) -> None:
        flow = given(admitted)

        flow.notify_ready_for_discharge(T0 + timedelta(days=1), True, by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "ReadyForDischargeNotified"
        assert (event.ready_at, event.estimate) == (T0 + timedelta(days=1), True)
        assert flow.phase == Phase.READY
        assert flow.ready is not None and flow.ready.estimate is True

    def test_decision_is_recorded_in_hospital(self) -> None:
        flow = given(admitted)

        flow.decide_service(SHORT_TERM, by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "ServiceDecided"
        assert event.decision == SHORT_TERM
        assert flow.decision == SHORT_TERM

    def test_in_hospital_patient_without_decision_refuses_bed_reservation(self) -> None:
        flow = given(admitted)

        then_refused(
            flow,
            lambda: flow.reserve_bed(UNIT, "1", by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke reservere seng",
            "pasienten er innlagt på sykehus, uten vedtak",
            allowed(
                "melde utskrivningsklar",
                "fatte vedtak",
                "planlegge utskrivning",
                "sette risikoflagg",
                "avslutte forløpet",
            ),
        )

    def test_home_care_decision_refuses_bed_reservation(self) -> None:
        flow = given(admitted, decided_home_care)

        then_refused(
            flow,
            lambda: flow.reserve_bed(UNIT, "1", by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke reservere seng",
        )

    def test_decision_for_another_unit_refuses_reservation_here(self) -> None:
        flow = given(admitted, decided)

        then_refused(
            flow,
            lambda: flow.reserve_bed(OTHER_UNIT, "1", by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Vedtaket gjelder en annen avdeling",
        )

    def test_short_term_decision_allows_bed_reservation(self) -> None:
        flow = given(admitted, decided)

        flow.reserve_bed(UNIT, "3", by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "BedReserved"
        assert (event.unit_id, event.bed) == (UNIT, "3")
        assert flow.held_bed == BedRef(UNIT, "3")

    @pytest.mark.parametrize(
        "command",
        [
            Command.WITHDRAW_READY,
            Command.ANSWER_HOSPITAL,
            Command.RECORD_WAIT_REASON,
            Command.CANCEL_RESERVATION,
            Command.ARRIVE,
            Command.MOVE,
            Command.DISCHARGE,
            Command.START_HOME_CARE,
            Command.READMIT,
            Command.CLEAR_FLAG,
        ],
    )
    def test_in_hospital_patient_refuses_commands_of_other_states(self, command: Command) -> None:
        flow = given(admitted)

        then_refused(
            flow,
            lambda: EVERY_COMMAND[command](flow),
            IllegalTransitionError,
            f"Kan ikke {COMMAND_TEXT[command]}: pasienten er innlagt på sykehus, uten vedtak.",
            allowed(
                "melde utskrivningsklar",
                "fatte vedtak",
                "planlegge utskrivning",
                "sette risikoflagg",
                "avslutte forløpet",
            ),
        )


class TestWhenPatientIsReadyForDischarge:
    def test_withdrawal_returns_patient_to_hospital_and_stops_the_clock(self) -> None:
        flow = given(ready)

        flow.withdraw_ready_for_discharge("feber", by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "ReadyForDischargeWithdrawn"
        assert event.reason == "feber"
        assert (flow.phase, flow.ready) == (Phase.IN_HOSPITAL, None)

    def test_answer_to_the_hospital_is_recorded_with_its_time(self) -> None:
        flow = given(ready)

        flow.answer_hospital(False, "Ingen ledig seng før mandag", by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "HospitalAnswered"
        assert (event.can_receive, event.note) == (False, "Ingen ledig seng før mandag")
        assert flow.hospital_answer is not None
        assert flow.hospital_answer.answered_at == NOW
        assert flow.hospital_answer.can_receive is False

    def test_wait_reason_is_stored_as_its_plain_value(self) -> None:
        flow = given(ready)

        flow.record_wait_reason(WaitReason.ASSISTIVE_DEVICES, "seng", by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "WaitReasonRecorded"
        assert event.reason == "assistive_devices" and type(event.reason) is str
        assert flow.wait is not None and flow.wait.reason == "assistive_devices"

    def test_new_ready_notice_after_withdrawal_forgets_the_old_answer_and_wait(self) -> None:
        flow = given(ready)
        flow.answer_hospital(True, "", by=CASEWORKER, at=NOW)
        flow.record_wait_reason(WaitReason.NO_BED, "", by=CASEWORKER, at=NOW)
        flow.withdraw_ready_for_discharge("feber", by=CASEWORKER, at=NOW)

        flow.notify_ready_for_discharge(NOW, False, by=CASEWORKER, at=NOW)

        assert (flow.hospital_answer, flow.wait) == (None, None)

    def test_ready_patient_refuses_discharge_naming_state(self) -> None:
        flow = given(ready)

        then_refused(
            flow,
            lambda: flow.discharge(by=NURSE, at=NOW),
            IllegalTransitionError,
            "Kan ikke skrive ut: pasienten er utskrivningsklar på sykehus, uten vedtak. "
            "Planlegg utskrivningen først: dato og hvor pasienten skal.",
            allowed(
                "trekke tilbake utskrivningsklar",
                "svare sykehuset",
                "registrere ventegrunn",
                "fatte vedtak",
                "planlegge utskrivning",
                "sette risikoflagg",
                "avslutte forløpet",
            ),
        )


class TestWhenBedIsReserved:
    def test_arrival_places_patient_in_the_reserved_bed_and_stops_the_clock(self) -> None:
        flow = given(ready, decided, reserved)

        flow.arrive(by=NURSE, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "PatientArrived"
        assert flow.phase == Phase.ON_STAY
        assert (flow.stay, flow.reservation) == (BedRef(UNIT, "1"), None)
        assert (flow.arrived_at, flow.ready) == (NOW, None)

    def test_cancelling_the_reservation_gives_up_the_bed(self) -> None:
        flow = given(ready, decided, reserved)

        flow.cancel_reservation("pasienten døde", by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "ReservationCancelled"
        assert event.reason == "pasienten døde"
        assert (flow.reservation, flow.held_bed) == (None, None)
        assert flow.phase == Phase.READY

    def test_reserved_patient_refuses_a_second_reservation(self) -> None:
        flow = given(ready, decided, reserved)

        then_refused(
            flow,
            lambda: flow.reserve_bed(UNIT, "2", by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke reservere seng",
            "pasienten er utskrivningsklar på sykehus, med reservert seng 1",
            "oppheve reservasjon",
            "registrere ankomst",
        )

    def test_reserved_patient_refuses_move_before_arrival(self) -> None:
        flow = given(ready, decided, reserved)

        then_refused(
            flow,
            lambda: flow.move("2", by=NURSE, at=NOW),
            IllegalTransitionError,
            "Kan ikke flytte til annen seng",
        )

    def test_reserved_patient_refuses_discharge_before_arrival(self) -> None:
        flow = given(ready, decided, reserved)

        then_refused(flow, lambda: flow.discharge(by=NURSE, at=NOW), IllegalTransitionError)


class TestWhenPatientIsOnShortTermStay:
    def test_move_changes_the_bed_within_the_unit(self) -> None:
        flow = given(*ON_STAY)

        flow.move("3", by=NURSE, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "PatientMoved"
        assert event.bed == "3"
        assert flow.stay == BedRef(UNIT, "3")

    def test_move_to_the_same_bed_is_refused(self) -> None:
        flow = given(*ON_STAY)

        then_refused(
            flow,
            lambda: flow.move("1", by=NURSE, at=NOW),
            IllegalTransitionError,
            "allerede i seng 1",
        )

    def test_discharge_without_a_plan_is_refused_naming_what_is_missing(self) -> None:
        flow = given(*ON_STAY)

        then_refused(
            flow,
            lambda: flow.discharge(by=NURSE, at=NOW),
            IllegalTransitionError,
            "Kan ikke skrive ut: pasienten er på korttidsopphold, uten planlagt utskrivning.",
            allowed(
                "fatte vedtak",
                "flytte til annen seng",
                "planlegge utskrivning",
                "melde reinnleggelse",
                "sette risikoflagg",
                "avslutte forløpet",
            ),
        )

    def test_discharge_plan_is_recorded(self) -> None:
        flow = given(*ON_STAY)

        flow.plan_discharge(GOING_HOME, by=NURSE, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "DischargePlanned"
        assert event.plan == GOING_HOME
        assert flow.discharge_plan == GOING_HOME

    def test_patient_on_stay_refuses_bed_reservation(self) -> None:
        flow = given(*ON_STAY)

        then_refused(
            flow,
            lambda: flow.reserve_bed(UNIT, "2", by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke reservere seng: pasienten er på korttidsopphold",
        )

    def test_patient_on_stay_refuses_a_second_arrival(self) -> None:
        flow = given(*ON_STAY)

        then_refused(flow, lambda: flow.arrive(by=NURSE, at=NOW), IllegalTransitionError, "ankomst")

    def test_patient_on_stay_refuses_home_care_start(self) -> None:
        flow = given(*ON_STAY)

        then_refused(
            flow,
            lambda: flow.start_home_care(by=HOME_NURSE, at=NOW),
            IllegalTransitionError,
            "Kan ikke starte hjemmetjenester: pasienten er på korttidsopphold",
        )

    def test_readmission_gives_up_the_bed_and_returns_patient_to_hospital(self) -> None:
        flow = given(*ON_STAY, planned_home)

        flow.readmit("St. Olav", by=NURSE, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "PatientReadmitted"
        assert event.hospital == "St. Olav"
        assert (flow.phase, flow.location, flow.admitted_at) == (Phase.IN_HOSPITAL, "St. Olav", NOW)
        assert (flow.stay, flow.reservation, flow.discharge_plan) == (None, None, None)


class TestWhenPatientGoesStraightHomeFromHospital:
    @pytest.mark.parametrize("stage", [(admitted,), (ready,)], ids=["in_hospital", "ready"])
    def test_the_office_plans_the_discharge_while_the_patient_is_in_hospital(
        self, stage: tuple[Step, ...]
    ) -> None:
        flow = given(*stage, decided_home_care)

        flow.plan_discharge(GOING_HOME, by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "DischargePlanned"
        assert event.plan == GOING_HOME and flow.discharge_plan == GOING_HOME
        assert flow.phase in (Phase.IN_HOSPITAL, Phase.READY)

    @pytest.mark.parametrize("stage", [(admitted,), (ready,)], ids=["in_hospital", "ready"])
    def test_the_discharge_as_planned_leaves_hospital_and_stops_the_clock(
        self, stage: tuple[Step, ...]
    ) -> None:
        flow = given(*stage, decided_home_care, planned_home)

        flow.discharge(by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "PatientDischarged"
        assert (flow.phase, flow.discharged_to, flow.discharged_at) == (
            Phase.DISCHARGED,
            Destination.HOME,
            NOW,
        )
        assert (flow.ready, flow.held_bed) == (None, None)
        assert flow.decision == HOME_CARE  # a home-care decision outlives the discharge

    def test_home_care_starts_in_the_planned_zone_as_after_a_stay(self) -> None:
        flow = given(ready, decided_home_care, planned_home, discharged)

        flow.start_home_care(by=HOME_NURSE, at=NOW)

        assert (flow.phase, flow.home_care_zone) == (Phase.HOME_CARE, ZONE)

    def test_a_discharge_to_long_term_care_from_hospital_starts_no_home_care(self) -> None:
        flow = given(ready, planned_long_term, discharged)

        assert flow.discharged_to == Destination.LONG_TERM_CARE
        then_refused(
            flow,
            lambda: flow.start_home_care(by=HOME_NURSE, at=NOW),
            IllegalTransitionError,
            "Kan ikke starte hjemmetjenester: pasienten er utskrevet",
        )

    def test_a_new_plan_replaces_the_old_in_hospital(self) -> None:
        flow = given(ready, planned_home)

        flow.plan_discharge(TO_LONG_TERM_CARE, by=CASEWORKER, at=NOW)

        assert flow.discharge_plan == TO_LONG_TERM_CARE

    def test_discharge_without_a_plan_is_refused_saying_to_plan_first(self) -> None:
        flow = given(ready, decided_home_care)

        then_refused(
            flow,
            lambda: flow.discharge(by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke skrive ut: pasienten er utskrivningsklar på sykehus. "
            "Planlegg utskrivningen først: dato og hvor pasienten skal.",
            "planlegge utskrivning",
        )

    @pytest.mark.parametrize("command", [Command.PLAN_DISCHARGE, Command.DISCHARGE])
    def test_with_a_reserved_bed_leaving_hospital_is_refused_saying_to_cancel_it(
        self, command: Command
    ) -> None:
        flow = given(ready, decided, reserved)

        then_refused(
            flow,
            lambda: EVERY_COMMAND[command](flow),
            IllegalTransitionError,
            f"Kan ikke {COMMAND_TEXT[command]}: pasienten er utskrivningsklar på sykehus, "
            "med reservert seng 1. Pasienten skal til den reserverte sengen: opphev "
            "reservasjonen først hvis pasienten skal skrives ut rett fra sykehuset.",
            "oppheve reservasjon",
            "registrere ankomst",
        )
        assert "planlegge utskrivning" not in flow.allowed_commands()

    def test_after_the_reservation_is_cancelled_the_discharge_may_be_planned(self) -> None:
        flow = given(ready, decided, reserved)
        flow.cancel_reservation("skal rett hjem", by=CASEWORKER, at=NOW)

        flow.plan_discharge(GOING_HOME, by=CASEWORKER, at=NOW)

        assert flow.discharge_plan == GOING_HOME

    def test_a_bed_reserved_after_a_plan_replaces_the_plan(self) -> None:
        flow = given(ready, decided, planned_home)

        flow.reserve_bed(UNIT, "1", by=CASEWORKER, at=NOW)

        assert [kind(e) for e in then_events(flow)] == ["BedReserved"]
        assert (flow.reservation, flow.discharge_plan) == (BedRef(UNIT, "1"), None)
        then_refused(flow, lambda: flow.discharge(by=CASEWORKER, at=NOW), IllegalTransitionError)

    def test_a_referred_patient_at_home_cannot_plan_a_discharge(self) -> None:
        flow = given(source=Source.HOME)

        then_refused(
            flow,
            lambda: flow.plan_discharge(GOING_HOME, by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke planlegge utskrivning: pasienten er henvist",
        )


class TestWhenDischargeIsPlanned:
    def test_discharge_frees_the_bed_and_ends_the_short_term_decision(self) -> None:
        flow = given(*ON_STAY, planned_home)

        flow.discharge(by=NURSE, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "PatientDischarged"
        assert flow.phase == Phase.DISCHARGED
        assert (flow.discharged_to, flow.discharged_at) == ("home", NOW)
        assert (flow.stay, flow.decision) == (None, None)

    def test_new_plan_replaces_the_old(self) -> None:
        flow = given(*ON_STAY, planned_home)

        flow.plan_discharge(TO_LONG_TERM_CARE, by=NURSE, at=NOW)

        assert [type(e).__name__ for e in then_events(flow)] == ["DischargePlanned"]
        assert flow.discharge_plan == TO_LONG_TERM_CARE


class TestWhenPatientIsDischargedHome:
    def test_home_care_starts_in_the_planned_zone(self) -> None:
        flow = given(*DISCHARGED_HOME)

        flow.start_home_care(by=HOME_NURSE, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "HomeCareStarted"
        assert (flow.phase, flow.home_care_zone) == (Phase.HOME_CARE, ZONE)

    def test_discharged_flow_refuses_bed_reservation(self) -> None:
        flow = given(*DISCHARGED_HOME)

        then_refused(
            flow,
            lambda: flow.reserve_bed(UNIT, "1", by=CASEWORKER, at=NOW),
            IllegalTransitionError,
            "Kan ikke reservere seng: pasienten er utskrevet, uten vedtak.",
            allowed(
                "fatte vedtak",
                "starte hjemmetjenester",
                "melde reinnleggelse",
                "sette risikoflagg",
                "avslutte forløpet",
            ),
        )

    def test_discharged_flow_refuses_a_second_discharge(self) -> None:
        flow = given(*DISCHARGED_HOME)

        then_refused(flow, lambda: flow.discharge(by=NURSE, at=NOW), IllegalTransitionError)

    def test_discharged_flow_refuses_move(self) -> None:
        flow = given(*DISCHARGED_HOME)

        then_refused(flow, lambda: flow.move("2", by=NURSE, at=NOW), IllegalTransitionError)

    def test_discharged_patient_with_new_decision_can_reserve_again(self) -> None:
        flow = given(*DISCHARGED_HOME, decided)

        flow.reserve_bed(UNIT, "2", by=CASEWORKER, at=NOW)

        assert flow.reservation == BedRef(UNIT, "2")

    def test_discharged_patient_can_be_readmitted(self) -> None:
        flow = given(*DISCHARGED_HOME)

        flow.readmit("St. Olav", by=HOME_NURSE, at=NOW)

        assert flow.phase == Phase.IN_HOSPITAL


class TestWhenPatientIsDischargedToLongTermCare:
    def test_patient_not_discharged_home_refuses_home_care_start(self) -> None:
        flow = given(*ON_STAY, planned_long_term, discharged)

        then_refused(
            flow,
            lambda: flow.start_home_care(by=HOME_NURSE, at=NOW),
            IllegalTransitionError,
            "Kan ikke starte hjemmetjenester: pasienten er utskrevet,",
        )
        assert flow.discharged_to == "long_term_care"


class TestWhenPatientHasHomeCare:
    def test_home_care_cannot_start_twice(self) -> None:
        flow = given(*DISCHARGED_HOME, home_care_started)

        then_refused(
            flow,
            lambda: flow.start_home_care(by=HOME_NURSE, at=NOW),
            IllegalTransitionError,
            "pasienten er hjemme med hjemmetjenester",
        )

    def test_readmission_from_home_returns_patient_to_hospital(self) -> None:
        flow = given(*DISCHARGED_HOME, home_care_started)

        flow.readmit("St. Olav", by=HOME_NURSE, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "PatientReadmitted"
        assert (flow.phase, flow.admitted_at) == (Phase.IN_HOSPITAL, NOW)


class TestSafetyFlags:
    def test_raised_flag_is_recorded_with_its_time(self) -> None:
        flow = given(*ON_STAY)

        flow.raise_safety_flag(SafetyFlag.DELIRIUM, by=NURSE, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "SafetyFlagRaised"
        assert event.flag == "delirium" and type(event.flag) is str
        assert flow.safety_flags == {"delirium": NOW}

    def test_flag_already_raised_is_refused(self) -> None:
        flow = given(fall_risk)

        then_refused(
            flow,
            lambda: flow.raise_safety_flag(SafetyFlag.FALL, by=NURSE, at=NOW),
            IllegalTransitionError,
            "«fall» er allerede satt",
        )

    def test_cleared_flag_is_removed(self) -> None:
        flow = given(fall_risk)

        flow.clear_safety_flag(SafetyFlag.FALL, by=NURSE, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "SafetyFlagCleared"
        assert flow.safety_flags == {}

    def test_flow_without_flags_refuses_clearing(self) -> None:
        flow = given()

        then_refused(
            flow,
            lambda: flow.clear_safety_flag(SafetyFlag.FALL, by=NURSE, at=NOW),
            IllegalTransitionError,
            "Kan ikke fjerne risikoflagg",
        )

    def test_clearing_a_flag_that_is_not_raised_is_refused(self) -> None:
        flow = given(fall_risk)

        then_refused(
            flow,
            lambda: flow.clear_safety_flag(SafetyFlag.INFECTION_ISOLATION, by=NURSE, at=NOW),
            IllegalTransitionError,
            "«infection_isolation» er ikke satt",
        )


CLOSED_FROM: dict[str, tuple[Step, ...]] = {
    "referral": (),
    "ready": (ready, fall_risk),
    "reservation": (ready, decided, reserved),
    "short-term stay": (*ON_STAY, fall_risk, planned_home),
    "home care": (*DISCHARGED_HOME, home_care_started),
}


class TestWhenFlowIsClosed:
    def test_closing_records_the_reason_as_plain_value(self) -> None:
        flow = given(ready)

        flow.close(ClosingReason.DIED, "rolig", by=CASEWORKER, at=NOW)

        [event] = then_events(flow)
        assert kind(event) == "FlowClosed"
        assert (event.reason, event.note) == ("died", "rolig")
        assert type(event.reason) is str
        assert (flow.phase, flow.closing_reason) == (Phase.CLOSED, "died")
        assert flow.allowed_commands() == []

    def test_closing_gives_up_a_reserved_bed(self) -> None:
        flow = given(ready, decided, reserved)

        flow.close(ClosingReason.REFERRAL_WITHDRAWN, "", by=CASEWORKER, at=NOW)

        assert (flow.reservation, flow.held_bed) == (None, None)

    def test_closing_gives_up_an_occupied_bed(self) -> None:
        flow = given(*ON_STAY)

        flow.close(ClosingReason.DIED, "", by=CASEWORKER, at=NOW)

        assert (flow.stay, flow.held_bed) == (None, None)

    @pytest.mark.parametrize("history", sorted(CLOSED_FROM))
    @pytest.mark.parametrize("command", list(Command))
    def test_closed_flow_accepts_nothing(self, command: Command, history: str) -> None:
        flow = given(*CLOSED_FROM[history], closed)

        then_refused(
            flow,
            lambda: EVERY_COMMAND[command](flow),
            FlowClosedError,
            "Forløpet er avsluttet og kan ikke endres.",
        )

    def test_every_command_is_covered_by_the_closed_flow_test(self) -> None:
        assert set(EVERY_COMMAND) == set(Command)


class TestEveryEvent:
    def test_every_event_carries_user_role_municipality_and_time(self) -> None:
        """A whole journey, each step by someone else at another time."""
        actors = [CASEWORKER, NURSE, HOME_NURSE]
        journey: list[Callable[[PatientFlow, Actor, datetime], object]] = [
            lambda f, by, at: f.notify_admission("St. Olav", at, by=by, at=at),
            lambda f, by, at: f.notify_ready_for_discharge(at, True, by=by, at=at),
            lambda f, by, at: f.answer_hospital(False, "", by=by, at=at),
            lambda f, by, at: f.record_wait_reason(WaitReason.NO_BED, "", by=by, at=at),
            lambda f, by, at: f.withdraw_ready_for_discharge("feber", by=by, at=at),
            lambda f, by, at: f.notify_ready_for_discharge(at, False, by=by, at=at),
            lambda f, by, at: f.decide_service(SHORT_TERM, by=by, at=at),
            lambda f, by, at: f.reserve_bed(UNIT, "1", by=by, at=at),
            lambda f, by, at: f.cancel_reservation("annen seng", by=by, at=at),
            lambda f, by, at: f.reserve_bed(UNIT, "2", by=by, at=at),
            lambda f, by, at: f.arrive(by=by, at=at),
            lambda f, by, at: f.raise_safety_flag(SafetyFlag.FALL, by=by, at=at),
            lambda f, by, at: f.move("3", by=by, at=at),
            lambda f, by, at: f.clear_safety_flag(SafetyFlag.FALL, by=by, at=at),
            lambda f, by, at: f.plan_discharge(GOING_HOME, by=by, at=at),
            lambda f, by, at: f.discharge(by=by, at=at),
            lambda f, by, at: f.start_home_care(by=by, at=at),
            lambda f, by, at: f.readmit("St. Olav", by=by, at=at),
            lambda f, by, at: f.close(ClosingReason.COMPLETED, "", by=by, at=at),
        ]
        flow = PatientFlow.open(
            MUNICIPALITY, NATIONAL_ID, "K", Source.HOME, "-", "-", by=CASEWORKER, at=T0
        )
        expected = [(CASEWORKER, T0)]
        for step, command in enumerate(journey, start=1):
            by, at = actors[step % 3], T0 + timedelta(hours=7 * step)
            command(flow, by, at)
            expected.append((by, at))

        events = then_events(flow)

        assert len(events) == len(journey) + 1
        assert [(e.by, e.at) for e in events] == expected
        for event in events:
            assert isinstance(event.by, Actor)
            assert event.by.municipality_id == MUNICIPALITY
            assert event.by.user_id and event.by.role
            assert event.at.tzinfo is not None
        assert [e.originator_version for e in events] == list(range(1, len(journey) + 2))

    def test_replaying_the_recorded_events_gives_the_same_flow(self) -> None:
        flow = PatientFlow.open(
            MUNICIPALITY, NATIONAL_ID, "K", Source.HOSPITAL, "-", "-", by=CASEWORKER, at=T0
        )
        for hour, step in enumerate((*DISCHARGED_HOME, home_care_started, fall_risk), start=1):
            step(flow, T0 + timedelta(hours=hour))

        replayed = project_aggregate(None, flow.collect_events())

        assert isinstance(replayed, PatientFlow)
        assert FlowView.of(replayed) == FlowView.of(flow)
