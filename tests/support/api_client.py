"""The JSON API as the tests call it: the test world through HTTP, valid synthetic identity
numbers, and the bodies most stories start with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx2 as httpx

from flow.national_id import with_check_digits

if TYPE_CHECKING:
    from support.world import World

API = "/api/v1"


def synthetic_national_ids() -> list[str]:
    """Valid synthetic test numbers (month + 80), as in the national test data."""
    found = []
    for day in range(1, 29):
        for individual in range(100, 110):
            number = with_check_digits(f"{day:02d}8545{individual:03d}")
            if number is not None:
                found.append(number)
    return found


NATIONAL_IDS = synthetic_national_ids()
KARI = NATIONAL_IDS[0]


@dataclass
class Api:
    """The test world seen through HTTP, with the few words these tests repeat."""

    world: World

    def post(
        self,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        user: str | None = "saksbehandler",
        if_match: str | int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if user is not None:
            sent.update(self.world.headers(user))
        if if_match is not None:
            sent["If-Match"] = str(if_match)
        return self.world.client.post(f"{API}{path}", json=body or {}, headers=sent)

    def get(self, path: str, *, user: str | None = "saksbehandler") -> httpx.Response:
        headers = self.world.headers(user) if user is not None else {}
        return self.world.client.get(f"{API}{path}", headers=headers)

    def open_flow(self, source: str = "hospital", national_id: str = KARI) -> str:
        response = self.post("/flows", referral(source=source, national_id=national_id))
        assert response.status_code == 201, response.text
        flow_id: str = response.json()["id"]
        return flow_id

    def command(self, flow_id: str, path: str, body: dict[str, Any] | None = None) -> int:
        response = self.post(f"/flows/{flow_id}/{path}", body)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == flow_id
        version: int = response.json()["version"]
        return version

    def flow(self, flow_id: str) -> dict[str, Any]:
        response = self.get(f"/flows/{flow_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def events(self, flow_id: str) -> list[str]:
        response = self.get(f"/flows/{flow_id}/history")
        assert response.status_code == 200, response.text
        return [entry["event"] for entry in response.json()]

    def flow_events(self, flow_id: str) -> list[str]:
        """The flow's own events, without the closed-loop tasks they opened or closed and
        the notes of what hospital messages said."""
        return [
            name
            for name in self.events(flow_id)
            if not name.startswith("Task") and name != "HospitalMessageNoted"
        ]

    def bed(self, unit_code: str, bed: str) -> dict[str, Any]:
        response = self.get("/units")
        assert response.status_code == 200, response.text
        (unit,) = [u for u in response.json() if u["code"] == unit_code]
        (found,) = [b for b in unit["beds"] if b["name"] == bed]
        return {"status": found["status"], "flow_id": found["flow_id"]}

    def recorded(self) -> int:
        """How many events the whole log holds, for every aggregate."""
        return self.world.flows.recorder.max_notification_id() or 0

    def unit_id(self, code: str, number: str = "9998") -> str:
        return str(self.world.unit(code, number))

    def decided_for(self, unit_code: str = "KORT", source: str = "hospital") -> str:
        flow_id = self.open_flow(source)
        self.command(flow_id, "decision", short_term_stay(self.unit_id(unit_code)))
        return flow_id

    def on_stay(self, bed: str = "1") -> str:
        flow_id = self.decided_for("KORT")
        self.command(flow_id, "reservation", {"unit_id": self.unit_id("KORT"), "bed": bed})
        self.command(flow_id, "arrival")
        return flow_id


def referral(**changes: Any) -> dict[str, Any]:
    body = {
        "national_id": KARI,
        "name": "Kari Nordmann",
        "source": "hospital",
        "location": "Ahus, medisinsk avdeling",
        "need": "Rehabilitering etter hoftebrudd",
    }
    body.update(changes)
    return body


def short_term_stay(unit_id: str) -> dict[str, Any]:
    return {"service": "short_term_stay", "unit_id": unit_id, "starts_on": "2026-03-03"}


HOSPITAL_PATIENT = {
    "national_id": "01018012371",
    "name": "Kari Nordmann",
    "source": "hospital",
    "location": "Sykehuset, med. avd.",
    "need": "Rehabilitering",
}


def reserved_flow(world: World) -> tuple[str, dict[str, str]]:
    """A hospital patient with bed 1 on KORT reserved; the flow id and its task ids by key."""
    client, office, kort = world.client, world.headers(), str(world.unit("KORT"))
    flow_id = client.post("/api/v1/flows", json=HOSPITAL_PATIENT, headers=office).json()["id"]
    decision = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-03"}
    for path, body in [("decision", decision), ("reservation", {"unit_id": kort, "bed": "1"})]:
        response = client.post(f"/api/v1/flows/{flow_id}/{path}", json=body, headers=office)
        assert response.status_code == 200, response.text
    flow = client.get(f"/api/v1/flows/{flow_id}", headers=office).json()
    return flow_id, {t["task"]["key"]: t["task"]["id"] for t in flow["tasks"]}
