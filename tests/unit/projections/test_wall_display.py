"""`WallDisplay`: given a unit's patients, the corridor screen shows beds and initials only."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import pytest
from support.projection_story import INGRID, KARI, OLA, Story

from flow.errors import NotFoundError
from flow.vocabulary import SafetyFlag
from projections.flow_cards import cards
from projections.wall_display import WallBed, WallDisplay

PATIENTS = (KARI, OLA, INGRID)


def wall(story: Story, unit: UUID | None = None, now: datetime | None = None) -> WallDisplay:
    story.system.projector.catch_up()
    return WallDisplay.read(
        story.system.engine, story.municipality, unit or story.unit, now or story.now
    )


def full_unit(story: Story) -> None:
    """Kari staying, Ola going home today, Ingrid arriving tomorrow."""
    story.on_stay(bed="1", patient=KARI)
    story.planned_home(story.today(0), bed="2", patient=OLA)
    story.reserved(bed="3", patient=INGRID, starts_on=story.today(1))


def test_beds_show_initials_and_whether_someone_comes_or_goes_today(story: Story) -> None:
    full_unit(story)

    shown = wall(story)

    assert (shown.name, shown.day) == ("Korttid Fjellheim", story.today(0))
    assert shown.beds == [
        WallBed("1", "occupied", "K.N.", arrives_today=False, leaves_today=False, overdue=False),
        WallBed("2", "occupied", "O.J.H.", arrives_today=False, leaves_today=True, overdue=False),
        WallBed("3", "reserved", "I.B.", arrives_today=False, leaves_today=False, overdue=False),
    ]


def test_a_bed_whose_patient_has_a_loop_past_due_is_marked_and_counted(story: Story) -> None:
    full_unit(story)
    kari = story.beds()["1"][1]
    assert kari is not None
    later = story.tick(days=30)
    assert story.flows.mark_overdue(kari, at=later) > 0

    shown = wall(story, now=later)

    assert [bed.overdue for bed in shown.beds] == [True, False, False]
    # A month on, Ingrid's arrival and Ola's going home are due and have not happened yet.
    assert (shown.free, shown.arriving, shown.leaving, shown.overdue) == (0, 1, 1, 1)


def test_a_reserved_bed_shows_its_arrival_on_the_day_the_decision_starts(story: Story) -> None:
    story.reserved(bed="1", starts_on=story.today(1))
    tomorrow = datetime.combine(story.today(1), story.now.timetz())

    assert wall(story, now=tomorrow).beds[0].arrives_today is True


def test_free_and_blocked_beds_show_no_one(story: Story) -> None:
    story.flows.block_bed(story.unit, "2", "Smitte", by=story.nurse, at=story.tick())

    shown = wall(story)

    assert [(b.status, b.initials) for b in shown.beds] == [
        ("free", None),
        ("blocked", None),
        ("free", None),
    ]
    assert "Smitte" not in repr(shown)


def test_no_identity_number_full_name_or_free_text_reaches_the_corridor(story: Story) -> None:
    full_unit(story)
    for card in story.rows(cards):
        story.flows.raise_safety_flag(
            card["flow_id"], SafetyFlag.DELIRIUM, by=story.nurse, at=story.tick()
        )

    screen = repr(wall(story))

    for national_id, name in PATIENTS:
        assert national_id not in screen
        assert name not in screen
        for part in name.split():
            assert part not in screen
    for free_text in ("Rehabilitering", "St. Olavs", "delirium"):
        assert free_text not in screen


def test_an_unknown_unit_has_no_wall_display(story: Story) -> None:
    with pytest.raises(NotFoundError):
        wall(story, unit=story.place("FINNES_IKKE"))


def test_a_unit_of_another_municipality_or_a_zone_has_no_wall_display(story: Story) -> None:
    story.system.projector.catch_up()
    with pytest.raises(NotFoundError):
        WallDisplay.read(story.system.engine, uuid4(), story.unit, story.now)
    with pytest.raises(NotFoundError):
        WallDisplay.read(story.system.engine, story.municipality, story.zone, story.now)
