"""Closed loops on the flow: which events open which tasks, and who may move them on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from fixtures import CHECKLISTS_FILE
from flow import checklist_file
from flow.actor import Actor
from flow.closed_loops import ClosedLoops, TaskState, TaskStatus
from flow.errors import FlowClosedError, IllegalTransitionError, NotFoundError, NotPermittedError
from flow.flow_values import Decision, DischargePlan
from flow.patient_flow import PatientFlow
from flow.vocabulary import ClosingReason, Destination, ServiceKind, Source

MUNICIPALITY = uuid4()
UNIT, ZONE = uuid4(), uuid4()
OFFICE = Actor("s1", "allocation", MUNICIPALITY)
NURSE = Actor("n1", "nurse", MUNICIPALITY)
HOME_NURSE = Actor("h1", "homecare", MUNICIPALITY)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CATALOG = checklist_file.load(CHECKLISTS_FILE)


def record(flow: PatientFlow, at: datetime = T0) -> list[str]:
    """What the application does after each command: close and open loops, then save."""
    for name in [type(e).__name__ for e in flow.pending_events]:
        flow.complete_tasks_done_by(name, by=OFFICE, at=at)
        flow.open_checklists(name, CATALOG.for_trigger(name), by=OFFICE, at=at)
    return [type(e).__name__ for e in flow.collect_events()]


def tasks(flow: PatientFlow) -> dict[str, TaskState]:
    return {state.task.key: state for state in flow.tasks.values()}


def in_hospital() -> PatientFlow:
    flow = PatientFlow.open(
        MUNICIPALITY,
        "01018012371",
        "Kari Nordmann",
        Source.HOSPITAL,
        "Sykehuset",
        "Rehabilitering",
        by=OFFICE,
        at=T0,
    )
    record(flow)
    return flow


def reserved_from_hospital() -> PatientFlow:
    flow = in_hospital()
    decision = Decision(ServiceKind.SHORT_TERM_STAY.value, UNIT, None, date(2026, 3, 3), None)
    flow.decide_service(decision, by=OFFICE, at=T0)
    flow.reserve_bed(UNIT, "1", by=OFFICE, at=T0)
    record(flow)
    return flow


def on_stay_planned_home(on: date = date(2026, 3, 10)) -> PatientFlow:
    flow = reserved_from_hospital()
    flow.arrive(by=NURSE, at=T0)
    flow.plan_discharge(DischargePlan(on, False, Destination.HOME.value, ZONE), by=NURSE, at=T0)
    record(flow)
    return flow


class TestEachTriggerOpensExactlyItsTasks:
    def test_ready_for_discharge_opens_the_same_day_answer_to_the_hospital(self) -> None:
        flow = in_hospital()
        flow.notify_ready_for_discharge(T0, False, by=OFFICE, at=T0)
        assert record(flow) == ["ReadyForDischargeNotified", "TaskOpened"]
        answer = tasks(flow)["answer_hospital"]
        assert answer.task.owner.unit_id is None and answer.task.receiver is None
        assert answer.task.due_at == datetime(2026, 3, 2, 22, 59, 59, tzinfo=UTC)  # 23:59 CET

    def test_reserving_a_bed_for_a_hospital_patient_opens_the_four_handover_tasks(self) -> None:
        flow = reserved_from_hospital()
        opened = tasks(flow)
        assert set(opened) == {
            "health_information",
            "medication_list",
            "relatives_informed",
            "room_ready",
        }
        assert opened["health_information"].task.owner.unit_id is None
        assert opened["health_information"].task.receiver.unit_id == UNIT  # type: ignore[union-attr]
        assert opened["room_ready"].task.owner.unit_id == UNIT
        assert opened["room_ready"].task.due_at == T0 + timedelta(hours=12)
        assert opened["medication_list"].task.receiver is None

    def test_reserving_a_bed_for_a_patient_at_home_opens_no_hospital_handover(self) -> None:
        flow = PatientFlow.open(
            MUNICIPALITY, "01018012371", "Kari", Source.HOME, "Hjemme", "", by=OFFICE, at=T0
        )
        decision = Decision(ServiceKind.SHORT_TERM_STAY.value, UNIT, None, date(2026, 3, 3), None)
        flow.decide_service(decision, by=OFFICE, at=T0)
        flow.reserve_bed(UNIT, "1", by=OFFICE, at=T0)
        assert "TaskOpened" not in record(flow)

    def test_arrival_opens_the_admission_assessment_within_24_hours(self) -> None:
        flow = reserved_from_hospital()
        flow.arrive(by=NURSE, at=T0)
        record(flow)
        assessment = tasks(flow)["admission_assessment"]
        assert assessment.task.owner.unit_id == UNIT
        assert assessment.task.due_at == T0 + timedelta(hours=24)
        assert "medication_review" in tasks(flow)

    def test_planning_a_discharge_home_opens_the_home_care_checklist(self) -> None:
        flow = on_stay_planned_home(on=date(2026, 3, 10))
        opened = {k: s for k, s in tasks(flow).items() if s.task.trigger == "DischargePlanned"}
        assert set(opened) == {
            "home_care_decision",
            "home_care_notified",
            "medication_list_sent",
            "assistive_devices",
            "key_box",
            "nursing_summary",
        }
        notified = opened["home_care_notified"].task
        assert notified.owner.unit_id == UNIT and notified.receiver.unit_id == ZONE  # type: ignore[union-attr]
        # 48 hours before midnight of 10 March in Oslo (CET, UTC+1).
        assert notified.due_at == datetime(2026, 3, 7, 23, 0, tzinfo=UTC)

    def test_planning_home_from_hospital_has_the_office_tell_home_care(self) -> None:
        """No unit is between: the unit's tasks of the home-care checklist do not open, and
        the office tells home care and sees the hospital's medication list reach it."""
        flow = in_hospital()
        plan = DischargePlan(date(2026, 3, 10), False, Destination.HOME.value, ZONE)
        flow.plan_discharge(plan, by=OFFICE, at=T0)
        record(flow)
        opened = {k: s.task for k, s in tasks(flow).items() if s.task.trigger == "DischargePlanned"}
        assert set(opened) == {
            "home_care_decision",
            "assistive_devices",
            "key_box",
            "home_care_told_from_hospital",
            "medication_list_from_hospital",
        }
        told, medication = (
            opened["home_care_told_from_hospital"],
            opened["medication_list_from_hospital"],
        )
        for task in told, medication:
            assert task.owner.unit_id is None and task.receiver.unit_id == ZONE  # type: ignore[union-attr]
        assert told.due_at == T0 + timedelta(hours=24)
        assert medication.due_at == datetime(2026, 3, 10, 22, 59, 59, tzinfo=UTC)  # 23:59 CET

    def test_planning_home_from_a_stay_opens_no_task_of_the_way_from_hospital(self) -> None:
        opened = tasks(on_stay_planned_home())
        assert "home_care_told_from_hospital" not in opened
        assert "medication_list_from_hospital" not in opened

    def test_discharge_home_opens_the_first_home_visit_for_the_zone(self) -> None:
        flow = on_stay_planned_home()
        flow.discharge(by=NURSE, at=T0)
        record(flow)
        visit = tasks(flow)["first_home_visit"]
        assert visit.task.owner.unit_id == ZONE and visit.task.due_at == T0 + timedelta(hours=24)


class TestUndoingATriggerCancelsItsOpenLoops:
    def test_cancelling_the_reservation_cancels_the_handover_tasks(self) -> None:
        flow = reserved_from_hospital()
        flow.cancel_reservation("Feil avdeling", by=OFFICE, at=T0)
        assert record(flow) == ["ReservationCancelled"] + ["TaskCancelled"] * 4
        assert {s.status for s in flow.tasks.values()} == {TaskStatus.CANCELLED}

    def test_withdrawing_ready_for_discharge_cancels_the_answer_task(self) -> None:
        flow = in_hospital()
        flow.notify_ready_for_discharge(T0, False, by=OFFICE, at=T0)
        record(flow)
        flow.withdraw_ready_for_discharge("Ny infeksjon", by=OFFICE, at=T0)
        assert record(flow) == ["ReadyForDischargeWithdrawn", "TaskCancelled"]

    def test_a_closed_loop_stays_closed_when_its_trigger_is_undone(self) -> None:
        flow = reserved_from_hospital()
        relatives = tasks(flow)["relatives_informed"].task.id
        flow.complete_task(relatives, "", by=OFFICE, member_of=[], at=T0)
        flow.cancel_reservation("", by=OFFICE, at=T0)
        record(flow)
        assert tasks(flow)["relatives_informed"].status == TaskStatus.CLOSED

    def test_replanning_the_discharge_replaces_the_open_tasks_of_the_old_plan(self) -> None:
        flow = on_stay_planned_home(on=date(2026, 3, 10))
        flow.plan_discharge(DischargePlan(date(2026, 3, 12), False, "home", ZONE), by=NURSE, at=T0)
        events = record(flow)
        assert events.count("TaskCancelled") == 6 and events.count("TaskOpened") == 6
        live = [s for s in flow.tasks.values() if s.loop_open and s.task.key == "key_box"]
        assert len(live) == 1 and live[0].task.due_at.date() == date(2026, 3, 11)

    def test_closing_the_flow_cancels_every_open_loop_with_the_reason(self) -> None:
        flow = reserved_from_hospital()
        flow.close(ClosingReason.DIED, "", by=OFFICE, at=T0)
        record(flow)
        assert not any(s.loop_open for s in flow.tasks.values())
        assert all("avsluttet" in s.note for s in flow.tasks.values())


class TestWhoMovesALoop:
    def test_only_the_owner_completes(self) -> None:
        flow = reserved_from_hospital()
        room = tasks(flow)["room_ready"].task.id
        with pytest.raises(NotPermittedError, match="Bare eieren"):
            flow.complete_task(room, "", by=OFFICE, member_of=[], at=T0)
        with pytest.raises(NotPermittedError):
            flow.complete_task(room, "", by=NURSE, member_of=[uuid4()], at=T0)
        flow.complete_task(room, "Klart", by=NURSE, member_of=[UNIT], at=T0)
        assert tasks(flow)["room_ready"].status == TaskStatus.COMPLETED

    def test_completion_without_the_receivers_acknowledgement_leaves_the_loop_open(self) -> None:
        flow = reserved_from_hospital()
        info = tasks(flow)["health_information"].task.id
        flow.complete_task(info, "Sendt", by=OFFICE, member_of=[], at=T0)
        assert tasks(flow)["health_information"].loop_open
        flow.acknowledge_task(info, by=NURSE, member_of=[UNIT], at=T0)
        assert not tasks(flow)["health_information"].loop_open

    def test_a_task_without_receiver_closes_on_completion(self) -> None:
        flow = reserved_from_hospital()
        relatives = tasks(flow)["relatives_informed"].task.id
        flow.complete_task(relatives, "", by=OFFICE, member_of=[], at=T0)
        assert tasks(flow)["relatives_informed"].status == TaskStatus.CLOSED

    def test_only_the_receiver_acknowledges_or_rejects(self) -> None:
        flow = reserved_from_hospital()
        info = tasks(flow)["health_information"].task.id
        flow.complete_task(info, "", by=OFFICE, member_of=[], at=T0)
        with pytest.raises(NotPermittedError, match="Bare mottakeren"):
            flow.acknowledge_task(info, by=OFFICE, member_of=[], at=T0)
        with pytest.raises(NotPermittedError):
            flow.reject_task(info, "nei", by=HOME_NURSE, member_of=[ZONE], at=T0)

    def test_a_rejection_sends_the_task_back_to_the_owner_with_the_reason(self) -> None:
        flow = reserved_from_hospital()
        info = tasks(flow)["health_information"].task.id
        flow.complete_task(info, "", by=OFFICE, member_of=[], at=T0)
        flow.reject_task(info, "Epikrisen mangler", by=NURSE, member_of=[UNIT], at=T0)
        state = tasks(flow)["health_information"]
        assert state.status == TaskStatus.OPEN and state.note == "Epikrisen mangler"
        with pytest.raises(IllegalTransitionError, match="åpen"):
            flow.acknowledge_task(info, by=NURSE, member_of=[UNIT], at=T0)

    def test_no_task_is_acknowledged_before_it_is_completed(self) -> None:
        flow = reserved_from_hospital()
        info = tasks(flow)["health_information"].task.id
        with pytest.raises(IllegalTransitionError, match="Kan ikke bekrefte"):
            flow.acknowledge_task(info, by=NURSE, member_of=[UNIT], at=T0)

    def test_the_answer_to_the_hospital_closes_the_same_day_task_by_itself(self) -> None:
        flow = in_hospital()
        flow.notify_ready_for_discharge(T0, False, by=OFFICE, at=T0)
        record(flow)
        flow.answer_hospital(False, "Ingen ledig seng", by=OFFICE, at=T0)
        assert record(flow) == ["HospitalAnswered", "TaskCompleted"]
        assert tasks(flow)["answer_hospital"].status == TaskStatus.CLOSED

    def test_an_unknown_task_is_not_found(self) -> None:
        flow = reserved_from_hospital()
        with pytest.raises(NotFoundError):
            flow.complete_task(uuid4(), "", by=OFFICE, member_of=[], at=T0)

    def test_a_closed_flow_refuses_task_commands(self) -> None:
        flow = reserved_from_hospital()
        info = tasks(flow)["health_information"].task.id
        flow.close(ClosingReason.OTHER, "", by=OFFICE, at=T0)
        with pytest.raises(FlowClosedError):
            flow.complete_task(info, "", by=OFFICE, member_of=[], at=T0)


class TestOverdue:
    def test_overdue_is_refused_before_the_due_time_and_recorded_once_after(self) -> None:
        flow = reserved_from_hospital()
        room = tasks(flow)["room_ready"].task.id
        with pytest.raises(IllegalTransitionError):
            flow.mark_overdue(room, by=OFFICE, at=T0 + timedelta(hours=11))
        flow.mark_overdue(room, by=OFFICE, at=T0 + timedelta(hours=12))
        assert tasks(flow)["room_ready"].overdue
        with pytest.raises(IllegalTransitionError):
            flow.mark_overdue(room, by=OFFICE, at=T0 + timedelta(hours=13))

    def test_only_open_loops_past_due_are_candidates(self) -> None:
        flow = reserved_from_hospital()
        relatives = tasks(flow)["relatives_informed"].task.id
        flow.complete_task(relatives, "", by=OFFICE, member_of=[], at=T0)
        due = flow.overdue_candidates(T0 + timedelta(hours=25))
        keys = {flow.tasks[str(t)].task.key for t in due}
        assert keys == {"health_information", "medication_list", "room_ready"}


def test_task_events_are_stored_under_closed_loops_whatever_the_flow_class() -> None:
    flow = reserved_from_hospital()
    flow.cancel_reservation("", by=OFFICE, at=T0)
    cancelled = [e for e in flow.collect_events() if type(e).__name__ == "TaskCancelled"]
    assert cancelled and all(isinstance(e, ClosedLoops.TaskCancelled) for e in cancelled)
