"""The two attacks of issue 22's finding 2, on a history built by hand through the API, on
both stores: a day's count as the difference of two periods ending a day apart, and one
stay's length out of two periods' means. Both now give nothing: a period is whole months
that are over, so periods ending on two days of one month are the same months, and every
cell is that month's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support.admin_world import admin_world  # noqa: F401  (a fixture)
from support.leader_figures import command, ready_patient
from support.world import World


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    return admin_world


def answer(w: World, query: str) -> dict[str, Any]:
    response = w.client.get(f"/api/v1/figures{query}", headers=w.headers("leder"))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def rows(found: dict[str, Any], key: str) -> dict[str, list[Any]]:
    table = next(t for t in found["tables"] if t["key"] == key)
    return {r["label"]: r["values"] for r in table["rows"]}


def stays_of_march(w: World) -> None:
    """Three patients declared ready in February, so that February has figures of its own.
    In March four declared ready on 2 March and placed on KORT: three stay 5 days (5–10
    March), the fourth arrives on 11 March at 10:00 and leaves 8.79 days later, early on
    20 March. One more declared ready on 20 March: D, the day of the attack."""
    kort = str(w.unit("KORT"))
    w.clock.now = datetime(2026, 2, 10, 8, tzinfo=UTC)
    for n in range(3):
        ready_patient(w, 100 + n)
    w.clock.now = datetime(2026, 3, 2, 8, tzinfo=UTC)
    flows = [ready_patient(w, n) for n in range(4)]
    for bed, flow_id in enumerate(flows, start=1):
        command(w, flow_id, "hospital-answer", {"can_receive": True, "note": ""})
        decision = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-05"}
        command(w, flow_id, "decision", decision)
        command(w, flow_id, "reservation", {"unit_id": kort, "bed": str(bed)})
    w.clock.now = datetime(2026, 3, 5, 8, tzinfo=UTC)
    for flow_id in flows[:3]:
        command(w, flow_id, "arrival")
    w.clock.now = datetime(2026, 3, 10, 8, tzinfo=UTC)
    for flow_id in flows[:3]:
        command(w, flow_id, "discharge-plan", {"on": "2026-03-10", "destination": "long_term_care"})
        command(w, flow_id, "discharge")
    w.clock.now = datetime(2026, 3, 11, 9, tzinfo=UTC)
    command(w, flows[3], "arrival")
    w.clock.now += timedelta(days=8.79)  # 20 March, 03:57 UTC
    command(w, flows[3], "discharge-plan", {"on": "2026-03-20", "destination": "long_term_care"})
    command(w, flows[3], "discharge")
    w.clock.now = datetime(2026, 3, 20, 10, tzinfo=UTC)
    ready_patient(w, 4)


def test_a_period_ending_on_a_day_and_one_ending_the_day_before_are_the_same_months(
    w: World,
) -> None:
    """Before, [1st, D] less [1st, D−1] was D's own count: one declared ready on 20 March,
    shown as "<3" nowhere but exact as 5 − 4."""
    stays_of_march(w)
    w.clock.now = datetime(2026, 3, 21, 12, tzinfo=UTC)  # March still in progress
    to_d = answer(w, "?from=2026-02-01&to=2026-03-20")
    to_d_before = answer(w, "?from=2026-02-01&to=2026-03-19")
    assert to_d == to_d_before
    assert to_d["months"] == ["2026-02"]  # the last whole month; March is not over
    assert not [t["key"] for t in to_d["tables"] if "2026-03" in t["columns"]]

    w.clock.now = datetime(2026, 4, 2, 12, tzinfo=UTC)  # March is over
    to_d = answer(w, "?from=2026-03-01&to=2026-03-20")
    assert to_d == answer(w, "?from=2026-03-01&to=2026-03-19") == answer(w, "?from=2026-03")
    assert rows(to_d, "answers")["Meldt utskrivningsklar"] == [5]  # the whole month's


def test_one_stays_length_cannot_be_had_from_two_periods_means(w: World) -> None:
    """Before, periods to 19 and to 20 March held 3 and 4 stays ended, with means of 5.0
    and 5.9 days: 4 × 5.9 − 3 × 5.0 = 8.6, the fourth stay's 8.79 days. Now both are March,
    whose cells are the month's four stays."""
    stays_of_march(w)
    w.clock.now = datetime(2026, 4, 2, 12, tzinfo=UTC)
    to_d_before = answer(w, "?from=2026-03-01&to=2026-03-19")
    to_d = answer(w, "?from=2026-03-01&to=2026-03-20")
    assert to_d == to_d_before
    assert rows(to_d, "length_of_stay") == {
        "Rehabilitering: avsluttede opphold": [4],
        "Rehabilitering: median døgn": [5.0],
        "Rehabilitering: snitt døgn": [5.9],
        "Utredning: avsluttede opphold": [0],
        "Utredning: median døgn": [None],
        "Utredning: snitt døgn": [None],
    }
    # No period tells March's stays apart: February and March together hold the same cell.
    both = answer(w, "?from=2026-02&to=2026-03")
    assert [v[1] for v in rows(both, "length_of_stay").values()] == [
        v[0] for v in rows(to_d, "length_of_stay").values()
    ]
