"""The leaders' figures as the tests reach them: a patient declared ready through the API,
a command on a flow, and the figures of whole months as {figure: {row: values}}."""

from __future__ import annotations

import random
from typing import Any

from support.world import World

from fixtures.demo import synthetic_national_id

RATE_2026 = 5745  # the latest national rate known (2024) is paid in later years


def command(w: World, flow_id: str, path: str, body: dict[str, Any] | None = None) -> None:
    response = w.client.post(
        f"/api/v1/flows/{flow_id}/{path}", json=body or {}, headers=w.headers()
    )
    assert response.status_code in (200, 201), (path, response.text)


def ready_patient(w: World, number: int) -> str:
    patient = {
        "national_id": synthetic_national_id(random.Random(number)),
        "name": f"Pasient Nummer{number}",
        "source": "hospital",
        "location": "Sykehuset",
        "need": "Rehabilitering",
    }
    response = w.client.post("/api/v1/flows", json=patient, headers=w.headers())
    assert response.status_code == 201, response.text
    flow_id: str = response.json()["id"]
    command(w, flow_id, "ready-for-discharge", {"estimate": False})
    return flow_id


def figures(w: World, query: str = "?from=2026-03&to=2026-03") -> dict[str, Any]:
    response = w.client.get(f"/api/v1/figures{query}", headers=w.headers("leder"))
    assert response.status_code == 200, response.text
    return {
        t["key"]: {r["label"]: r["values"] for r in t["rows"]} for t in response.json()["tables"]
    }


def answer_three_on_time_and_some_late(w: World, first: int, late: int) -> None:
    """Patients declared ready now: the office answers three the same day (on time: the
    loop is due at the day's end) and `late` of them the next morning."""
    flows = [ready_patient(w, n) for n in range(first, first + 3 + late)]
    w.clock.advance(hours=2)
    for flow_id in flows[:3]:
        command(w, flow_id, "hospital-answer", {"can_receive": False, "note": ""})
    w.clock.advance(days=1)
    for flow_id in flows[3:]:
        command(w, flow_id, "hospital-answer", {"can_receive": False, "note": ""})
