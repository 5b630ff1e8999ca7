"""The leaders' waiting-day figures count by the payment clock (forskrift § 13, as the
ministry reads it), through the API on both stores: only the days the municipality pays, each
at its year's rate, split by month; and the days avoided by telling the hospital that an
offer is ready. Three patients in each story, so no count is hidden; each read once its
months are over."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support.admin_world import admin_world  # noqa: F401  (a fixture)
from support.leader_figures import RATE_2026, command, figures, ready_patient
from support.world import World

from boards.web.translations import translator

WAITING_FIGURES = ("waiting", "answers", "days_avoided")
APRIL = datetime(2026, 4, 1, 10, tzinfo=UTC)  # March is over


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    return admin_world


def three_ready(w: World) -> list[str]:
    """Three patients declared ready now."""
    return [ready_patient(w, n) for n in range(3)]


def answer(w: World, flows: list[str], can_receive: bool, **days: str) -> None:
    for flow_id in flows:
        command(w, flow_id, "hospital-answer", {"can_receive": can_receive, "note": "", **days})


def set_rates(w: World, rates: dict[int, int]) -> None:
    for year, rate in rates.items():
        path = f"/api/v1/admin/daily-rates/{year}"
        response = w.client.put(path, json={"rate": rate}, headers=w.headers("admin"))
        assert response.status_code == 200, response.text


def test_the_ministrys_example_ready_on_day_1_offer_told_on_day_4_pays_three_days(
    w: World,
) -> None:
    """Declared ready and notified on 2 March, no answer; an offer ready told on 5 March.
    Still in hospital on 1 April, when the figures are read."""
    flows = three_ready(w)
    w.clock.advance(days=3)
    answer(w, flows, can_receive=True)
    w.clock.now = APRIL
    got = figures(w)
    assert got["waiting"] == {
        "Pasienter som ventet": [3],
        "Overliggedøgn (døgn)": [9.0],  # 2, 3 and 4 March for each
        "Kostnad (kr)": [9.0 * RATE_2026],
    }
    assert got["days_avoided"] == {
        "Tilbud klart på utskrivningsklar-dagen": [0],
        "Pasienter med døgn uten betaling": [3],
        "Døgn på sykehus uten betaling (døgn)": [81.0],  # 5–31 March for each
        "Kostnad unngått (kr)": [81.0 * RATE_2026],
    }
    assert got["answers"]["Besvart"] == [3]
    assert got["answers"]["Median til svar (timer)"] == [72.0]


def test_cannot_receive_then_an_offer_pays_up_to_the_offer(w: World) -> None:
    """Ready on 2 March; two hours later the office cannot receive them, expecting an offer
    on 6 March; on 6 March it tells the hospital the offer is ready; they arrive on 9 March."""
    flows = three_ready(w)
    w.clock.advance(hours=2)
    answer(w, flows, can_receive=False, expected_on="2026-03-06")
    w.clock.now = datetime(2026, 3, 6, 9, tzinfo=UTC)
    answer(w, flows, can_receive=True)
    kort = str(w.unit("KORT"))
    for bed, flow_id in enumerate(flows, start=1):
        decision = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-09"}
        command(w, flow_id, "decision", decision)
        command(w, flow_id, "reservation", {"unit_id": kort, "bed": str(bed)})
    w.clock.now = datetime(2026, 3, 9, 9, tzinfo=UTC)
    for flow_id in flows:
        command(w, flow_id, "arrival")
    w.clock.now = APRIL
    got = figures(w)
    # Paid: 2–5 March, 4 days each; not paid: 6–8 March, 3 days each.
    assert got["waiting"]["Overliggedøgn (døgn)"] == [12.0]
    assert got["days_avoided"]["Døgn på sykehus uten betaling (døgn)"] == [9.0]
    assert got["days_avoided"]["Tilbud klart på utskrivningsklar-dagen"] == [0]
    # Timed from the first answer, "cannot receive", not the offer.
    assert got["answers"]["Median til svar (timer)"] == [2.0]
    assert got["answers"]["Kom til kommunal plass"] == [3]


def test_an_offer_withdrawn_starts_the_clock_again_from_that_day(w: World) -> None:
    """An offer ready told on the ready day, 2 March; withdrawn on 4 March (the place was
    lost): the clock runs from 4 March through March, which is over when they are read."""
    flows = three_ready(w)
    w.clock.advance(hours=1)
    answer(w, flows, can_receive=True)
    w.clock.now = datetime(2026, 3, 4, 9, tzinfo=UTC)
    answer(w, flows, can_receive=False)
    w.clock.now = APRIL
    got = figures(w)
    assert got["waiting"]["Overliggedøgn (døgn)"] == [84.0]  # 4–31 March for each
    assert got["waiting"]["Kostnad (kr)"] == [84.0 * RATE_2026]
    assert got["days_avoided"] == {
        "Tilbud klart på utskrivningsklar-dagen": [3],  # the answer in force on 2 March
        "Pasienter med døgn uten betaling": [3],
        "Døgn på sykehus uten betaling (døgn)": [6.0],  # 2 and 3 March
        "Kostnad unngått (kr)": [6.0 * RATE_2026],
    }


def test_a_wait_over_a_month_boundary_counts_each_day_in_its_month(w: World) -> None:
    """Ready on 30 March, no answer; an offer ready told on 1 April; still in hospital when
    the figures are read on 2 May."""
    w.clock.now = datetime(2026, 3, 30, 8, tzinfo=UTC)
    flows = three_ready(w)
    w.clock.now = datetime(2026, 4, 1, 8, tzinfo=UTC)
    answer(w, flows, can_receive=True)
    w.clock.now = datetime(2026, 5, 2, 12, tzinfo=UTC)
    got = figures(w, "?from=2026-03&to=2026-04")
    assert got["waiting"] == {
        "Pasienter som ventet": [3, 3],
        "Overliggedøgn (døgn)": [6.0, 0.0],  # 30 and 31 March; nothing in April
        "Kostnad (kr)": [6.0 * RATE_2026, 0.0],
    }
    assert got["days_avoided"]["Døgn på sykehus uten betaling (døgn)"] == [0.0, 90.0]  # April
    april = figures(w, "?from=2026-04&to=2026-04")
    assert april["waiting"] == {k: v[1:] for k, v in got["waiting"].items()}


def test_a_wait_over_new_year_pays_each_year_its_rate_up_to_the_offer(w: World) -> None:
    """Rates 6,000 (2026) and 6,100 (2027). Ready on 30 December 2026, cannot receive; an
    offer ready told on 2 January 2027; still in hospital when read on 1 February."""
    set_rates(w, {2026: 6000, 2027: 6100})
    w.clock.now = datetime(2026, 12, 30, 8, tzinfo=UTC)
    flows = three_ready(w)
    answer(w, flows, can_receive=False)
    w.clock.now = datetime(2027, 1, 2, 8, tzinfo=UTC)
    answer(w, flows, can_receive=True)
    w.clock.now = datetime(2027, 2, 1, 12, tzinfo=UTC)
    got = figures(w, "?from=2026-12&to=2027-01")
    assert got["waiting"] == {
        "Pasienter som ventet": [3, 3],
        "Overliggedøgn (døgn)": [6.0, 3.0],  # 30, 31 December; 1 January
        "Kostnad (kr)": [6 * 6000.0, 3 * 6100.0],
    }
    assert got["days_avoided"]["Døgn på sykehus uten betaling (døgn)"] == [0.0, 90.0]  # 2–31 Jan
    assert got["days_avoided"]["Kostnad unngått (kr)"] == [0.0, 90 * 6100.0]


def test_the_waiting_figures_titles_and_rows_have_their_english(w: World) -> None:
    flows = three_ready(w)
    answer(w, flows, can_receive=True)
    english = translator("en")
    response = w.client.get("/api/v1/figures", headers=w.headers("leder"))
    tables = [t for t in response.json()["tables"] if t["key"] in WAITING_FIGURES]
    assert len(tables) == len(WAITING_FIGURES)
    texts = [t["title"] for t in tables] + [r["label"] for t in tables for r in t["rows"]]
    assert [t for t in texts if english(t) == t] == []
