"""`HomeCareBoard`: given stays planned home, who comes home to a zone and how ready it is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from support.projection_story import INGRID, KARI, KNUT, OLA, Story

from flow.errors import NotFoundError
from flow.flow_values import DischargePlan
from flow.vocabulary import Destination
from projections.home_care_board import Checklist, HomeCareBoard


def board(story: Story, zone: UUID | None = None, now: datetime | None = None) -> HomeCareBoard:
    story.system.projector.catch_up()
    return HomeCareBoard.read(
        story.system.engine,
        story.municipality,
        zone or story.zone,
        now or story.now,
        story.system.rates.of(story.municipality),
    )


def checklist_tasks(story: Story, flow_id: UUID) -> dict[str, UUID]:
    rows = story.rows_of_checklist(flow_id, "short_term_to_home")
    return {row["key"]: row["task_id"] for row in rows if row["status"] != "cancelled"}


class TestWhoComesHome:
    def test_stays_planned_home_to_the_zone_within_fourteen_days_and_those_discharged(
        self, story: Story
    ) -> None:
        in_two_weeks = story.planned_home(story.today(14), bed="1", patient=KARI)
        story.planned_home(story.today(15), bed="2", patient=OLA)
        discharged = story.discharged_home(story.today(1), bed="3", patient=INGRID)
        story.planned_home(
            story.today(3), bed="1", patient=KNUT, zone=story.other_zone, unit=story.other_unit
        )

        shown = board(story)

        assert (shown.name, shown.day) == ("Sone Nord", date(2026, 3, 2))
        assert [c.flow.flow_id for c in shown.coming_home] == [discharged, in_two_weeks]
        assert [c.flow.zone_name for c in shown.coming_home] == ["Sone Nord", "Sone Nord"]

    def test_patients_planned_home_from_hospital_come_home_too(self, story: Story) -> None:
        tomorrow = story.planned_home_from_hospital(story.today(1), patient=KARI)
        story.planned_home_from_hospital(story.today(15), patient=OLA)
        discharged = story.discharged_home_from_hospital(story.today(0), patient=INGRID)

        shown = board(story)

        assert [c.flow.flow_id for c in shown.coming_home] == [discharged, tomorrow]

    def test_from_hospital_the_checklist_holds_the_tasks_with_no_unit_in_them(
        self, story: Story
    ) -> None:
        flow_id = story.discharged_home_from_hospital(story.today(0))

        home_going = checklist_tasks(story, flow_id)
        titles = [t.title for t in board(story).task_lists.rows]

        assert set(home_going) == {"home_care_decision", "assistive_devices", "key_box"}
        assert "Første hjemmebesøk (innen 24 t)" in titles

    def test_a_bed_reserved_in_hospital_replaces_the_plan_home_and_cancels_its_tasks(
        self, story: Story
    ) -> None:
        flow_id = story.planned_home_from_hospital(story.today(1))
        stay = story.short_term()
        story.flows.decide_service(flow_id, stay, by=story.office, at=story.tick())
        story.flows.reserve_bed(flow_id, story.unit, "1", by=story.office, at=story.tick())

        rows = story.rows_of_checklist(flow_id, "short_term_to_home")

        assert board(story).coming_home == []
        assert rows and {row["status"] for row in rows} == {"cancelled"}
        assert story.card(flow_id)["plan_on"] is None

    def test_a_patient_whose_home_care_has_started_is_no_longer_coming(self, story: Story) -> None:
        flow_id = story.discharged_home(story.today(1))
        story.flows.start_home_care(flow_id, by=story.home_nurse, at=story.tick())

        assert board(story).coming_home == []

    def test_a_stay_planned_to_long_term_care_does_not_come_home(self, story: Story) -> None:
        flow_id = story.on_stay()
        plan = DischargePlan(story.today(2), False, Destination.LONG_TERM_CARE.value, None)
        story.flows.plan_discharge(flow_id, plan, by=story.office, at=story.tick())

        assert board(story).coming_home == []

    def test_a_readmitted_patient_is_no_longer_coming_home(self, story: Story) -> None:
        flow_id = story.planned_home(story.today(3))
        story.flows.readmit(flow_id, "Haukeland", by=story.nurse, at=story.tick())

        assert board(story).coming_home == []


class TestTheChecklist:
    def test_counts_the_closed_loops_of_the_current_plan(self, story: Story) -> None:
        flow_id = story.planned_home(story.today(6))
        tasks = checklist_tasks(story, flow_id)
        story.flows.complete_task(
            flow_id, tasks["key_box"], "", by=story.home_nurse, member_of=[story.zone],
            at=story.tick(),
        )  # fmt: skip
        story.flows.complete_task(
            flow_id, tasks["home_care_decision"], "", by=story.office, member_of=[],
            at=story.tick(),
        )  # fmt: skip
        story.flows.complete_task(
            flow_id, tasks["nursing_summary"], "", by=story.nurse, member_of=[story.unit],
            at=story.tick(),
        )  # fmt: skip

        (coming,) = board(story).coming_home

        assert coming.checklist == Checklist(closed=2, total=6, overdue=0)
        assert not coming.checklist.complete

    def test_a_new_plan_counts_only_its_own_loops(self, story: Story) -> None:
        flow_id = story.planned_home(story.today(6))
        key_box = checklist_tasks(story, flow_id)["key_box"]
        story.flows.complete_task(
            flow_id, key_box, "", by=story.home_nurse, member_of=[story.zone], at=story.tick()
        )
        plan = story.going_home(story.today(8))
        story.flows.plan_discharge(flow_id, plan, by=story.office, at=story.tick())

        (coming,) = board(story).coming_home

        assert coming.checklist == Checklist(closed=0, total=6, overdue=0)

    def test_a_new_stay_after_readmission_counts_only_its_own_loops(self, story: Story) -> None:
        flow_id = story.planned_home(story.today(6))
        key_box = checklist_tasks(story, flow_id)["key_box"]
        story.flows.complete_task(
            flow_id, key_box, "", by=story.home_nurse, member_of=[story.zone], at=story.tick()
        )
        story.flows.readmit(flow_id, "Haukeland", by=story.nurse, at=story.tick())
        story.flows.reserve_bed(flow_id, story.unit, "2", by=story.office, at=story.tick())
        story.flows.arrive(flow_id, by=story.nurse, at=story.tick())
        plan = story.going_home(story.today(9))
        story.flows.plan_discharge(flow_id, plan, by=story.office, at=story.tick())

        (coming,) = board(story).coming_home

        assert coming.checklist == Checklist(closed=0, total=6, overdue=0)

    def test_counts_the_loops_past_their_due_time(self, story: Story) -> None:
        flow_id = story.planned_home(story.today(6))
        tasks = checklist_tasks(story, flow_id)
        story.flows.complete_task(
            flow_id, tasks["home_care_decision"], "", by=story.office, member_of=[],
            at=story.tick(),
        )  # fmt: skip
        # Past 48 hours before Sunday 8 March in Oslo, before the day-before deadlines.
        story.system.record_overdue_loops(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))

        (coming,) = board(story).coming_home

        assert coming.checklist == Checklist(closed=1, total=6, overdue=1)

    def test_a_checklist_with_every_loop_closed_is_complete(self, story: Story) -> None:
        flow_id = story.planned_home(story.today(6))
        owners = {
            "home_care_decision": (story.office, []),
            "home_care_notified": (story.nurse, [story.unit]),
            "medication_list_sent": (story.nurse, [story.unit]),
            "assistive_devices": (story.office, []),
            "key_box": (story.home_nurse, [story.zone]),
            "nursing_summary": (story.nurse, [story.unit]),
        }
        tasks = checklist_tasks(story, flow_id)
        for key, (by, member_of) in owners.items():
            story.flows.complete_task(
                flow_id, tasks[key], "", by=by, member_of=member_of, at=story.tick()
            )
        for key in ("home_care_notified", "medication_list_sent", "assistive_devices"):
            story.flows.acknowledge_task(
                flow_id, tasks[key], by=story.home_nurse, member_of=[story.zone], at=story.tick()
            )

        (coming,) = board(story).coming_home

        assert coming.checklist == Checklist(closed=5, total=6, overdue=0)
        story.flows.acknowledge_task(
            flow_id, tasks["nursing_summary"], by=story.home_nurse, member_of=[story.zone],
            at=story.tick(),
        )  # fmt: skip
        (coming,) = board(story).coming_home
        assert coming.checklist == Checklist(closed=6, total=6, overdue=0)
        assert coming.checklist.complete


class TestTheZonesTasks:
    def test_the_zone_sees_its_own_tasks_and_the_handovers_it_must_confirm(
        self, story: Story
    ) -> None:
        flow_id = story.planned_home(story.today(6))
        tasks = checklist_tasks(story, flow_id)
        story.flows.complete_task(
            flow_id, tasks["nursing_summary"], "", by=story.nurse, member_of=[story.unit],
            at=story.tick(),
        )  # fmt: skip

        shown = board(story)

        assert [t.title for t in shown.task_lists.to_do] == ["Nøkkelboks ordnet"]
        assert [(t.title, t.status) for t in shown.task_lists.to_confirm] == [
            ("Sykepleiesammenfatning sendt og bekreftet", "completed")
        ]

    def test_the_first_home_visit_is_the_zones_after_discharge(self, story: Story) -> None:
        story.discharged_home(story.today(0))

        titles = [t.title for t in board(story).task_lists.rows]

        assert "Første hjemmebesøk (innen 24 t)" in titles

    def test_another_zone_sees_none_of_it(self, story: Story) -> None:
        story.discharged_home(story.today(0))

        shown = board(story, zone=story.other_zone)

        assert (shown.name, shown.coming_home, shown.task_lists.rows) == ("Sone Sør", [], [])

    def test_a_unit_has_no_home_care_board(self, story: Story) -> None:
        with pytest.raises(NotFoundError):
            board(story, zone=story.unit)
