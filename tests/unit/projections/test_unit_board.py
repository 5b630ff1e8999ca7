"""`UnitBoard`: given a unit's beds and flows, its grid, who comes and goes, and its tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from support.projection_story import INGRID, KARI, KNUT, OLA, T0, Story

from fixtures.municipalities import MunicipalitySpec, UnitSpec, install
from flow.errors import NotFoundError
from flow.municipality import unit_id
from flow.vocabulary import UnitKind
from projections.unit_board import UnitBoard


def board(story: Story, unit: UUID | None = None, now: datetime | None = None) -> UnitBoard:
    story.system.projector.catch_up()
    return UnitBoard.read(
        story.system.engine,
        story.municipality,
        unit or story.unit,
        now or story.now,
        story.system.rates.of(story.municipality),
    )


class TestTheBedGrid:
    def test_every_bed_shows_its_status_and_the_card_of_the_flow_holding_it(
        self, story: Story
    ) -> None:
        staying = story.on_stay(bed="1", patient=KARI)
        coming = story.reserved(bed="3", patient=OLA)
        story.flows.block_bed(story.unit, "2", "Vannskade", by=story.nurse, at=story.tick())

        shown = board(story)

        assert (shown.name, shown.kind, shown.day) == ("Korttid Fjellheim", "rehab", T0.date())
        assert [(s.bed, s.status, s.blocked_reason) for s in shown.beds] == [
            ("1", "occupied", None),
            ("2", "blocked", "Vannskade"),
            ("3", "reserved", None),
        ]
        assert [s.flow.flow_id if s.flow else None for s in shown.beds] == [staying, None, coming]
        card = shown.beds[0].flow
        assert card is not None
        assert (card.name, card.phase, card.unit_name) == (
            "Kari Nordmann",
            "on_stay",
            "Korttid Fjellheim",
        )
        assert shown.free == 0

    def test_a_bed_given_up_shows_free_with_no_card(self, story: Story) -> None:
        flow_id = story.on_stay(bed="2")
        story.flows.move(flow_id, "3", by=story.nurse, at=story.tick())

        shown = board(story)

        assert [(s.bed, s.status, s.flow is None) for s in shown.beds] == [
            ("1", "free", True),
            ("2", "free", True),
            ("3", "occupied", False),
        ]
        assert shown.free == 2

    def test_the_card_counts_the_days_on_the_unit_by_oslo_days(self, story: Story) -> None:
        story.on_stay(bed="1")

        # Half past midnight on Thursday 5 March in Oslo, still Wednesday in UTC.
        (slot, *_) = board(story, now=datetime(2026, 3, 4, 23, 30, tzinfo=UTC)).beds

        assert slot.flow is not None
        assert slot.flow.days_on_unit == 3

    def test_another_units_flows_are_not_on_this_board(self, story: Story) -> None:
        story.on_stay(bed="1", unit=story.other_unit)

        shown = board(story)

        assert {s.status for s in shown.beds} == {"free"}
        assert shown.arrivals == shown.departures == shown.task_lists.rows == []


class TestArrivalsAndDepartures:
    def test_arrivals_are_the_flows_with_a_bed_reserved_here(self, story: Story) -> None:
        coming = story.reserved(bed="2", patient=OLA)
        story.on_stay(bed="1", patient=KARI)

        assert [c.flow_id for c in board(story).arrivals] == [coming]

    def test_departures_are_stays_planned_to_end_today_or_tomorrow(self, story: Story) -> None:
        today = story.planned_home(story.today(0), bed="1", patient=KARI)
        tomorrow = story.planned_home(story.today(1), bed="2", patient=OLA)
        story.planned_home(story.today(2), bed="3", patient=INGRID)

        assert [c.flow_id for c in board(story).departures] == [today, tomorrow]

    def test_a_discharged_patient_is_gone_from_the_board(self, story: Story) -> None:
        story.discharged_home(story.today(0), bed="1", patient=KNUT)

        shown = board(story)

        assert shown.arrivals == shown.departures == []
        assert shown.beds[0].flow is None


class TestTheUnitsTasks:
    def test_the_unit_sees_what_it_must_do_and_what_it_must_confirm(self, story: Story) -> None:
        flow_id = story.reserved()
        rows = story.tasks(flow_id)
        story.flows.complete_task(
            flow_id, rows["health_information"]["task_id"], "", by=story.office, member_of=[],
            at=story.tick(),
        )  # fmt: skip

        shown = board(story)

        assert {t.title for t in shown.task_lists.to_do} == {
            "Legemiddelliste avstemt",
            "Rommet klargjort",
        }
        assert [(t.title, t.status) for t in shown.task_lists.to_confirm] == [
            ("Helseopplysninger mottatt fra sykehuset", "completed")
        ]
        assert shown.task_lists.waiting_for_others == []
        keys = [(t.due_at, t.task_id) for t in shown.task_lists.to_do]
        assert keys == sorted(keys)
        assert {(t.flow_id, t.name) for t in shown.task_lists.rows} == {(flow_id, "Kari Nordmann")}
        # The bed says whose the patient's open loops are: three the unit's, the rest others'.
        (slot,) = [s for s in shown.beds if s.flow is not None and s.flow.flow_id == flow_id]
        assert slot.here == 3 and slot.flow is not None
        assert slot.flow.open_loops > slot.here
        office = [r for r in story.tasks(flow_id).values() if r["owner_unit"] is None]
        open_for_office = [r for r in office if r["status"] == "open"]
        assert slot.flow.office_loops == len(open_for_office)

    def test_a_receiver_does_not_see_a_loop_before_the_owner_is_done(self, story: Story) -> None:
        story.reserved()

        shown = board(story).task_lists

        assert "Helseopplysninger mottatt fra sykehuset" not in {t.title for t in shown.rows}
        assert shown.to_confirm == shown.waiting_for_others == []

    def test_closed_and_cancelled_tasks_leave_the_board(self, story: Story) -> None:
        flow_id = story.reserved()
        rows = story.tasks(flow_id)
        story.flows.complete_task(
            flow_id, rows["medication_list"]["task_id"], "", by=story.nurse,
            member_of=[story.unit], at=story.tick(),
        )  # fmt: skip

        assert [t.title for t in board(story).task_lists.rows] == ["Rommet klargjort"]

        story.flows.cancel_reservation(flow_id, "", by=story.office, at=story.tick())

        assert board(story).task_lists.rows == []

    def test_an_overdue_task_shows_as_overdue(self, story: Story) -> None:
        story.reserved()
        story.system.record_overdue_loops(story.tick(hours=13))

        overdue = {t.title: t.overdue for t in board(story).task_lists.rows}

        assert overdue == {"Rommet klargjort": True, "Legemiddelliste avstemt": False}


class TestWhatIsNotAUnit:
    def test_a_zone_has_no_unit_board(self, story: Story) -> None:
        with pytest.raises(NotFoundError):
            board(story, unit=story.zone)

    def test_another_municipalitys_unit_has_no_board_here(self, story: Story) -> None:
        neighbour = MunicipalitySpec(
            number="9995",
            name="Nabo",
            units=[UnitSpec(code="NABO", name="Nabo korttid", kind=UnitKind.REHAB, beds=1)],
            zones=[],
            users=[],
        )
        install(story.flows, story.system.accounts, story.system.grants, neighbour, T0)

        theirs = unit_id(neighbour.id, "NABO")
        engine, rates = story.system.engine, story.system.rates.of(story.municipality)

        with pytest.raises(NotFoundError):
            board(story, unit=theirs)
        assert UnitBoard.read(engine, neighbour.id, theirs, story.now, rates).name == "Nabo korttid"
