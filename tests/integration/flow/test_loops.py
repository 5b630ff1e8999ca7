"""Closed loops over HTTP and the deadline process, on both stores."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from boards.services.system import open_system
from boards.settings import Settings
from fixtures import CHECKLISTS_FILE

if TYPE_CHECKING:
    from support.world import World

HOSPITAL_PATIENT = {
    "national_id": "01018012371",
    "name": "Kari Nordmann",
    "source": "hospital",
    "location": "Sykehuset, med. avd.",
    "need": "Rehabilitering",
}


def reserved(world: World) -> tuple[str, dict[str, dict[str, Any]]]:
    """A hospital patient with bed 1 on KORT reserved; the flow id and its tasks by key."""
    client, office = world.client, world.headers()
    flow_id = client.post("/api/v1/flows", json=HOSPITAL_PATIENT, headers=office).json()["id"]
    decision = {
        "service": "short_term_stay",
        "unit_id": str(world.unit("KORT")),
        "starts_on": "2026-03-03",
    }
    assert (
        client.post(f"/api/v1/flows/{flow_id}/decision", json=decision, headers=office).status_code
        == 200
    )
    reservation = {"unit_id": str(world.unit("KORT")), "bed": "1"}
    assert (
        client.post(
            f"/api/v1/flows/{flow_id}/reservation", json=reservation, headers=office
        ).status_code
        == 200
    )
    return flow_id, tasks_of(world, flow_id)


def tasks_of(world: World, flow_id: str) -> dict[str, dict[str, Any]]:
    flow = world.client.get(f"/api/v1/flows/{flow_id}", headers=world.headers()).json()
    return {t["task"]["key"]: t for t in flow["tasks"]}


def overdue_events(world: World, flow_id: str) -> list[str]:
    history = world.client.get(f"/api/v1/flows/{flow_id}/history", headers=world.headers())
    return [e["data"]["task_id"] for e in history.json() if e["event"] == "TaskOverdue"]


def test_reserving_a_bed_opens_the_four_handover_tasks_with_parties_and_due_times(
    world: World,
) -> None:
    _, tasks = reserved(world)
    kort = str(world.unit("KORT"))
    assert set(tasks) == {
        "health_information",
        "medication_list",
        "relatives_informed",
        "room_ready",
    }
    assert tasks["room_ready"]["task"]["owner"] == {"unit_id": kort}
    assert tasks["room_ready"]["task"]["receiver"] == {"unit_id": None}
    assert tasks["health_information"]["task"]["receiver"] == {"unit_id": kort}
    assert tasks["room_ready"]["task"]["due_at"] == "2026-03-02T20:00:00Z"
    assert {t["status"] for t in tasks.values()} == {"open"}


def test_a_loop_stays_open_until_the_receiver_acknowledges(world: World) -> None:
    flow_id, tasks = reserved(world)
    room = tasks["room_ready"]["task"]["id"]
    done = world.client.post(
        f"/api/v1/tasks/{room}/completion",
        json={"note": "Vasket"},
        headers=world.headers("sykepleier"),
    )
    assert done.status_code == 200 and done.json()["id"] == flow_id
    assert tasks_of(world, flow_id)["room_ready"]["status"] == "completed"

    acknowledged = world.client.post(
        f"/api/v1/tasks/{room}/acknowledgement", json={}, headers=world.headers()
    )
    assert acknowledged.status_code == 200
    assert tasks_of(world, flow_id)["room_ready"]["status"] == "closed"


def test_a_rejected_task_goes_back_to_its_owner_with_the_reason(world: World) -> None:
    flow_id, tasks = reserved(world)
    info = tasks["health_information"]["task"]["id"]
    world.client.post(f"/api/v1/tasks/{info}/completion", json={}, headers=world.headers())
    rejected = world.client.post(
        f"/api/v1/tasks/{info}/rejection",
        json={"reason": "Epikrisen mangler"},
        headers=world.headers("sykepleier"),
    )
    assert rejected.status_code == 200
    state = tasks_of(world, flow_id)["health_information"]
    assert state["status"] == "open" and state["note"] == "Epikrisen mangler"


def test_wrong_actor_gets_403_wrong_state_409_and_neither_records_anything(world: World) -> None:
    flow_id, tasks = reserved(world)
    info = tasks["health_information"]["task"]["id"]
    before = len(
        world.client.get(f"/api/v1/flows/{flow_id}/history", headers=world.headers()).json()
    )
    not_owner = world.client.post(
        f"/api/v1/tasks/{info}/completion", json={}, headers=world.headers("sykepleier")
    )
    assert not_owner.status_code == 403
    assert "Bare eieren" in not_owner.json()["detail"]
    not_completed = world.client.post(
        f"/api/v1/tasks/{info}/acknowledgement", json={}, headers=world.headers("sykepleier")
    )
    assert not_completed.status_code == 409
    assert "åpen" in not_completed.json()["detail"]
    empty_reason = world.client.post(
        f"/api/v1/tasks/{info}/rejection", json={"reason": " "}, headers=world.headers("sykepleier")
    )
    assert empty_reason.status_code == 422
    after = world.client.get(f"/api/v1/flows/{flow_id}/history", headers=world.headers())
    assert len(after.json()) == before


def test_a_task_of_another_municipality_does_not_exist_for_its_users(world: World) -> None:
    _, tasks = reserved(world)
    room = tasks["room_ready"]["task"]["id"]
    answer = world.client.post(
        f"/api/v1/tasks/{room}/completion", json={}, headers=world.headers("saksbehandler2")
    )
    assert answer.status_code == 404
    unknown = world.client.post(
        "/api/v1/tasks/00000000-0000-4000-8000-000000000000/completion",
        json={},
        headers=world.headers(),
    )
    assert unknown.status_code == 404


def test_the_deadline_process_records_overdue_once_after_the_due_time(world: World) -> None:
    flow_id, tasks = reserved(world)
    world.clock.advance(hours=11)
    assert world.system.record_overdue_loops(world.clock()) == 0
    world.clock.advance(hours=1)
    assert world.system.record_overdue_loops(world.clock()) == 1
    assert overdue_events(world, flow_id) == [tasks["room_ready"]["task"]["id"]]
    world.clock.advance(hours=13)
    assert world.system.record_overdue_loops(world.clock()) == 3
    assert world.system.record_overdue_loops(world.clock()) == 0
    assert len(overdue_events(world, flow_id)) == 4
    assert all(t["overdue"] for t in tasks_of(world, flow_id).values())


def test_two_deadline_runners_at_once_record_one_overdue_per_task(
    world: World, database_url: str
) -> None:
    flow_ids = []
    for bed in ("1", "2", "3", "4"):
        flow_id, _ = reserved_in_bed(world, bed)
        flow_ids.append(flow_id)
    other = open_system(Settings(database_url=database_url))
    later = world.clock() + timedelta(days=2)
    start = threading.Barrier(2)
    marked: list[int] = []

    def run(system: Any) -> None:
        start.wait()
        marked.append(system.record_overdue_loops(later))

    threads = [threading.Thread(target=run, args=(s,)) for s in (world.system, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.close()

    assert sum(marked) == 16
    for flow_id in flow_ids:
        overdue = overdue_events(world, flow_id)
        assert len(overdue) == len(set(overdue)) == 4


def reserved_in_bed(world: World, bed: str) -> tuple[str, dict[str, dict[str, Any]]]:
    client, office = world.client, world.headers()
    flow_id = client.post("/api/v1/flows", json=HOSPITAL_PATIENT, headers=office).json()["id"]
    decision = {
        "service": "short_term_stay",
        "unit_id": str(world.unit("KORT")),
        "starts_on": "2026-03-03",
    }
    client.post(f"/api/v1/flows/{flow_id}/decision", json=decision, headers=office)
    client.post(
        f"/api/v1/flows/{flow_id}/reservation",
        json={"unit_id": str(world.unit("KORT")), "bed": bed},
        headers=office,
    )
    return flow_id, tasks_of(world, flow_id)


def test_replay_after_editing_the_template_file_gives_the_same_tasks(
    world: World, database_url: str, tmp_path: Path
) -> None:
    flow_id, before = reserved(world)
    edited = tmp_path / "sjekklister.yaml"
    edited.write_text(
        CHECKLISTS_FILE.read_text("utf-8")
        .replace("Rommet klargjort", "Rom og seng klargjort")
        .replace("hours: 12", "hours: 2"),
        "utf-8",
    )
    replayed = open_system(Settings(database_url=database_url, checklists_file=edited))
    try:
        view = replayed.flows.flow(
            world.flows.flow(__import__("uuid").UUID(flow_id), world.actor()).id, world.actor()
        )
    finally:
        replayed.close()
    after = {state.task.key: state for state in view.tasks}
    assert after["room_ready"].task.title == before["room_ready"]["task"]["title"]
    assert after["room_ready"].task.title == "Rommet klargjort"
    assert str(after["room_ready"].task.id) == before["room_ready"]["task"]["id"]
