"""`AllocationBoard`: given flows in every phase, each card in its column, with its cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support.projection_story import INGRID, KARI, KNUT, OLA, T0, Story

from fixtures.municipalities import MunicipalitySpec, UnitSpec, install
from flow.actor import Actor
from flow.rates import NATIONAL_DAILY_RATES
from flow.vocabulary import ClosingReason, Source, UnitKind
from projections.allocation_board import AllocationBoard
from projections.cards import FlowCard

LATEST_RATE = NATIONAL_DAILY_RATES[2024]


def board(story: Story, now: datetime | None = None) -> AllocationBoard:
    story.system.projector.catch_up()
    return AllocationBoard.read(
        story.system.engine,
        story.municipality,
        now or story.now,
        story.system.rates.of(story.municipality),
    )


def ids(cards: list[FlowCard]) -> list[object]:
    return [card.flow_id for card in cards]


class TestTheColumns:
    def test_each_flow_stands_in_the_column_of_its_phase(self, story: Story) -> None:
        in_hospital = story.opened(KARI)
        ready = story.ready(OLA)
        referred = story.opened(INGRID, Source.HOME)
        staying = story.planned_home(story.today(20), bed="1", patient=KNUT)
        leaving_soon = story.planned_home(story.today(7), bed="2", patient=("15898912342", "Per"))
        discharged = story.discharged_home(story.today(1), bed="3", patient=("29528912395", "Liv"))

        shown = board(story)

        assert ids(shown.in_hospital) == [in_hospital]
        assert ids(shown.ready) == [ready]
        assert ids(shown.waiting_for_bed) == [referred]
        assert ids(shown.on_stay) == [staying]
        assert ids(shown.going_home) == [discharged, leaving_soon]

    def test_a_stay_without_a_plan_home_stays_in_the_stay_column(self, story: Story) -> None:
        flow_id = story.on_stay()

        shown = board(story)

        assert ids(shown.on_stay) == [flow_id]
        assert shown.going_home == []

    def test_the_going_home_column_looks_seven_days_ahead_in_oslo(self, story: Story) -> None:
        within = story.planned_home(story.today(7), bed="1", patient=KARI)
        beyond = story.planned_home(story.today(8), bed="2", patient=OLA)

        shown = board(story)

        assert ids(shown.going_home) == [within]
        assert ids(shown.on_stay) == [beyond]

    def test_flows_at_home_and_closed_flows_leave_the_board(self, story: Story) -> None:
        at_home = story.discharged_home(story.today(1))
        story.flows.start_home_care(at_home, by=story.home_nurse, at=story.tick())
        closed = story.opened(OLA)
        story.flows.close_flow(closed, ClosingReason.DIED, "", by=story.office, at=story.tick())

        shown = board(story)

        columns = (shown.in_hospital, shown.ready, shown.waiting_for_bed, shown.on_stay)
        assert [card for column in (*columns, shown.going_home) for card in column] == []

    def test_a_card_names_its_unit_and_counts_its_open_loops(self, story: Story) -> None:
        story.reserved(bed="2", unit=story.other_unit)

        (card,) = board(story).in_hospital

        assert (card.unit_name, card.bed) == ("Utredning Sjøsiden", "2")
        assert (card.open_loops, card.overdue_loops) == (4, 0)
        assert (card.name, card.initials) == ("Kari Nordmann", "K.N.")

    def test_a_discharged_patients_card_names_the_unit_they_left(self, story: Story) -> None:
        story.discharged_home(story.today(1), unit=story.other_unit)

        (card,) = board(story).going_home

        assert (card.unit_id, card.bed) == (None, None)
        assert card.unit_name == "Utredning Sjøsiden"

    def test_another_municipalitys_flows_are_not_on_the_board(self, story: Story) -> None:
        neighbour = MunicipalitySpec(
            number="9995",
            name="Nabo",
            units=[UnitSpec(code="NABO", name="Nabo korttid", kind=UnitKind.REHAB, beds=1)],
            zones=[],
            users=[],
        )
        install(story.flows, story.system.accounts, story.system.grants, neighbour, T0)
        by = Actor("nabo", "allocation", neighbour.id)
        story.flows.open_flow(
            "01018012371", "Nabo Pasient", Source.HOSPITAL, "Sykehus", "", by=by, at=T0
        )

        shown = board(story)

        assert shown.in_hospital == shown.ready == shown.waiting_for_bed == []


class TestTheWaitingCost:
    def test_payment_runs_from_and_including_the_oslo_day_declared_ready(
        self, story: Story
    ) -> None:
        # 23:30 UTC on Sunday is half past midnight on Monday in Oslo.
        story.ready(ready_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))

        (card,) = board(story, now=datetime(2026, 3, 4, 10, 0, tzinfo=UTC)).ready

        assert (card.days_waiting, card.cost_so_far) == (3, 3 * LATEST_RATE)

    def test_a_new_day_starts_at_midnight_in_oslo(self, story: Story) -> None:
        story.ready(ready_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))

        late = board(story, now=datetime(2026, 3, 2, 22, 59, tzinfo=UTC)).ready[0]
        next_day = board(story, now=datetime(2026, 3, 2, 23, 0, tzinfo=UTC)).ready[0]

        assert (late.days_waiting, next_day.days_waiting) == (1, 2)
        assert next_day.cost_so_far == 2 * LATEST_RATE

    def test_each_day_costs_the_national_rate_of_its_year(self, story: Story) -> None:
        story.ready(ready_at=datetime(2023, 12, 30, 12, 0, tzinfo=UTC))

        (card,) = board(story, now=datetime(2024, 1, 2, 12, 0, tzinfo=UTC)).ready

        assert card.days_waiting == 4
        assert card.cost_so_far == 2 * 5508 + 2 * 5745

    def test_a_readiness_estimated_for_a_later_day_costs_nothing_yet(self, story: Story) -> None:
        story.ready(ready_at=T0 + timedelta(days=2))

        (card,) = board(story).ready

        assert (card.days_waiting, card.cost_so_far) == (0, 0)
        assert card.ready_estimate is False

    def test_the_ready_column_puts_the_longest_wait_first_and_sums_the_cost(
        self, story: Story
    ) -> None:
        recent = story.ready(KARI, ready_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
        oldest = story.ready(OLA, ready_at=datetime(2026, 2, 26, 8, 0, tzinfo=UTC))

        shown = board(story, now=datetime(2026, 3, 3, 8, 0, tzinfo=UTC))

        assert ids(shown.ready) == [oldest, recent]
        assert [c.days_waiting for c in shown.ready] == [6, 2]
        assert (shown.waiting_days, shown.waiting_cost) == (8, 8 * LATEST_RATE)

    def test_arrival_stops_the_payment_clock(self, story: Story) -> None:
        flow_id = story.ready(ready_at=datetime(2026, 2, 27, 8, 0, tzinfo=UTC))
        decision = story.short_term()
        story.flows.decide_service(flow_id, decision, by=story.office, at=story.tick())
        story.flows.reserve_bed(flow_id, story.unit, "1", by=story.office, at=story.tick())
        story.flows.arrive(flow_id, by=story.nurse, at=story.tick())

        shown = board(story)

        assert shown.ready == []
        assert (shown.waiting_days, shown.waiting_cost) == (0, 0)
        assert (shown.on_stay[0].days_waiting, shown.on_stay[0].cost_so_far) == (0, 0)


class TestHomeStraightFromHospital:
    def test_planned_home_from_hospital_stays_in_the_ready_column_showing_the_plan(
        self, story: Story
    ) -> None:
        flow_id = story.planned_home_from_hospital(story.today(2))

        shown = board(story)

        (card,) = shown.ready
        assert (card.flow_id, card.plan_on, card.plan_destination) == (
            flow_id,
            story.today(2),
            "home",
        )
        assert card.zone_name == "Sone Nord"
        assert shown.going_home == []
        assert "discharge" in card.allowed and "discharge-plan" in card.allowed

    def test_a_ready_patient_without_a_bed_is_offered_the_discharge_plan(
        self, story: Story
    ) -> None:
        story.ready()

        (card,) = board(story).ready

        assert "discharge-plan" in card.allowed
        assert "discharge" not in card.allowed

    def test_a_ready_patient_with_a_reserved_bed_is_not_offered_the_discharge_plan(
        self, story: Story
    ) -> None:
        flow_id = story.ready()
        story.flows.decide_service(flow_id, story.short_term(), by=story.office, at=story.tick())
        story.flows.reserve_bed(flow_id, story.unit, "1", by=story.office, at=story.tick())

        (card,) = board(story).ready

        assert "discharge-plan" not in card.allowed and "arrival" in card.allowed

    def test_the_discharge_stops_the_payment_clock_and_the_patient_goes_home(
        self, story: Story
    ) -> None:
        flow_id = story.planned_home_from_hospital(
            story.today(1), ready_at=datetime(2026, 2, 27, 8, 0, tzinfo=UTC)
        )
        story.flows.discharge(flow_id, by=story.office, at=story.tick())

        shown = board(story, now=T0 + timedelta(days=3))

        assert shown.ready == []
        assert (shown.waiting_days, shown.waiting_cost) == (0, 0)
        (card,) = shown.going_home
        assert (card.flow_id, card.days_waiting, card.cost_so_far, card.ready_at) == (
            flow_id,
            0,
            0,
            None,
        )
        assert card.allowed == (
            "decision",
            "home-care-start",
            "readmission",
            "safety-flags",
            "closing",
        )


class TestBrokenLoops:
    def test_loops_open_past_their_due_time_are_broken_until_the_receiver_confirms(
        self, story: Story
    ) -> None:
        flow_id = story.reserved()
        tasks = story.tasks(flow_id)
        story.flows.complete_task(
            flow_id, tasks["relatives_informed"]["task_id"], "", by=story.office, member_of=[],
            at=story.tick(),
        )  # fmt: skip
        story.flows.complete_task(
            flow_id, tasks["room_ready"]["task_id"], "", by=story.nurse, member_of=[story.unit],
            at=story.tick(),
        )  # fmt: skip
        story.system.record_overdue_loops(story.tick(hours=30))

        broken = board(story).broken_loops

        assert {(b.title, b.owner_unit, b.status) for b in broken} == {
            ("Rommet klargjort", story.unit, "completed"),
            ("Helseopplysninger mottatt fra sykehuset", None, "open"),
            ("Legemiddelliste avstemt", story.unit, "open"),
        }
        assert [b.due_at for b in broken] == sorted(b.due_at for b in broken)
        assert (broken[0].title, broken[0].due_at) == (
            "Rommet klargjort",
            tasks["room_ready"]["due_at"],
        )
        assert {(b.flow_id, b.name, b.initials) for b in broken} == {
            (flow_id, "Kari Nordmann", "K.N.")
        }
        (card,) = board(story).in_hospital
        assert (card.open_loops, card.overdue_loops) == (3, 3)

    def test_a_loop_closed_late_is_no_longer_broken(self, story: Story) -> None:
        flow_id = story.ready()
        story.system.record_overdue_loops(story.tick(hours=24))
        story.flows.answer_hospital(flow_id, True, "", by=story.office, at=story.tick())

        assert board(story).broken_loops == []

    def test_a_loop_not_yet_marked_by_the_deadline_process_is_not_broken(
        self, story: Story
    ) -> None:
        story.ready()

        assert board(story, now=story.now + timedelta(days=3)).broken_loops == []


class TestNextDue:
    """What the board sorts its ready column by when asked to (`sorter=frist`)."""

    def test_a_card_is_due_when_its_earliest_open_loop_is(self, story: Story) -> None:
        flow_id = story.reserved()
        tasks = story.tasks(flow_id)
        open_due = sorted(t["due_at"] for t in tasks.values() if t["status"] == "open")
        assert len(open_due) > 1

        (card,) = board(story).in_hospital

        assert card.next_due == open_due[0]

    def test_a_closed_loop_leaves_the_earliest_of_those_still_open(self, story: Story) -> None:
        flow_id = story.reserved()
        tasks = story.tasks(flow_id)
        room = tasks["room_ready"]  # the first due: the unit's, which the office confirms
        assert room["due_at"] == min(t["due_at"] for t in tasks.values())
        story.flows.complete_task(
            flow_id, room["task_id"], "", by=story.nurse, member_of=[story.unit], at=story.tick()
        )
        (done,) = board(story).in_hospital
        story.flows.acknowledge_task(
            flow_id, room["task_id"], by=story.office, member_of=[], at=story.tick()
        )
        (closed,) = board(story).in_hospital

        assert done.next_due == room["due_at"]  # done, not yet confirmed: the loop is open
        assert closed.next_due == min(
            t["due_at"] for key, t in tasks.items() if key != "room_ready"
        )
        assert closed.next_due > room["due_at"]

    def test_a_card_without_open_loops_is_due_never(self, story: Story) -> None:
        story.opened()

        (card,) = board(story).in_hospital

        assert (card.open_loops, card.next_due) == (0, None)

    def test_a_broken_loop_carries_its_patient_s_national_id(self, story: Story) -> None:
        story.reserved()
        story.system.record_overdue_loops(story.tick(hours=30))

        assert {b.national_id for b in board(story).broken_loops} == {KARI[0]}
