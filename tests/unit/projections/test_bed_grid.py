"""`BedGrid`: given unit and flow events, the units and every bed with who holds it."""

from __future__ import annotations

from support.projection_story import INGRID, OLA, Story

from flow.vocabulary import ClosingReason, UnitKind
from projections.bed_grid import beds, units


class TestWhenPlacesAreRegistered:
    def test_a_unit_has_a_row_with_its_code_name_kind_and_bed_count(self, story: Story) -> None:
        (row,) = story.rows(units, units.c.unit_id == story.unit)

        assert row == {
            "unit_id": story.unit,
            "municipality_id": story.municipality,
            "code": "KORT",
            "name": "Korttid Fjellheim",
            "kind": "rehab",
            "beds": 3,
        }

    def test_every_bed_starts_free_in_the_order_it_was_named(self, story: Story) -> None:
        rows = story.rows(beds, beds.c.unit_id == story.other_unit)

        assert sorted((r["position"], r["bed"], r["status"], r["flow_id"]) for r in rows) == [
            (0, "1", "free", None),
            (1, "2", "free", None),
            (2, "3", "free", None),
        ]

    def test_a_zone_is_a_place_without_beds(self, story: Story) -> None:
        (row,) = story.rows(units, units.c.unit_id == story.zone)

        assert (row["kind"], row["beds"], row["name"]) == ("home_care_zone", 0, "Sone Nord")
        assert story.rows(beds, beds.c.unit_id == story.zone) == []

    def test_a_unit_registered_later_joins_the_grid(self, story: Story) -> None:
        new_unit = story.flows.register_unit(
            "LIND", "Lindring", UnitKind.PALLIATIVE, ["A", "B"], by=story.office, at=story.tick()
        )

        assert story.beds(new_unit) == {"A": ("free", None), "B": ("free", None)}
        assert len(story.rows(units, units.c.municipality_id == story.municipality)) == 5


class TestWhenABedIsHeld:
    def test_a_reservation_holds_the_bed_for_the_flow(self, story: Story) -> None:
        flow_id = story.reserved(bed="2")

        assert story.beds() == {
            "1": ("free", None),
            "2": ("reserved", flow_id),
            "3": ("free", None),
        }

    def test_arrival_occupies_the_reserved_bed(self, story: Story) -> None:
        flow_id = story.on_stay(bed="3")

        assert story.beds()["3"] == ("occupied", flow_id)

    def test_a_move_frees_the_old_bed_and_occupies_the_new_one(self, story: Story) -> None:
        flow_id = story.on_stay(bed="1")
        story.flows.move(flow_id, "2", by=story.nurse, at=story.tick())

        assert story.beds() == {
            "1": ("free", None),
            "2": ("occupied", flow_id),
            "3": ("free", None),
        }

    def test_beds_of_two_units_are_held_apart(self, story: Story) -> None:
        here = story.on_stay(bed="1")
        there = story.reserved(bed="1", patient=OLA, unit=story.other_unit)

        assert story.beds(story.unit)["1"] == ("occupied", here)
        assert story.beds(story.other_unit)["1"] == ("reserved", there)


class TestWhenABedIsGivenUp:
    def test_a_cancelled_reservation_frees_the_bed(self, story: Story) -> None:
        flow_id = story.reserved(bed="2")
        story.flows.cancel_reservation(flow_id, "Angret", by=story.office, at=story.tick())

        assert story.beds()["2"] == ("free", None)

    def test_a_discharge_frees_the_bed(self, story: Story) -> None:
        story.discharged_home(story.today(1), bed="3")

        assert story.beds()["3"] == ("free", None)

    def test_a_readmission_frees_the_bed(self, story: Story) -> None:
        flow_id = story.on_stay(bed="2")
        story.flows.readmit(flow_id, "Haukeland", by=story.nurse, at=story.tick())

        assert story.beds()["2"] == ("free", None)

    def test_closing_the_flow_frees_the_bed(self, story: Story) -> None:
        flow_id = story.reserved(bed="1")
        story.flows.close_flow(flow_id, ClosingReason.DIED, "", by=story.office, at=story.tick())

        assert story.beds()["1"] == ("free", None)

    def test_a_freed_bed_can_be_held_by_the_next_patient(self, story: Story) -> None:
        first = story.reserved(bed="1")
        story.flows.cancel_reservation(first, "", by=story.office, at=story.tick())
        second = story.on_stay(bed="1", patient=INGRID)

        assert story.beds()["1"] == ("occupied", second)


class TestWhenABedIsBlocked:
    def test_a_blocked_bed_shows_the_reason(self, story: Story) -> None:
        story.flows.block_bed(story.unit, "2", "Vannskade", by=story.nurse, at=story.tick())

        (row,) = story.rows(beds, beds.c.unit_id == story.unit, beds.c.bed == "2")

        assert (row["status"], row["flow_id"], row["blocked_reason"]) == (
            "blocked",
            None,
            "Vannskade",
        )

    def test_unblocking_frees_the_bed_and_forgets_the_reason(self, story: Story) -> None:
        story.flows.block_bed(story.unit, "2", "Vannskade", by=story.nurse, at=story.tick())
        story.flows.unblock_bed(story.unit, "2", by=story.nurse, at=story.tick())

        (row,) = story.rows(beds, beds.c.unit_id == story.unit, beds.c.bed == "2")

        assert (row["status"], row["flow_id"], row["blocked_reason"]) == ("free", None, None)

    def test_blocking_one_bed_leaves_the_others_alone(self, story: Story) -> None:
        flow_id = story.on_stay(bed="1")
        story.flows.block_bed(story.unit, "3", "Smitte", by=story.nurse, at=story.tick())

        assert story.beds() == {
            "1": ("occupied", flow_id),
            "2": ("free", None),
            "3": ("blocked", None),
        }


def test_the_grid_agrees_with_the_units_after_a_busy_day(story: Story) -> None:
    kari = story.on_stay(bed="1")
    ola = story.reserved(bed="2", patient=OLA)
    story.flows.move(kari, "3", by=story.nurse, at=story.tick())
    story.flows.block_bed(story.unit, "1", "Maling", by=story.nurse, at=story.tick())
    story.flows.cancel_reservation(ola, "", by=story.office, at=story.tick())
    story.on_stay(bed="2", patient=INGRID, unit=story.other_unit)

    for unit in (story.unit, story.other_unit):
        view = story.flows.unit(unit, story.office)
        assert story.beds(unit) == {bed.name: (bed.status, bed.flow_id) for bed in view.beds}
    (blocked,) = story.rows(beds, beds.c.status == "blocked")
    assert (blocked["unit_id"], blocked["bed"], blocked["blocked_reason"]) == (
        story.unit,
        "1",
        "Maling",
    )
