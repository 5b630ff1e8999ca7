"""The access log on both stores: every look at a patient's identity is written by the
request that showed it, and the allocation office can list who saw a flow."""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import event, func, select
from support.logins import log_in
from support.world import World

import access.access_log
from access.access_log import access_log, access_log_by_flow
from access.accounts import User
from access.database import insert_rows
from boards.web.sessions import SESSION_COOKIE

PATIENT = {
    "national_id": "01018012371",
    "name": "Kari Nordmann",
    "source": "hospital",
    "location": "Sykehuset",
    "need": "Rehabilitering",
}


def reserved_on_kort(w: World) -> str:
    office = w.headers()
    flow_id: str = w.client.post("/api/v1/flows", json=PATIENT, headers=office).json()["id"]
    kort = str(w.unit("KORT"))
    decision = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-03"}
    for path, body in [("decision", decision), ("reservation", {"unit_id": kort, "bed": "1"})]:
        response = w.client.post(f"/api/v1/flows/{flow_id}/{path}", json=body, headers=office)
        assert response.status_code == 200, response.text
    return flow_id


def looks(w: World, flow_id: str) -> list[dict[str, Any]]:
    response = w.client.get(f"/api/v1/flows/{flow_id}/access-log", headers=w.headers())
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def user_id(w: World, username: str) -> str:
    found = w.accounts.find(username)
    assert found is not None
    return str(found.id)


def test_each_read_that_shows_the_patient_is_logged_with_its_view_and_basis(world: World) -> None:
    flow_id = reserved_on_kort(world)
    assert looks(world, flow_id) == []  # commands show no identity

    world.client.get(f"/api/v1/flows/{flow_id}", headers=world.headers())
    world.client.get(
        f"/api/v1/boards/units/{world.unit('KORT')}", headers=world.headers("sykepleier")
    )
    world.client.get(f"/api/v1/flows/{flow_id}/history", headers=world.headers("sykepleier"))

    seen = [(e["user_id"], e["view"], e["basis"]) for e in looks(world, flow_id)]
    office, nurse = user_id(world, "saksbehandler"), user_id(world, "sykepleier")
    assert seen == [
        (nurse, "api/historikk", "relation"),
        (nurse, "api/enhet", "relation"),
        (office, "api/forløp", "role"),
    ]
    assert all(e["at"].startswith("2026-03-02T08:00:00") for e in looks(world, flow_id))


def test_the_json_names_each_reader_and_role_beside_the_user_id(world: World) -> None:
    flow_id = reserved_on_kort(world)
    world.client.get(f"/api/v1/flows/{flow_id}", headers=world.headers("sykepleier"))
    world.client.get(f"/api/v1/flows/{flow_id}", headers=world.headers())

    named = [
        (e["user_id"], e["user_name"], e["role"], e["role_name"]) for e in looks(world, flow_id)
    ]

    office, nurse = user_id(world, "saksbehandler"), user_id(world, "sykepleier")
    assert named == [
        (office, "S (saksbehandler)", "allocation", "tildelingskontor"),
        (nurse, "N (sykepleier)", "nurse", "sykepleier"),
    ]


def test_a_board_of_many_patients_is_one_write_of_one_row_each(world: World) -> None:
    first, second = reserved_on_kort(world), None
    patient = {**PATIENT, "national_id": "01018012452", "name": "Ola Nordmann"}
    second = world.client.post("/api/v1/flows", json=patient, headers=world.headers()).json()["id"]
    statements: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "access_log" in statement and statement.lstrip().upper().startswith("INSERT"):
            statements.append(statement)

    event.listen(world.system.engine, "before_cursor_execute", count)
    try:
        world.client.get("/api/v1/boards/allocation", headers=world.headers())
    finally:
        event.remove(world.system.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    for flow_id in (first, second):
        assert [e["view"] for e in looks(world, flow_id)] == ["api/tildeling"]


def test_the_wall_shows_initials_only_and_logs_nothing(world: World) -> None:
    flow_id = reserved_on_kort(world)
    user = world.accounts.find("sykepleier")
    assert user is not None
    session = world.system.sessions.start(user, world.clock())
    wall = world.client.get(
        f"/enheter/{world.unit('KORT')}/vegg", headers={"Cookie": f"{SESSION_COOKIE}={session}"}
    )
    assert wall.status_code == 200 and "Kari Nordmann" not in wall.text
    assert looks(world, flow_id) == []


def test_only_the_allocation_office_lists_who_saw_a_flow(world: World) -> None:
    flow_id = reserved_on_kort(world)
    nurse = world.client.get(
        f"/api/v1/flows/{flow_id}/access-log", headers=world.headers("sykepleier")
    )
    assert nurse.status_code == 403
    neighbour = world.client.get(
        f"/api/v1/flows/{flow_id}/access-log", headers=world.headers("saksbehandler2")
    )
    assert neighbour.status_code == 404


def test_the_page_names_who_saw_the_patient_and_how(world: World) -> None:
    flow_id = reserved_on_kort(world)
    world.client.get(
        f"/api/v1/boards/units/{world.unit('KORT')}", headers=world.headers("sykepleier")
    )
    assert log_in(world.client, "saksbehandler", "pw-1").status_code == 303
    page = world.client.get(f"/tildeling/forlop/{flow_id}/tilgangslogg")
    assert page.status_code == 200
    assert "Hvem har sett Kari Nordmann" in page.text
    assert "N (sykepleier)" in page.text and "pasientrelasjon" in page.text
    assert "api/enhet" in page.text


# -- who saw a flow: the looks indexed by flow, and the tail of the log not indexed yet ----


def office(w: World) -> User:
    found = w.accounts.find("saksbehandler")
    assert found is not None
    return found


def views(w: World, viewer: User, flow_id: UUID) -> list[str]:
    return [look.view for look in w.system.access_log.of_flow(viewer.municipality_id, flow_id)]


def indexed(w: World) -> int:
    with w.system.engine.connect() as db:
        return db.scalar(select(func.count()).select_from(access_log_by_flow)) or 0


def test_who_saw_a_flow_reads_the_index_and_the_tail_not_yet_indexed(world: World) -> None:
    log, viewer, at = world.system.access_log, office(world), world.clock()
    first, second = uuid4(), uuid4()
    log.record(viewer, [first, second], "board 1", at)
    log.record(viewer, [second], "card 2", at)
    assert views(world, viewer, first) == ["board 1"]  # all in the tail

    log.index_by_flow()
    assert indexed(world) == 3
    log.record(viewer, [first, second], "board 3", at)
    assert views(world, viewer, first) == ["board 3", "board 1"]  # indexed, then the tail
    assert views(world, viewer, second) == ["board 3", "card 2", "board 1"]

    log.index_by_flow()
    log.index_by_flow()
    assert indexed(world) == 5
    assert views(world, viewer, first) == ["board 3", "board 1"]
    assert views(world, viewer, second) == ["board 3", "card 2", "board 1"]
    neighbour = world.accounts.find("saksbehandler2")
    assert neighbour is not None
    assert views(world, neighbour, first) == []  # another municipality's office


def test_a_long_tail_is_indexed_in_batches_of_its_own(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access.access_log, "INDEX_BATCH", 2)
    log, viewer, at = world.system.access_log, office(world), world.clock()
    flows = [uuid4() for _ in range(5)]
    log.record(viewer, flows, "board", at)
    log.index_by_flow()
    assert indexed(world) == 5
    assert all(views(world, viewer, flow_id) == ["board"] for flow_id in flows)


def test_a_look_still_being_written_while_the_index_runs_is_not_lost(world: World) -> None:
    """PostgreSQL draws a look's id before its commit: a write under way may commit after a
    later one, and must not fall below what the index claims to hold."""
    log, viewer, at = world.system.access_log, office(world), world.clock()
    early, late = uuid4(), uuid4()
    row = {
        "municipality_id": viewer.municipality_id,
        "flow_id": early,
        "user_id": viewer.id,
        "role": viewer.role,
        "view": "early",
        "basis": "role",
        "at": at,
    }
    with world.system.engine.connect() as db:
        db.begin()
        insert_rows(db, access_log, [row])  # a view's write, not committed yet
        later = threading.Thread(target=log.record, args=(viewer, [late], "late", at))
        indexer = threading.Thread(target=log.index_by_flow)
        later.start()
        time.sleep(0.3)  # PostgreSQL: the later look is committed, SQLite: waits for ours
        indexer.start()
        time.sleep(0.3)
        db.commit()
    later.join()
    indexer.join()
    log.index_by_flow()
    assert views(world, viewer, early) == ["early"]
    assert views(world, viewer, late) == ["late"]


def test_servers_indexing_at_once_index_each_look_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access.access_log, "INDEX_BATCH", 150)
    log, viewer, at = world.system.access_log, office(world), world.clock()
    flows = [uuid4() for _ in range(100)]
    for view in range(20):
        log.record(viewer, flows, f"board {view}", at)
    indexers = [threading.Thread(target=log.index_by_flow) for _ in range(3)]
    for indexer in indexers:
        indexer.start()
    for indexer in indexers:
        indexer.join()
    assert indexed(world) == 2000
    assert views(world, viewer, flows[0]) == [f"board {view}" for view in reversed(range(20))]
