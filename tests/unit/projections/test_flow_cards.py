"""`FlowCards`: given a flow's events, its one row says what every board shows of it."""

from __future__ import annotations

from datetime import timedelta

from support.projection_story import OLA, T0, Story

from flow.flow_values import Decision, DischargePlan
from flow.vocabulary import ClosingReason, Destination, SafetyFlag, ServiceKind, Source, WaitReason


class TestWhenAFlowIsOpened:
    def test_a_hospital_referral_shows_the_patient_in_hospital(self, story: Story) -> None:
        flow_id = story.opened()

        card = story.card(flow_id)

        assert card["municipality_id"] == story.municipality
        assert (card["name"], card["national_id"]) == ("Kari Nordmann", "01018012371")
        assert (card["phase"], card["source"]) == ("in_hospital", "hospital")
        assert (card["location"], card["need"]) == (
            "St. Olavs hospital",
            "Rehabilitering etter brudd",
        )
        assert card["opened_at"] == card["changed_at"] == T0
        assert card["flags"] == []
        assert card["unit_id"] is card["bed"] is card["left_unit"] is None
        assert card["version"] == story.version(flow_id) == 1

    def test_a_referral_from_home_shows_the_patient_referred(self, story: Story) -> None:
        flow_id = story.opened(source=Source.HOME)

        assert story.card(flow_id)["phase"] == "referred"

    def test_an_admission_moves_a_referred_patient_to_the_hospital_it_names(
        self, story: Story
    ) -> None:
        flow_id = story.opened(source=Source.HOME)
        admitted_at = story.tick()
        story.flows.notify_admission(
            flow_id, "Haukeland", admitted_at, by=story.office, at=story.tick()
        )

        card = story.card(flow_id)

        assert (card["phase"], card["location"]) == ("in_hospital", "Haukeland")
        assert card["admitted_at"] == admitted_at
        assert card["changed_at"] == story.now
        assert card["version"] == story.version(flow_id) == 2


class TestWhenThePatientIsReadyForDischarge:
    def test_the_card_shows_when_and_whether_it_is_an_estimate(self, story: Story) -> None:
        flow_id = story.opened()
        ready_at = story.now + timedelta(days=1)
        story.flows.notify_ready_for_discharge(
            flow_id, ready_at, True, by=story.office, at=story.tick()
        )

        card = story.card(flow_id)

        assert card["phase"] == "ready"
        assert (card["ready_at"], card["ready_estimate"]) == (ready_at, True)
        assert card["wait_reason"] is None
        (period,) = story.periods(flow_id)
        assert (period["number"], period["ready_at"], period["estimate"]) == (1, ready_at, True)
        assert (period["answers"], period["ended_at"], period["hospital"]) == ([], None, "")

    def test_the_answer_and_the_wait_reason_show_on_the_card(self, story: Story) -> None:
        flow_id = story.ready()
        answered_at = story.tick()
        story.flows.answer_hospital(flow_id, False, "Ingen seng", by=story.office, at=answered_at)
        story.flows.record_wait_reason(
            flow_id, WaitReason.NO_BED, "Fullt", by=story.office, at=story.tick()
        )

        card = story.card(flow_id)

        (period,) = story.periods(flow_id)
        assert period["answers"] == [
            {
                "told_at": answered_at.isoformat(),
                "can_receive": False,
                "offer_from": None,
                "expected_on": None,
            }
        ]
        assert card["wait_reason"] == "no_bed"
        assert card["version"] == story.version(flow_id)

    def test_a_new_notice_forgets_the_answer_to_the_old_one(self, story: Story) -> None:
        flow_id = story.ready()
        story.flows.answer_hospital(flow_id, True, "", by=story.office, at=story.tick())
        story.flows.withdraw_ready_for_discharge(flow_id, "Feber", by=story.office, at=story.tick())
        ready_again = story.tick()
        story.flows.notify_ready_for_discharge(
            flow_id, ready_again, False, by=story.office, at=ready_again
        )

        card = story.card(flow_id)

        assert (card["phase"], card["ready_at"], card["ready_period"]) == ("ready", ready_again, 2)
        first, second = story.periods(flow_id)
        assert (len(first["answers"]), first["ended_by"]) == (1, "withdrawal")
        assert (second["answers"], second["ended_at"]) == ([], None)

    def test_a_changed_ready_day_moves_the_same_wait_and_keeps_its_answers(
        self, story: Story
    ) -> None:
        flow_id = story.ready()
        story.flows.answer_hospital(flow_id, False, "", by=story.office, at=story.tick())
        moved = story.now - timedelta(days=2)
        story.flows.run(
            flow_id,
            lambda f, by, at: f.notify_ready_for_discharge(moved, False, by=by, at=at, change=True),
            by=story.office,
            at=story.tick(),
        )

        (period,) = story.periods(flow_id)
        assert (period["ready_at"], len(period["answers"])) == (moved, 1)
        assert story.flows.flow(flow_id, by=story.office).hospital_answer is not None

    def test_withdrawing_the_notice_puts_the_patient_back_in_hospital(self, story: Story) -> None:
        flow_id = story.ready()
        story.flows.answer_hospital(flow_id, True, "", by=story.office, at=story.tick())
        story.flows.withdraw_ready_for_discharge(flow_id, "Feber", by=story.office, at=story.tick())

        card = story.card(flow_id)

        assert card["phase"] == "in_hospital"
        assert card["ready_at"] is card["ready_estimate"] is None
        assert card["version"] == story.version(flow_id)


class TestWhenABedIsHeld:
    def test_a_decision_shows_its_service_places_and_start(self, story: Story) -> None:
        flow_id = story.opened()
        decision = story.short_term(story.other_unit, story.today(3))
        story.flows.decide_service(flow_id, decision, by=story.office, at=story.tick())

        card = story.card(flow_id)

        assert card["decision_service"] == "short_term_stay"
        assert (card["decision_unit"], card["decision_zone"]) == (story.other_unit, None)
        assert card["decision_starts_on"] == story.today(3)

    def test_a_reservation_shows_the_unit_and_bed_but_not_yet_a_stay(self, story: Story) -> None:
        flow_id = story.reserved(bed="2")

        card = story.card(flow_id)

        assert (card["phase"], card["unit_id"], card["bed"]) == ("in_hospital", story.unit, "2")
        assert card["reserved_at"] == story.now
        assert card["arrived_at"] is None
        assert card["version"] == story.version(flow_id)

    def test_cancelling_the_reservation_clears_the_unit_and_bed(self, story: Story) -> None:
        flow_id = story.reserved()
        story.flows.cancel_reservation(flow_id, "Angret", by=story.office, at=story.tick())

        card = story.card(flow_id)

        assert card["unit_id"] is card["bed"] is card["reserved_at"] is None
        assert card["left_unit"] is None
        assert card["version"] == story.version(flow_id)

    def test_arrival_starts_the_stay_and_ends_the_hospital_wait(self, story: Story) -> None:
        flow_id = story.ready()
        decision = story.short_term()
        story.flows.decide_service(flow_id, decision, by=story.office, at=story.tick())
        story.flows.reserve_bed(flow_id, story.unit, "3", by=story.office, at=story.tick())
        arrived_at = story.tick()
        story.flows.arrive(flow_id, by=story.nurse, at=arrived_at)

        card = story.card(flow_id)

        assert (card["phase"], card["unit_id"], card["bed"]) == ("on_stay", story.unit, "3")
        assert (card["arrived_at"], card["reserved_at"]) == (arrived_at, None)
        assert card["ready_at"] is card["ready_estimate"] is None
        assert card["version"] == story.version(flow_id)

    def test_a_move_shows_the_new_bed_on_the_same_unit(self, story: Story) -> None:
        flow_id = story.on_stay(bed="1")
        story.flows.move(flow_id, "3", by=story.nurse, at=story.tick())

        card = story.card(flow_id)

        assert (card["unit_id"], card["bed"]) == (story.unit, "3")
        assert card["version"] == story.version(flow_id)

    def test_a_discharge_plan_shows_its_day_destination_and_zone(self, story: Story) -> None:
        flow_id = story.planned_home(story.today(5), zone=story.other_zone)

        card = story.card(flow_id)

        assert card["plan_on"] == story.today(5)
        assert card["plan_estimate"] is False
        assert (card["plan_destination"], card["plan_zone"]) == ("home", story.other_zone)
        assert card["version"] == story.version(flow_id)


class TestWhenThePatientLeavesTheUnit:
    def test_discharge_home_clears_the_bed_and_the_short_term_decision(self, story: Story) -> None:
        flow_id = story.discharged_home(story.today(2))

        card = story.card(flow_id)

        assert card["phase"] == "discharged"
        assert (card["discharged_at"], card["discharged_to"]) == (story.now, "home")
        assert card["unit_id"] is card["bed"] is None
        assert card["decision_service"] is card["decision_unit"] is None
        assert (card["plan_destination"], card["plan_zone"]) == ("home", story.zone)
        assert card["version"] == story.version(flow_id)

    def test_discharge_records_the_unit_the_patient_left_and_when(self, story: Story) -> None:
        flow_id = story.discharged_home(story.today(2))

        card = story.card(flow_id)

        assert (card["left_unit"], card["left_unit_at"]) == (story.unit, story.now)

    def test_a_discharge_keeps_a_home_care_decision(self, story: Story) -> None:
        flow_id = story.on_stay()
        home_care = Decision(ServiceKind.HOME_CARE.value, None, story.zone, story.today(4), None)
        story.flows.decide_service(flow_id, home_care, by=story.office, at=story.tick())
        plan = DischargePlan(story.today(4), False, Destination.HOME.value, story.zone)
        story.flows.plan_discharge(flow_id, plan, by=story.office, at=story.tick())
        story.flows.discharge(flow_id, by=story.nurse, at=story.tick())

        card = story.card(flow_id)

        assert (card["decision_service"], card["decision_zone"]) == ("home_care", story.zone)

    def test_home_care_starts_in_the_zone_of_the_plan(self, story: Story) -> None:
        flow_id = story.discharged_home(story.today(2), zone=story.other_zone)
        started_at = story.tick()
        story.flows.start_home_care(flow_id, by=story.home_nurse, at=started_at)

        card = story.card(flow_id)

        assert card["phase"] == "home_care"
        assert (card["home_care_zone"], card["home_care_started_at"]) == (
            story.other_zone,
            started_at,
        )
        assert card["version"] == story.version(flow_id)

    def test_readmission_from_a_bed_clears_bed_and_plan(self, story: Story) -> None:
        flow_id = story.planned_home(story.today(3))
        story.flows.readmit(flow_id, "Haukeland", by=story.nurse, at=story.tick())

        card = story.card(flow_id)

        assert (card["phase"], card["location"]) == ("in_hospital", "Haukeland")
        assert card["admitted_at"] == story.now
        assert card["unit_id"] is card["bed"] is None
        assert card["plan_on"] is card["plan_destination"] is card["plan_zone"] is None
        assert card["version"] == story.version(flow_id)

    def test_readmission_from_a_bed_records_the_unit_the_patient_left(self, story: Story) -> None:
        flow_id = story.on_stay(unit=story.other_unit)
        story.flows.readmit(flow_id, "Haukeland", by=story.nurse, at=story.tick())

        card = story.card(flow_id)

        assert (card["left_unit"], card["left_unit_at"]) == (story.other_unit, story.now)

    def test_readmission_from_home_keeps_the_unit_the_patient_left(self, story: Story) -> None:
        flow_id = story.discharged_home(story.today(2))
        discharged_at = story.now
        story.flows.readmit(flow_id, "Haukeland", by=story.home_nurse, at=story.tick())

        card = story.card(flow_id)

        assert (card["left_unit"], card["left_unit_at"]) == (story.unit, discharged_at)

    def test_closing_a_flow_on_a_bed_records_the_unit_the_patient_left(self, story: Story) -> None:
        flow_id = story.on_stay()
        story.flows.close_flow(flow_id, ClosingReason.DIED, "", by=story.nurse, at=story.tick())

        card = story.card(flow_id)

        assert (card["left_unit"], card["left_unit_at"]) == (story.unit, story.now)


class TestWhenAFlowCarriesSafetyFlags:
    def test_flags_show_sorted_and_once_each(self, story: Story) -> None:
        flow_id = story.opened()
        for flag in (SafetyFlag.MALNUTRITION, SafetyFlag.FALL, SafetyFlag.DELIRIUM):
            story.flows.raise_safety_flag(flow_id, flag, by=story.office, at=story.tick())

        card = story.card(flow_id)

        assert card["flags"] == ["delirium", "fall", "malnutrition"]
        assert card["version"] == story.version(flow_id) == 4

    def test_a_cleared_flag_leaves_the_card(self, story: Story) -> None:
        flow_id = story.opened()
        story.flows.raise_safety_flag(flow_id, SafetyFlag.FALL, by=story.office, at=story.tick())
        story.flows.raise_safety_flag(
            flow_id, SafetyFlag.DELIRIUM, by=story.office, at=story.tick()
        )
        story.flows.clear_safety_flag(flow_id, SafetyFlag.FALL, by=story.office, at=story.tick())

        assert story.card(flow_id)["flags"] == ["delirium"]

    def test_flags_stay_with_the_patient_through_arrival_and_discharge(self, story: Story) -> None:
        flow_id = story.reserved()
        story.flows.raise_safety_flag(
            flow_id, SafetyFlag.INFECTION_ISOLATION, by=story.office, at=story.tick()
        )
        story.flows.arrive(flow_id, by=story.nurse, at=story.tick())
        plan = story.going_home(story.today(2))
        story.flows.plan_discharge(flow_id, plan, by=story.office, at=story.tick())
        story.flows.discharge(flow_id, by=story.nurse, at=story.tick())

        assert story.card(flow_id)["flags"] == ["infection_isolation"]


class TestWhenAFlowIsClosed:
    def test_the_card_shows_why_and_when_and_holds_no_bed(self, story: Story) -> None:
        flow_id = story.reserved(bed="2")
        story.flows.close_flow(
            flow_id, ClosingReason.REFERRAL_WITHDRAWN, "", by=story.office, at=story.tick()
        )

        card = story.card(flow_id)

        assert card["phase"] == "closed"
        assert (card["closed_at"], card["closing_reason"]) == (story.now, "referral_withdrawn")
        assert card["unit_id"] is card["bed"] is None
        assert card["version"] == story.version(flow_id)


class TestTheVersion:
    def test_task_events_count_in_the_version_as_they_do_in_the_flow(self, story: Story) -> None:
        flow_id = story.reserved()
        version_before = story.version(flow_id)
        (task,) = [t for t in story.tasks(flow_id).values() if t["key"] == "relatives_informed"]
        story.flows.complete_task(
            flow_id, task["task_id"], "", by=story.office, member_of=[], at=story.tick()
        )

        card = story.card(flow_id)

        assert card["version"] == story.version(flow_id) == version_before + 1
        assert card["changed_at"] == story.now

    def test_each_flow_has_its_own_row(self, story: Story) -> None:
        first, second = story.opened(), story.opened(OLA, Source.HOME)

        assert story.card(first)["name"] == "Kari Nordmann"
        assert (story.card(second)["name"], story.card(second)["phase"]) == (
            "Ola Johan Hansen",
            "referred",
        )
