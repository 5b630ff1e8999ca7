"""The daily rate of a hospital waiting day, set per municipality by its admin: the boards'
cost and the leaders' figures count with it; the national rates stand until then."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.admin_world import (  # noqa: F401  (admin_world is a fixture)
    ADMIN_PASSWORD,
    admin_world,
    audit_actions,
)
from support.logins import csrf_token_of, log_in
from support.world import World

from fixtures.demo import synthetic_national_id

RATES = "/api/v1/admin/daily-rates"
PATIENT = {
    "national_id": "01018012371",
    "name": "Kari Nordmann",
    "source": "hospital",
    "location": "Sykehuset",
    "need": "Rehabilitering",
}


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    return admin_world


def three_ready_for_two_days(w: World) -> None:
    office = w.headers()
    for n in range(3):
        patient = {**PATIENT, "national_id": synthetic_national_id(random.Random(n))}
        flow_id = w.client.post("/api/v1/flows", json=patient, headers=office).json()["id"]
        path = f"/api/v1/flows/{flow_id}/ready-for-discharge"
        assert w.client.post(path, json={"estimate": False}, headers=office).status_code == 200
    w.clock.advance(days=1)


def costs_on_the_board(w: World) -> list[int]:
    board: dict[str, Any] = w.client.get("/api/v1/boards/allocation", headers=w.headers()).json()
    return [
        c["cost_so_far"] for column in board.values() if isinstance(column, list) for c in column
    ]


def cost_in_the_figures(w: World) -> Any:
    """March's cost in the figures, read on 1 April (the figures count months that are
    over); the clock goes back after."""
    now, w.clock.now = w.clock.now, datetime(2026, 4, 1, 10, tzinfo=UTC)
    try:
        query = "/api/v1/figures?from=2026-03&to=2026-03"
        figures = w.client.get(query, headers=w.headers("leder")).json()
    finally:
        w.clock.now = now
    waiting = {t["key"]: t for t in figures["tables"]}["waiting"]
    return {r["label"]: r["values"] for r in waiting["rows"]}["Kostnad (kr)"]


def rates(w: World, user: str = "admin") -> dict[int, int]:
    response = w.client.get(RATES, headers=w.headers(user))
    assert response.status_code == 200, response.text
    return {r["year"]: r["rate"] for r in response.json()}


def test_a_rate_set_for_the_year_prices_the_waiting_days_here_and_not_next_door(w: World) -> None:
    three_ready_for_two_days(w)  # 2 and 3 March 2026: no rate for 2026 yet, so 2024's
    assert rates(w)[2024] == 5745 and 2026 not in rates(w)
    assert costs_on_the_board(w) == [2 * 5745] * 3
    assert cost_in_the_figures(w) == [90 * 5745.0]  # 2–31 March for each of three

    response = w.client.put(f"{RATES}/2026", json={"rate": 6120}, headers=w.headers("admin"))
    assert response.status_code == 200, response.text
    assert costs_on_the_board(w) == [2 * 6120] * 3
    assert cost_in_the_figures(w) == [90 * 6120.0]
    assert rates(w, "admin2").get(2026) is None  # the neighbour's rates are its own
    assert "daily_rate.written" in audit_actions(w)


def test_a_wrong_rate_or_year_or_role_records_nothing(w: World) -> None:
    before = rates(w)
    for path, body in [
        (f"{RATES}/2026", {"rate": 0}),
        (f"{RATES}/2026", {"rate": "mange"}),
        (f"{RATES}/1999", {"rate": 5000}),
        (f"{RATES}/2026", {"rate": 5000, "year": 2026}),
    ]:
        assert w.client.put(path, json=body, headers=w.headers("admin")).status_code == 422
    for role in ("saksbehandler", "leder", "sykepleier"):
        refused = w.client.put(f"{RATES}/2026", json={"rate": 5000}, headers=w.headers(role))
        assert refused.status_code == 403
    assert rates(w) == before


def test_the_admin_sets_a_rate_on_the_page(w: World) -> None:
    client = TestClient(w.client.app)
    assert log_in(client, "admin", ADMIN_PASSWORD).status_code == 303
    token = csrf_token_of(client, "/admin/dognpris")
    refused = client.post(
        "/admin/dognpris", data={"year": "2026", "rate": "-1", "csrf_token": token}
    )
    assert refused.status_code == 422 and "refusal" in refused.text
    saved = client.post(
        "/admin/dognpris",
        data={"year": "2026", "rate": "6120", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get("/admin/dognpris").text
    assert "6\u00a0120" in page or "6 120" in page
