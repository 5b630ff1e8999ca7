"""GET /api/v1/tasks: the viewer's three lists, per role, on both stores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from access.accounts import Role
from flow.municipality import municipality_id

if TYPE_CHECKING:
    from support.world import World

HERE = municipality_id("9998")
PATIENT = {
    "national_id": "01018012371",
    "name": "Kari Nordmann",
    "source": "hospital",
    "location": "Sykehuset, med. avd.",
    "need": "Rehabilitering",
}


def reserved(world: World) -> str:
    """A hospital patient with bed 1 on KORT reserved: four handover loops open."""
    office, kort = world.headers(), str(world.unit("KORT"))
    flow_id: str = world.client.post("/api/v1/flows", json=PATIENT, headers=office).json()["id"]
    decision = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-03"}
    world.client.post(f"/api/v1/flows/{flow_id}/decision", json=decision, headers=office)
    reservation = {"unit_id": kort, "bed": "1"}
    world.client.post(f"/api/v1/flows/{flow_id}/reservation", json=reservation, headers=office)
    return flow_id


def lists(world: World, username: str) -> dict[str, list[dict[str, Any]]]:
    answer = world.client.get("/api/v1/tasks", headers=world.headers(username))
    assert answer.status_code == 200, answer.text
    body: dict[str, list[dict[str, Any]]] = answer.json()
    return body


def titles(rows: list[dict[str, Any]]) -> list[str]:
    return [row["title"] for row in rows]


def by_title(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    return next(row for row in rows if row["title"] == title)


def test_the_office_and_the_unit_each_list_what_they_owe_in_due_order(world: World) -> None:
    flow_id = reserved(world)
    office, nurse = lists(world, "saksbehandler"), lists(world, "sykepleier")
    assert set(office) == {"to_do", "to_confirm", "waiting_for_others"}
    assert office["to_confirm"] == [] and office["waiting_for_others"] == []
    assert nurse["to_confirm"] == [] and nurse["waiting_for_others"] == []
    room = by_title(nurse["to_do"], "Rommet klargjort")
    assert room["actions"] == ["complete"] and room["flow_id"] == flow_id
    assert room["name"] == "Kari Nordmann" and room["bed"] == "1" and room["in_hospital"]
    assert "Rommet klargjort" not in titles(office["to_do"])
    for rows in (office["to_do"], nurse["to_do"]):
        assert all(row["actions"] == ["complete"] for row in rows)
        keys = [(row["due_at"], row["task_id"]) for row in rows]
        assert keys == sorted(keys)


def test_a_done_task_waits_for_its_receiver_and_comes_back_with_the_reason(world: World) -> None:
    reserved(world)
    room = by_title(lists(world, "sykepleier")["to_do"], "Rommet klargjort")["task_id"]
    nurse = world.headers("sykepleier")
    assert (
        world.client.post(f"/api/v1/tasks/{room}/completion", json={}, headers=nurse).status_code
        == 200
    )
    waiting = lists(world, "sykepleier")["waiting_for_others"]
    assert [(r["task_id"], r["actions"]) for r in waiting] == [(room, [])]
    to_confirm = lists(world, "saksbehandler")["to_confirm"]
    assert [(r["task_id"], r["actions"]) for r in to_confirm] == [(room, ["acknowledge", "reject"])]
    reason = {"reason": "Sengen er ikke redd opp"}
    world.client.post(f"/api/v1/tasks/{room}/rejection", json=reason, headers=world.headers())
    back = by_title(lists(world, "sykepleier")["to_do"], "Rommet klargjort")
    assert back["returned"]["reason"] == "Sengen er ikke redd opp"
    assert back["returned"]["by_name"] == "S" and back["returned"]["at"]
    assert lists(world, "saksbehandler")["to_confirm"] == []
    world.client.post(f"/api/v1/tasks/{room}/completion", json={}, headers=nurse)
    again = lists(world, "sykepleier")["waiting_for_others"]
    assert [(r["task_id"], r["returned"]) for r in again] == [(room, None)]


def test_a_home_care_user_lists_only_her_zones_tasks(world: World) -> None:
    world.accounts.add_user(
        HERE, "hjemme", Role.HOMECARE, "H", None, [world.unit("NORD")], at=world.clock()
    )
    world.tokens["hjemme"] = world.accounts.issue_token("hjemme", at=world.clock())
    reserved(world)
    assert lists(world, "hjemme") == {"to_do": [], "to_confirm": [], "waiting_for_others": []}


def test_leaders_and_admins_have_no_task_lists_and_other_municipalities_see_none(
    world: World,
) -> None:
    reserved(world)
    for role in (Role.LEADER, Role.ADMIN):
        world.accounts.add_user(HERE, role.value, role, role.value, None, [], at=world.clock())
        world.tokens[role.value] = world.accounts.issue_token(role.value, at=world.clock())
        refused = world.client.get("/api/v1/tasks", headers=world.headers(role.value))
        assert refused.status_code == 403
        assert refused.json()["code"] == "no_tasks_for_role"
    neighbour = lists(world, "saksbehandler2")
    assert neighbour == {"to_do": [], "to_confirm": [], "waiting_for_others": []}
