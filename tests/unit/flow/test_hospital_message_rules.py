"""What each hospital message does to a flow: the table in `flow/hospital_messages.py`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from support.world import MemoryKeys

from fixtures import CHECKLISTS_FILE
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.errors import DuplicateError, IllegalTransitionError
from flow.flow_values import Decision, DischargePlan
from flow.hospital_messages import (
    ContactPerson,
    Details,
    Dispatch,
    Envelope,
    HospitalMessage,
    MessageKind,
    Organisation,
    Received,
    receive,
)
from flow.municipality import municipality_id
from flow.national_id import with_check_digits
from flow.vocabulary import ClosingReason, Destination, Phase, ServiceKind, Source, UnitKind

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
    """What happened to the flow, without its tasks and the notes of what messages said."""
    return [
        e.event
        for e in app.history(flow_id, OFFICE)
        if not e.event.startswith("Task") and e.event != "HospitalMessageNoted"
    ]


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

    def test_a_change_of_ready_moves_the_ready_day_of_the_same_wait(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        give(app, message(MessageKind.READY), flow_id)
        later = T0 + timedelta(days=2)
        give(app, message(MessageKind.READY, Dispatch.CHANGE, at=later), flow_id)
        ready = app.flow(flow_id, OFFICE).ready
        assert ready is not None and ready.ready_at == later
        assert events(app, flow_id)[-2:] == [
            "ReadyForDischargeNotified",
            "ReadyForDischargeNotified",
        ]

    def test_a_changed_admission_corrects_it_and_is_not_refused(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        later = T0 + timedelta(hours=3)
        ward = Details(ward="Hjerteavdelingen")
        give(app, message(MessageKind.ADMITTED, Dispatch.CHANGE, at=later, details=ward), flow_id)
        flow = app.flow(flow_id, OFFICE)
        assert (flow.admitted_at, flow.location) == (later, "Hjerteavdelingen")

    def test_a_late_cancellation_of_a_ready_notice_restarts_nothing(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        give(app, message(MessageKind.READY), flow_id)
        give(app, message(MessageKind.READY_WITHDRAWN), flow_id)
        before = events(app, flow_id)

        with pytest.raises(IllegalTransitionError) as refused:
            give(app, message(MessageKind.READY, Dispatch.CANCEL), flow_id)

        assert refused.value.code == "cancellation_not_undone"
        assert app.flow(flow_id, OFFICE).phase == Phase.IN_HOSPITAL
        assert app.flow(flow_id, OFFICE).ready is None and events(app, flow_id) == before

    def test_a_history_message_is_noted_and_changes_nothing(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        before = app.flow(flow_id, OFFICE)
        give(app, message(MessageKind.READY, Dispatch.HISTORY, envelope=Envelope("h")), flow_id)
        after = app.flow(flow_id, OFFICE)
        assert (after.phase, after.ready) == (before.phase, before.ready)
        assert after.hospital_notice is not None and after.hospital_notice.message_id == "h"
        assert after.hospital_notice.dispatch == "history"

    def test_an_addition_the_state_has_no_use_for_is_noted_only(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        give(app, message(MessageKind.READY), flow_id)
        received = give(app, message(MessageKind.READY, Dispatch.ADDITION), flow_id)
        assert received.version == app.flow(flow_id, OFFICE).version
        assert events(app, flow_id)[-1] == "ReadyForDischargeNotified"

    def test_a_death_closes_the_flow_as_died_and_cancels_its_open_tasks(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        app.write_checklists(CHECKLISTS_FILE.read_text(), based_on=0, by=OFFICE, at=T0)
        give(app, message(MessageKind.READY), flow_id)
        assert any(t.status == "open" for t in app.flow(flow_id, OFFICE).tasks)

        give(app, message(MessageKind.DIED), flow_id)

        flow = app.flow(flow_id, OFFICE)
        assert (flow.phase, flow.closing_reason) == (Phase.CLOSED, ClosingReason.DIED)
        assert not any(t.status == "open" for t in flow.tasks)

    def test_the_note_keeps_what_the_message_said(self, app: Pasientflyt, flow_id: UUID) -> None:
        said = message(
            MessageKind.READY,
            envelope=Envelope(
                "r-1",
                sender=Organisation("Sykehuset Test HF", "8000001"),
                department=Organisation("Medisinsk klinikk", "8000002"),
            ),
            details=Details(
                ward="Post 3",
                contact=ContactPerson("Sara Sykepleier", "9144900", "+4799999999"),
                remark="Trenger hjelpemidler",
            ),
        )
        give(app, said, flow_id)
        note = app.flow(flow_id, OFFICE).hospital_notice
        assert note is not None
        assert (note.hospital, note.hospital_her, note.department, note.ward) == (
            "Sykehuset Test HF",
            "8000001",
            "Medisinsk klinikk",
            "Post 3",
        )
        assert (note.contact_name, note.contact_hpr, note.contact_phone, note.remark) == (
            "Sara Sykepleier",
            "9144900",
            "+4799999999",
            "Trenger hjelpemidler",
        )

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
        "kind",
        [
            MessageKind.ADMITTED,
            MessageKind.READY_WITHDRAWN,
            MessageKind.DISCHARGED,
            MessageKind.DIED,
        ],
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

    def test_a_cancelled_admission_closes_the_flow_it_opened_while_nothing_else_happened(
        self, app: Pasientflyt, flow_id: UUID
    ) -> None:
        refers = Envelope("c", refers_to="m-1")
        give(app, message(MessageKind.ADMITTED, Dispatch.CANCEL, envelope=refers), flow_id)
        flow = app.flow(flow_id, OFFICE)
        assert (flow.phase, flow.closing_reason) == (Phase.CLOSED, ClosingReason.OTHER)

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


def test_a_changed_ready_day_keeps_the_tasks_of_the_wait_and_opens_no_second_set(
    app: Pasientflyt,
) -> None:
    app.write_checklists(CHECKLISTS_FILE.read_text(), based_on=0, by=OFFICE, at=T0)
    flow_id = give(app, ADMITTED, None).flow_id
    give(app, message(MessageKind.READY), flow_id)
    before = [(t.task.key, t.status) for t in app.flow(flow_id, OFFICE).tasks]

    give(app, message(MessageKind.READY, Dispatch.CHANGE, at=T0 + timedelta(days=1)), flow_id)

    assert before and [(t.task.key, t.status) for t in app.flow(flow_id, OFFICE).tasks] == before


def test_a_message_given_again_to_its_flow_changes_nothing(app: Pasientflyt) -> None:
    """What a process that died before keeping its receipt leaves: the next one to take the
    message over finds it applied, and answers so."""
    flow_id = give(app, ADMITTED, None).flow_id
    ready = message(MessageKind.READY)
    first = give(app, ready, flow_id)

    again = give(app, ready, flow_id)

    assert (again.flow_id, again.version, again.opened) == (flow_id, first.version, False)
    assert events(app, flow_id).count("ReadyForDischargeNotified") == 1
