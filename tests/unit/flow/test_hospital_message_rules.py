"""What each hospital message does to a flow: the table in `flow/hospital_messages.py`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from support.world import MemoryKeys

from flow.actor import Actor
from flow.application import Pasientflyt
from flow.errors import DuplicateError, IllegalTransitionError
from flow.flow_values import Decision, DischargePlan
from flow.hospital_messages import (
    Dispatch,
    Envelope,
    HospitalMessage,
    MessageKind,
    Received,
    receive,
)
from flow.municipality import municipality_id
from flow.national_id import with_check_digits
from flow.vocabulary import Destination, Phase, ServiceKind, Source, UnitKind

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOME = municipality_id("9998")
HOSPITAL = Actor("sykehus", "integration", HOME)
OFFICE = Actor("saksbehandler", "allocation", HOME)
KARI = with_check_digits("018545100") or ""
ADMITTED = HospitalMessage(
    Envelope("m-1"), MessageKind.ADMITTED, Dispatch.NEW, KARI, "Kari Nordmann", T0, False
)


@pytest.fixture
def app() -> Pasientflyt:
    app = Pasientflyt(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, keys=MemoryKeys())
    app.register_municipality("9998", "Testkommune", by=OFFICE, at=T0)
    app.register_unit("KORT", "Korttid", UnitKind.REHAB, ["1", "2"], by=OFFICE, at=T0)
    return app


def message(
    kind: MessageKind, dispatch: Dispatch = Dispatch.NEW, **changes: object
) -> HospitalMessage:
    fields = {
        "envelope": Envelope(f"{kind}-{dispatch}"),
        "kind": kind,
        "dispatch": dispatch,
        **changes,
    }
    return replace(ADMITTED, **fields)  # type: ignore[arg-type]


def give(app: Pasientflyt, sent: HospitalMessage, flow_id: UUID | None) -> Received:
    return receive(app, sent, flow_id, by=HOSPITAL, at=T0 + timedelta(hours=1))


def events(app: Pasientflyt, flow_id: UUID) -> list[str]:
    return [e.event for e in app.history(flow_id, OFFICE) if not e.event.startswith("Task")]


class TestWhenThePatientHasNoOpenFlow:
    @pytest.mark.parametrize("kind", [MessageKind.ADMITTED, MessageKind.READY])
    def test_an_admission_or_a_ready_notice_opens_a_hospital_flow(
        self, app: Pasientflyt, kind: MessageKind
    ) -> None:
        received = give(app, message(kind, estimate=True), None)

        flow = app.flow(received.flow_id, OFFICE)
        assert received.opened and flow.source == Source.HOSPITAL
        assert (flow.national_id, flow.name, flow.location) == (KARI, "Kari Nordmann", "Sykehuset")
        assert flow.phase == (Phase.READY if kind == MessageKind.READY else Phase.IN_HOSPITAL)

    @pytest.mark.parametrize("kind", [MessageKind.READY_WITHDRAWN, MessageKind.DISCHARGED])
    def test_a_withdrawal_or_a_discharge_is_refused(
        self, app: Pasientflyt, kind: MessageKind
    ) -> None:
        with pytest.raises(IllegalTransitionError, match="ikke noe åpent forløp"):
            give(app, message(kind), None)

    def test_the_same_message_cannot_open_two_flows(self, app: Pasientflyt) -> None:
        first = give(app, ADMITTED, None)
        with pytest.raises(DuplicateError):
            give(app, ADMITTED, None)
        assert first.opened


class TestWhenThePatientIsInHospital:
    @pytest.fixture
    def flow_id(self, app: Pasientflyt) -> UUID:
        return give(app, ADMITTED, None).flow_id

    def test_ready_starts_the_clock_with_the_hospitals_time_and_estimate(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        ready_at = T0 + timedelta(days=1)
        give(app, message(MessageKind.READY, at=ready_at, estimate=True), flow_id)
        ready = app.flow(flow_id, OFFICE).ready
        assert ready is not None and (ready.ready_at, ready.estimate) == (ready_at, True)

    def test_a_change_of_ready_replaces_the_notice(self, app: Pasientflyt, flow_id: UUID) -> None:
        give(app, message(MessageKind.READY), flow_id)
        later = T0 + timedelta(days=2)
        give(app, message(MessageKind.READY, Dispatch.CHANGE, at=later), flow_id)
        ready = app.flow(flow_id, OFFICE).ready
        assert ready is not None and ready.ready_at == later
        assert events(app, flow_id)[-2:] == [
            "ReadyForDischargeWithdrawn",
            "ReadyForDischargeNotified",
        ]

    @pytest.mark.parametrize(
        "withdrawal",
        [message(MessageKind.READY, Dispatch.CANCEL), message(MessageKind.READY_WITHDRAWN)],
    )
    def test_a_cancelled_ready_notice_or_a_withdrawal_stops_the_clock(
        self, app: Pasientflyt, flow_id: UUID, withdrawal: HospitalMessage
    ) -> None:
        give(app, message(MessageKind.READY), flow_id)
        give(app, withdrawal, flow_id)
        assert app.flow(flow_id, OFFICE).ready is None
        assert app.flow(flow_id, OFFICE).phase == Phase.IN_HOSPITAL

    @pytest.mark.parametrize(
        "kind", [MessageKind.ADMITTED, MessageKind.READY_WITHDRAWN, MessageKind.DISCHARGED]
    )
    def test_cancelling_anything_but_a_ready_notice_is_for_a_person(
        self, app: Pasientflyt, flow_id: UUID, kind: MessageKind
    ) -> None:
        with pytest.raises(IllegalTransitionError, match="kan ikke gjøres om automatisk"):
            give(app, message(kind, Dispatch.CANCEL), flow_id)

    def test_a_discharge_with_neither_bed_nor_plan_is_for_a_person_told_what_to_do(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        with pytest.raises(IllegalTransitionError) as refused:
            give(app, message(MessageKind.DISCHARGED), flow_id)
        assert "verken reservert seng eller planlagt utskrivning" in str(refused.value)
        assert "Reserver en seng" in str(refused.value)
        assert "planlegg utskrivningen" in str(refused.value)
        assert events(app, flow_id)[-1] == "HospitalAdmissionNotified"

    @pytest.mark.parametrize("ready", [False, True])
    def test_a_discharge_with_a_plan_and_no_bed_is_the_discharge_as_planned(
        self, app: Pasientflyt, flow_id: UUID, ready: bool
    ) -> None:
        if ready:
            give(app, message(MessageKind.READY), flow_id)
        zone = app.register_unit("SONE", "Sone nord", UnitKind.HOME_CARE_ZONE, [], by=OFFICE, at=T0)
        plan = DischargePlan(date(2026, 3, 3), False, Destination.HOME.value, zone)
        app.plan_discharge(flow_id, plan, by=OFFICE, at=T0)

        give(app, message(MessageKind.DISCHARGED, at=T0 + timedelta(minutes=30)), flow_id)

        flow = app.flow(flow_id, OFFICE)
        assert flow.phase == Phase.DISCHARGED and flow.discharged_to == Destination.HOME
        assert flow.discharged_at == T0 + timedelta(minutes=30) and flow.ready is None
        assert events(app, flow_id)[-2:] == ["DischargePlanned", "PatientDischarged"]

    def test_a_discharge_to_a_reserved_bed_is_the_arrival(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        unit = app.units(OFFICE)[0].id
        decision = Decision(ServiceKind.SHORT_TERM_STAY.value, unit, None, date(2026, 3, 2), None)
        app.decide_service(flow_id, decision, by=OFFICE, at=T0)
        app.reserve_bed(flow_id, unit, "2", by=OFFICE, at=T0)

        give(app, message(MessageKind.DISCHARGED, at=T0 + timedelta(minutes=30)), flow_id)

        flow = app.flow(flow_id, OFFICE)
        assert flow.phase == Phase.ON_STAY and flow.arrived_at == T0 + timedelta(minutes=30)
        assert flow.stay is not None and flow.stay.bed == "2"


def test_a_discharge_of_a_patient_not_in_hospital_is_refused(app: Pasientflyt) -> None:
    flow_id = app.open_flow(KARI, "Kari Nordmann", Source.HOME, "Hjemme", "", by=OFFICE, at=T0)
    with pytest.raises(IllegalTransitionError, match="ikke på sykehus, men henvist"):
        give(app, message(MessageKind.DISCHARGED), flow_id)


def test_a_flow_a_ready_notice_opened_takes_the_discharge_though_no_admission_was_told(
    app: Pasientflyt,
) -> None:
    """A patient already in hospital when the municipality began taking messages: the
    first message is the ready notice, and the discharge follows it as for any other."""
    flow_id = give(app, message(MessageKind.READY), None).flow_id
    zone = app.register_unit("SONE", "Sone nord", UnitKind.HOME_CARE_ZONE, [], by=OFFICE, at=T0)
    plan = DischargePlan(date(2026, 3, 3), False, Destination.HOME.value, zone)
    app.plan_discharge(flow_id, plan, by=OFFICE, at=T0)

    give(app, message(MessageKind.DISCHARGED, at=T0 + timedelta(minutes=30)), flow_id)

    flow = app.flow(flow_id, OFFICE)
    assert (flow.admitted_at, flow.phase, flow.discharged_to) == (
        None,
        Phase.DISCHARGED,
        Destination.HOME,
    )


def test_an_admission_of_a_patient_on_a_stay_is_a_readmission(app: Pasientflyt) -> None:
    flow_id = give(app, ADMITTED, None).flow_id
    unit = app.units(OFFICE)[0].id
    decision = Decision(ServiceKind.SHORT_TERM_STAY.value, unit, None, date(2026, 3, 2), None)
    app.decide_service(flow_id, decision, by=OFFICE, at=T0)
    app.reserve_bed(flow_id, unit, "1", by=OFFICE, at=T0)
    app.arrive(flow_id, by=OFFICE, at=T0)

    give(app, message(MessageKind.ADMITTED, envelope=Envelope("again")), flow_id)

    assert events(app, flow_id)[-1] == "PatientReadmitted"
    assert app.unit(unit, OFFICE).beds[0].status == "free"
