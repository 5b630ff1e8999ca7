"""The headline of the leaders' page from histories made through commands, on both stores: a
month against the month before for the whole municipality, each value written out, a value
hidden wherever the figure it comes from hides what would tell a small count."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from support.admin_world import admin_world  # noqa: F401  (a fixture)
from support.leader_figures import (
    RATE_2026,
    answer_three_on_time_and_some_late,
    command,
    ready_patient,
)
from support.world import World

from projections.figures.headline import Headline, read_headline

MAY_DAY = datetime(2026, 5, 1, 10, tzinfo=UTC)  # noon in Oslo
APRIL = date(2026, 4, 1)


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    return admin_world


def headline(w: World, month: date = APRIL) -> dict[str, Headline]:
    leader = w.system.accounts.find("leder")
    assert leader is not None
    w.system.projector.catch_up()
    rates = w.system.rates.of(leader.municipality_id)
    found = read_headline(w.system.engine, leader.municipality_id, month, w.clock(), rates)
    return {h.key: h for h in found}


def written(h: Headline) -> tuple[Any, ...]:
    return (h.month, h.before, h.value, h.previous, h.change)


def test_a_month_against_the_month_before_each_value_written_out(w: World) -> None:
    """2 March: six declared ready, told the municipality cannot receive them, three the
    same day and three the next; 2 April: seven more, three the same day and four the next.
    Nobody leaves hospital: every day from the ready day on is paid."""
    answer_three_on_time_and_some_late(w, 0, late=3)
    w.clock.now = datetime(2026, 4, 2, 7, tzinfo=UTC)
    answer_three_on_time_and_some_late(w, 6, late=4)
    w.clock.now = MAY_DAY
    got = headline(w)
    march = date(2026, 3, 1)
    # March: 6 × 30 days (2–31 March). April: the same six all 30 days, seven × 29 (2–30).
    assert written(got["waiting_days"]) == (APRIL, march, 383.0, 180.0, 203.0)
    assert written(got["waiting_cost"]) == (
        APRIL,
        march,
        383.0 * RATE_2026,
        180.0 * RATE_2026,
        203.0 * RATE_2026,
    )
    # The office's loop to answer the same day: 3 of 6 on time in March, 3 of 7 in April.
    assert written(got["loops_on_time"]) == (APRIL, march, 42.9, 50.0, -7.1)
    assert written(got["occupancy"]) == (APRIL, march, 0.0, 0.0, 0.0)
    # Every loop was answered by 3 April: none overdue now, nor when May began.
    assert written(got["overdue_now"]) == (None, date(2026, 5, 1), 0, 0, 0)
    # On 1 May a discharge of March can no longer be followed by a readmission within 30
    # days, one of April can: March is the last month shown, and nobody was sent home.
    assert written(got["readmissions"]) == (march, date(2026, 2, 1), None, None, None)
    assert [h.key for h in headline(w, date(2026, 3, 1)).values()] == list(got)


def test_the_first_month_with_data_is_compared_with_nothing_not_with_zero(w: World) -> None:
    """The municipality's first flow is of 2 March: February has no figures, and March is
    not "up 180 waiting days" from it."""
    answer_three_on_time_and_some_late(w, 0, late=3)
    w.clock.now = datetime(2026, 4, 2, 7, tzinfo=UTC)
    got = headline(w, date(2026, 3, 1))
    february = date(2026, 2, 1)
    assert written(got["waiting_days"]) == (date(2026, 3, 1), february, 180.0, None, None)
    assert written(got["occupancy"])[3:] == (None, None)
    assert written(got["loops_on_time"]) == (date(2026, 3, 1), february, 50.0, None, None)


def test_a_value_the_figures_hide_is_hidden_and_not_compared(w: World) -> None:
    """March: three answered on time and two late, a small count the loop figures hide. On
    30 April one patient comes to a bed on KORT: one bed-night in April, a small count."""
    answer_three_on_time_and_some_late(w, 0, late=2)
    w.clock.now = datetime(2026, 4, 30, 8, tzinfo=UTC)
    flow_id = ready_patient(w, 9)
    kort = str(w.unit("KORT"))
    command(w, flow_id, "hospital-answer", {"can_receive": True, "note": ""})
    decision = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-04-30"}
    command(w, flow_id, "decision", decision)
    command(w, flow_id, "reservation", {"unit_id": kort, "bed": "1"})
    command(w, flow_id, "arrival")
    w.clock.now = MAY_DAY
    got = headline(w)
    assert (got["loops_on_time"].previous, got["loops_on_time"].change) == (":", None)
    assert (got["occupancy"].value, got["occupancy"].previous) == (":", 0.0)
    assert got["occupancy"].change is None


def test_the_loops_overdue_now_against_those_overdue_when_the_month_began(w: World) -> None:
    """30 March, 09:00 in Oslo: four declared ready, their loops due at the day's end. On
    2 April the office answers one of them: four were overdue when April began, three now."""
    w.clock.now = datetime(2026, 3, 30, 7, tzinfo=UTC)
    flows = [ready_patient(w, n) for n in range(4)]
    w.clock.now = datetime(2026, 4, 2, 10, tzinfo=UTC)
    command(w, flows[0], "hospital-answer", {"can_receive": False, "note": ""})
    overdue = headline(w, date(2026, 3, 1))["overdue_now"]
    assert (overdue.now, *written(overdue)) == (True, None, APRIL, 3, 4, -1)
    w.clock.advance(minutes=1)
    command(w, flows[1], "hospital-answer", {"can_receive": False, "note": ""})
    overdue = headline(w, date(2026, 3, 1))["overdue_now"]
    assert (overdue.value, overdue.previous, overdue.change) == ("<3", 4, None)
