"""The boards' JSON reads as they stood at a past moment, `?per=` (issue 28): what stood then,
no command offered, the moment checked, the access rules of today, each past view in the
access log with the moment, and an erased patient erased in the past too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from support.command_line import run
from support.erasure_story import NAME, NATIONAL_ID, opened_with_notes, with_admin
from support.world import World

from access.access_log import access_log
from boards.services.erasure import erase_patient, flows_of_patient
from flow.municipality import municipality_id
from flow.vocabulary import ERASED

#: The world's clock starts on Monday 2 March 2026 at 08:00 UTC: 09:00 in Oslo.
PATIENT = {"national_id": "01018012371", "name": "Kari Nordmann", "source": "hospital"}
LATER = {"national_id": "15898912342", "name": "Ola Hansen", "source": "hospital"}


def opened(w: World, patient: dict[str, str]) -> str:
    body = {**patient, "location": "St. Olav", "need": "rehabilitering"}
    response = w.client.post("/api/v1/flows", json=body, headers=w.headers())
    assert response.status_code == 201, response.text
    flow_id: str = response.json()["id"]
    return flow_id


def cards_of(board: dict[str, Any]) -> list[dict[str, Any]]:
    columns = ("in_hospital", "ready", "waiting_for_bed", "on_stay", "going_home")
    return [card for column in columns for card in board[column]]


def looks(w: World) -> list[tuple[str, str]]:
    with w.system.engine.connect() as db:
        rows = db.execute(select(access_log.c.view, access_log.c.flow_id).order_by(access_log.c.id))
        return [(view, str(flow_id)) for view, flow_id in rows]


def test_the_allocation_board_as_of_a_moment_shows_what_stood_then_and_no_command(
    world: World,
) -> None:
    first = opened(world, PATIENT)
    world.clock.advance(hours=2)
    opened(world, LATER)
    reserved = {"unit_id": str(world.unit("KORT")), "bed": "1"}
    decided = {"service": "short_term_stay", "unit_id": reserved["unit_id"]}
    for path, body in [("decision", {**decided, "starts_on": "2026-03-03"})]:
        response = world.client.post(
            f"/api/v1/flows/{first}/{path}", json=body, headers=world.headers()
        )
        assert response.status_code == 200, response.text
    world.clock.advance(hours=1)

    now = world.client.get("/api/v1/boards/allocation", headers=world.headers()).json()
    past = world.client.get(
        "/api/v1/boards/allocation?per=2026-03-02T09:30", headers=world.headers()
    )
    assert past.status_code == 200, past.text
    then = past.json()
    assert [c["name"] for c in cards_of(then)] == ["Kari Nordmann"]
    assert cards_of(then)[0]["decision_service"] is None
    assert {c["name"] for c in cards_of(now)} == {"Kari Nordmann", "Ola Hansen"}
    assert all(c["allowed"] for c in cards_of(now))
    assert not any(c["allowed"] for c in cards_of(then))
    assert looks(world)[-1] == ("per/api/tildeling@2026-03-02T09:30", first)


def test_the_moment_is_oslo_time_passed_and_after_the_municipality_began(world: World) -> None:
    opened(world, PATIENT)
    world.clock.advance(hours=1)
    for moment, status in [
        ("i går", 422),
        ("2026-03-02", 422),
        ("2026-03-02T09:30+01:00", 422),
        ("2026-03-02T10:30", 422),  # 09:30 UTC: half an hour from now
        ("2026-03-02T08:59", 404),  # 07:59 UTC: before the municipality was set up
        ("2026-03-02T09:00", 200),
    ]:
        response = world.client.get(
            f"/api/v1/boards/allocation?per={moment}", headers=world.headers()
        )
        assert response.status_code == status, (moment, response.text)
    refused = world.client.get("/api/v1/boards/allocation?per=2026-03-02T10:30")
    assert refused.status_code == 401


def test_a_nurse_sees_the_past_of_her_own_unit_only(world: World) -> None:
    opened(world, PATIENT)
    world.clock.advance(hours=1)
    nurse = world.headers("sykepleier")
    at = "?per=2026-03-02T09:30"
    own = world.client.get(f"/api/v1/boards/units/{world.unit('KORT')}{at}", headers=nurse)
    assert own.status_code == 200, own.text
    other = world.client.get(f"/api/v1/boards/units/{world.unit('UTRED')}{at}", headers=nurse)
    assert other.status_code == 403
    office = world.client.get(f"/api/v1/boards/allocation{at}", headers=nurse)
    assert office.status_code == 403
    neighbour = world.unit("ANNEN", "9997")
    theirs = world.client.get(f"/api/v1/boards/units/{neighbour}{at}", headers=world.headers())
    assert theirs.status_code in (403, 404)


def test_an_erased_patient_is_erased_in_the_past_too(world: World) -> None:
    """A snapshot stored with her name is dropped by the erasure; the past board made again
    from the log reads her as erased."""
    with_admin(world)
    opened_with_notes(world)
    world.clock.advance(days=1)
    opened(world, LATER)  # after the moment: the read stops here, past a midnight
    world.system.past.snapshot_every = 1
    at = "?per=2026-03-03T08:00"
    before = world.client.get(f"/api/v1/boards/allocation{at}", headers=world.headers())
    assert NAME in before.text
    assert world.system.past.snapshot_positions()  # the midnight of 3 March, with her name

    admin = world.accounts.find("admin")
    assert admin is not None
    nine_nine = municipality_id("9998")
    flows = flows_of_patient(world.system, nine_nine, NATIONAL_ID)
    erase_patient(world.system, NATIONAL_ID, flows, admin, "Lovlig krav", world.clock())

    assert world.system.past.snapshot_positions() == []
    after = world.client.get(f"/api/v1/boards/allocation{at}", headers=world.headers())
    assert after.status_code == 200, after.text
    assert NAME not in after.text and "Slettemark" not in after.text
    assert NATIONAL_ID not in after.text
    assert [c["name"] for c in cards_of(after.json())] == [ERASED]


def test_a_rebuild_drops_the_snapshots_and_the_past_is_made_again_alike(
    world: World, database_url: str
) -> None:
    opened(world, PATIENT)
    world.clock.advance(days=1)
    opened(world, LATER)
    world.system.past.snapshot_every = 1
    at = "?per=2026-03-03T08:00"
    before = world.client.get(f"/api/v1/boards/allocation{at}", headers=world.headers()).json()
    assert world.system.past.snapshot_positions()

    rebuilt = run(database_url, "rebuild", "flow_cards")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert world.system.past.snapshot_positions() == []
    after = world.client.get(f"/api/v1/boards/allocation{at}", headers=world.headers()).json()
    assert after == before
