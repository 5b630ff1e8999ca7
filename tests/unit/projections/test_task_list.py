"""`TaskList`: given a flow's events, each task's row with its parties, status and deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support.projection_story import T0, Story

from flow.vocabulary import ClosingReason, Source


def statuses(story: Story, flow_id: object) -> dict[str, tuple[str, bool]]:
    return {key: (row["status"], row["overdue"]) for key, row in story.tasks(flow_id).items()}


class TestWhenTasksOpen:
    def test_ready_for_discharge_opens_the_answer_task_due_by_midnight_in_oslo(
        self, story: Story
    ) -> None:
        flow_id = story.ready()

        (row,) = story.tasks(flow_id).values()

        assert row == {
            "task_id": row["task_id"],
            "flow_id": flow_id,
            "municipality_id": story.municipality,
            "checklist": "ready_for_discharge",
            "trigger": "ReadyForDischargeNotified",
            "key": "answer_hospital",
            "title": "Svare sykehuset samme dag",
            "owner_unit": None,
            "receiver_unit": None,
            "has_receiver": False,
            "opened_at": T0 + timedelta(minutes=10),
            "due_at": datetime(2026, 3, 2, 22, 59, 59, tzinfo=UTC),
            "status": "open",
            "overdue": False,
            "title_en": "Answer the hospital the same day",
            "returned_reason": None,
            "returned_by": None,
            "returned_at": None,
        }

    def test_a_reservation_from_hospital_opens_the_handover_loops(self, story: Story) -> None:
        flow_id = story.reserved()
        reserved_at = story.now

        rows = story.tasks(flow_id)

        assert {
            key: (r["owner_unit"], r["receiver_unit"], r["has_receiver"], r["due_at"])
            for key, r in rows.items()
        } == {
            "health_information": (None, story.unit, True, reserved_at + timedelta(hours=24)),
            "medication_list": (story.unit, None, False, reserved_at + timedelta(hours=24)),
            "relatives_informed": (None, None, False, reserved_at + timedelta(hours=24)),
            "room_ready": (story.unit, None, True, reserved_at + timedelta(hours=12)),
        }
        assert {r["status"] for r in rows.values()} == {"open"}
        assert {r["checklist"] for r in rows.values()} == {"hospital_to_short_term"}

    def test_a_reservation_for_a_patient_at_home_opens_no_hospital_loops(
        self, story: Story
    ) -> None:
        flow_id = story.opened(source=Source.HOME)
        decision = story.short_term()
        story.flows.decide_service(flow_id, decision, by=story.office, at=story.tick())
        story.flows.reserve_bed(flow_id, story.unit, "1", by=story.office, at=story.tick())

        assert story.tasks(flow_id) == {}

    def test_a_plan_home_opens_the_zone_checklist_before_the_planned_day(
        self, story: Story
    ) -> None:
        flow_id = story.planned_home(story.today(6), zone=story.other_zone)

        rows = {
            k: r for k, r in story.tasks(flow_id).items() if r["checklist"] == "short_term_to_home"
        }

        assert {k: (r["owner_unit"], r["receiver_unit"]) for k, r in rows.items()} == {
            "home_care_decision": (None, None),
            "home_care_notified": (story.unit, story.other_zone),
            "medication_list_sent": (story.unit, story.other_zone),
            "assistive_devices": (None, story.other_zone),
            "key_box": (story.other_zone, None),
            "nursing_summary": (story.unit, story.other_zone),
        }
        # Sunday 8 March 00:00 in Oslo, less 48 hours; the last one at 23:59:59 that Sunday.
        assert rows["home_care_decision"]["due_at"] == datetime(2026, 3, 5, 23, 0, tzinfo=UTC)
        assert rows["nursing_summary"]["due_at"] == datetime(2026, 3, 8, 22, 59, 59, tzinfo=UTC)

    def test_a_discharge_home_opens_the_first_visit_for_the_zone(self, story: Story) -> None:
        flow_id = story.discharged_home(story.today(1))

        visit = story.tasks(flow_id)["first_home_visit"]

        assert (visit["owner_unit"], visit["status"]) == (story.zone, "open")
        assert visit["due_at"] == story.now + timedelta(hours=24)


class TestTheLoop:
    def test_an_event_that_does_the_work_closes_its_task(self, story: Story) -> None:
        flow_id = story.ready()
        story.flows.answer_hospital(flow_id, True, "", by=story.office, at=story.tick())

        assert statuses(story, flow_id) == {"answer_hospital": ("closed", False)}

    def test_a_task_without_receiver_closes_when_its_owner_completes_it(self, story: Story) -> None:
        flow_id = story.reserved()
        task = story.tasks(flow_id)["medication_list"]["task_id"]
        story.flows.complete_task(
            flow_id, task, "", by=story.nurse, member_of=[story.unit], at=story.tick()
        )

        assert story.tasks(flow_id)["medication_list"]["status"] == "closed"

    def test_a_loop_waits_for_its_receiver_after_the_owner_is_done(self, story: Story) -> None:
        flow_id = story.reserved()
        task = story.tasks(flow_id)["room_ready"]["task_id"]
        story.flows.complete_task(
            flow_id, task, "", by=story.nurse, member_of=[story.unit], at=story.tick()
        )

        assert story.tasks(flow_id)["room_ready"]["status"] == "completed"

    def test_the_receivers_acknowledgement_closes_the_loop(self, story: Story) -> None:
        flow_id = story.reserved()
        task = story.tasks(flow_id)["room_ready"]["task_id"]
        story.flows.complete_task(
            flow_id, task, "", by=story.nurse, member_of=[story.unit], at=story.tick()
        )
        story.flows.acknowledge_task(flow_id, task, by=story.office, member_of=[], at=story.tick())

        assert story.tasks(flow_id)["room_ready"]["status"] == "closed"

    def test_the_receivers_rejection_sends_the_task_back_open(self, story: Story) -> None:
        flow_id = story.reserved()
        task = story.tasks(flow_id)["health_information"]["task_id"]
        story.flows.complete_task(flow_id, task, "", by=story.office, member_of=[], at=story.tick())
        story.flows.reject_task(
            flow_id,
            task,
            "Mangler epikrise",
            by=story.nurse,
            member_of=[story.unit],
            at=story.tick(),
        )

        assert story.tasks(flow_id)["health_information"]["status"] == "open"


class TestWhenLoopsAreUndone:
    def test_withdrawing_readiness_cancels_the_answer_task(self, story: Story) -> None:
        flow_id = story.ready()
        story.flows.withdraw_ready_for_discharge(flow_id, "Feber", by=story.office, at=story.tick())

        assert statuses(story, flow_id) == {"answer_hospital": ("cancelled", False)}

    def test_cancelling_the_reservation_cancels_its_open_loops_only(self, story: Story) -> None:
        flow_id = story.reserved()
        task = story.tasks(flow_id)["relatives_informed"]["task_id"]
        story.flows.complete_task(flow_id, task, "", by=story.office, member_of=[], at=story.tick())
        story.flows.cancel_reservation(flow_id, "", by=story.office, at=story.tick())

        assert statuses(story, flow_id) == {
            "health_information": ("cancelled", False),
            "medication_list": ("cancelled", False),
            "relatives_informed": ("closed", False),
            "room_ready": ("cancelled", False),
        }

    def test_a_new_plan_cancels_the_old_plans_loops_and_opens_new_ones(self, story: Story) -> None:
        flow_id = story.planned_home(story.today(6))
        plan = story.going_home(story.today(9), zone=story.other_zone)
        story.flows.plan_discharge(flow_id, plan, by=story.office, at=story.tick())

        rows = story.rows_of_checklist(flow_id, "short_term_to_home")

        old = [r for r in rows if r["status"] == "cancelled"]
        new = [r for r in rows if r["status"] == "open"]
        assert len(old) == len(new) == len(rows) / 2 == 6
        assert {r["receiver_unit"] for r in old if r["has_receiver"]} == {story.zone}
        assert {r["receiver_unit"] for r in new if r["has_receiver"]} == {story.other_zone}
        assert min(r["due_at"] for r in new) == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)

    def test_closing_the_flow_cancels_every_open_loop(self, story: Story) -> None:
        flow_id = story.on_stay()
        story.flows.close_flow(flow_id, ClosingReason.DIED, "", by=story.nurse, at=story.tick())

        assert {status for status, _ in statuses(story, flow_id).values()} == {"cancelled"}


class TestTheDeadlineProcess:
    def test_open_loops_past_their_due_time_turn_overdue_and_closed_ones_do_not(
        self, story: Story
    ) -> None:
        flow_id = story.reserved()
        rows = story.tasks(flow_id)
        story.flows.complete_task(
            flow_id, rows["relatives_informed"]["task_id"], "", by=story.office, member_of=[],
            at=story.tick(),
        )  # fmt: skip
        story.flows.complete_task(
            flow_id, rows["room_ready"]["task_id"], "", by=story.nurse, member_of=[story.unit],
            at=story.tick(),
        )  # fmt: skip

        marked = story.system.record_overdue_loops(story.tick(hours=25))

        assert marked == 3
        assert statuses(story, flow_id) == {
            "health_information": ("open", True),
            "medication_list": ("open", True),
            "relatives_informed": ("closed", False),
            "room_ready": ("completed", True),
        }

    def test_a_loop_is_not_overdue_before_its_due_time(self, story: Story) -> None:
        flow_id = story.reserved()

        marked = story.system.record_overdue_loops(story.tick(hours=12))

        assert marked == 1
        assert statuses(story, flow_id)["room_ready"] == ("open", True)
        assert statuses(story, flow_id)["health_information"] == ("open", False)

    def test_a_loop_is_marked_overdue_once(self, story: Story) -> None:
        flow_id = story.ready()
        first = story.system.record_overdue_loops(story.tick(hours=24))
        second = story.system.record_overdue_loops(story.tick(hours=24))

        assert (first, second) == (1, 0)
        assert statuses(story, flow_id) == {"answer_hospital": ("open", True)}

    def test_an_overdue_loop_that_is_closed_late_stays_marked_overdue(self, story: Story) -> None:
        flow_id = story.ready()
        story.system.record_overdue_loops(story.tick(hours=24))
        story.flows.answer_hospital(flow_id, True, "", by=story.office, at=story.tick())

        assert statuses(story, flow_id) == {"answer_hospital": ("closed", True)}
