"""The patient's page, `/tildeling/forlop/{id}`, on both stores: the allocation office sees
it whole; a nurse with a care relation sees it without the office's parts and with the
commands of her role; without a relation, for a leader or an admin, or from another
municipality it answers as the flow's JSON read does (404). Each showing is in the access
log under its own view; an erased patient's page shows nothing of who she was."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from uuid import UUID

from fastapi.testclient import TestClient
from lxml import html
from support.api_client import KARI, Api, reserved_flow
from support.erasure_story import with_admin
from support.logins import NURSE_PASSWORD, csrf_token_of, log_in

from boards.services.erasure import erase_patient

if TYPE_CHECKING:
    from support.world import World

PASSWORDS = {"saksbehandler": "pw-1", "sykepleier": NURSE_PASSWORD, "saksbehandler2": "pw-3"}


def client_of(w: World, username: str) -> TestClient:
    """A browser of its own, logged in as the user."""
    client = TestClient(w.client.app)
    assert log_in(client, username, PASSWORDS.get(username, "pw")).status_code == 303
    return client


def page_of(w: World, username: str, flow_id: str) -> tuple[int, str]:
    response = client_of(w, username).get(f"/tildeling/forlop/{flow_id}")
    return response.status_code, response.text


def looked(api: Api, flow_id: str) -> list[tuple[str, str]]:
    return [(e["user_name"], e["view"]) for e in api.get(f"/flows/{flow_id}/access-log").json()]


def test_the_office_sees_the_whole_page_and_it_is_in_the_access_log(world: World) -> None:
    api = Api(world)
    flow_id = api.on_stay()
    api.get(f"/flows/{flow_id}", user="sykepleier")

    status, page = page_of(world, "saksbehandler", flow_id)

    assert status == 200
    assert "Kari Nordmann" in page and f"{KARI[:6]} {KARI[6:]}" in page
    assert "Korttid Test · seng 1" in page
    assert "Seng reservert: Korttid Test, seng 1" in page and "Ankomst registrert" in page
    assert 'id="patient-messages"' in page and 'id="patient-access-log"' in page
    assert "N (sykepleier)" in page  # the reader, named, with her role
    assert ("S (saksbehandler)", "pasientside") in looked(api, flow_id)


def test_a_nurse_with_a_relation_sees_the_page_without_the_office_s_parts(world: World) -> None:
    api = Api(world)
    flow_id = api.on_stay()

    status, page = page_of(world, "sykepleier", flow_id)

    assert status == 200 and "Kari Nordmann" in page
    assert 'id="patient-access-log"' not in page and 'id="patient-messages"' not in page
    # The flow allows a decision, a move, a plan, a readmission, a flag and closing: her role
    # gives the move, the plan and the flag, on her unit's patient.
    assert "Handlinger (3)" in page
    forms = client_of(world, "sykepleier").get(f"/tildeling/forlop/{flow_id}/handlinger").text
    summaries = re.findall(r"<summary>([^<]+)</summary>", forms)
    assert summaries == ["Flytte til annen seng", "Planlegge utskrivning", "Sette risikoflagg"]
    assert ("N (sykepleier)", "pasientside") in looked(api, flow_id)


def test_without_a_relation_the_page_answers_as_the_flow_s_read(world: World) -> None:
    api = Api(world)
    elsewhere = api.decided_for("UTRED")
    with_admin(world)

    for username in ("sykepleier", "leder", "admin", "saksbehandler2"):
        status, page = page_of(world, username, elsewhere)
        read = api.get(f"/flows/{elsewhere}", user=username).status_code
        assert (status, read) == (404, 404), username
        assert "Kari Nordmann" not in page
    assert looked(api, elsewhere) == []


def test_a_task_s_history_shows_it_sent_back_with_the_reason_and_closed(world: World) -> None:
    flow_id, tasks = reserved_flow(world)
    task = tasks["health_information"]  # the office's, confirmed by the unit
    office, nurse = world.actor(), world.actor("sykepleier")
    kort, now, flows = [world.unit("KORT")], world.clock(), world.flows
    flows.complete_task(_id(flow_id), _id(task), "", by=office, member_of=[], at=now)
    flows.reject_task(
        _id(flow_id), _id(task), "Mangler doseringer", by=nurse, member_of=kort, at=now
    )
    flows.complete_task(_id(flow_id), _id(task), "Sendt på nytt", by=office, member_of=[], at=now)
    flows.acknowledge_task(_id(flow_id), _id(task), by=nurse, member_of=kort, at=now)

    status, page = page_of(world, "saksbehandler", flow_id)

    assert status == 200
    (story,) = re.findall(
        rf'<li class="task[^"]*" id="patient-task-{task}">(.*?)</li>\s*</ol>', page, re.S
    )
    steps = re.findall(r'<li class="step step-(\w+)">', story)
    assert steps == [
        "TaskOpened",
        "TaskCompleted",
        "TaskRejected",
        "TaskCompleted",
        "TaskAcknowledged",
    ]
    assert "sendt tilbake · N (sykepleier)" in story and "Mangler doseringer" in story
    assert "Oppgave sendt tilbake: Helseopplysninger mottatt" in page


def test_a_patient_who_went_home_and_was_closed_keeps_the_page(world: World) -> None:
    api = Api(world)
    flow_id = api.on_stay()
    plan = {"on": "2026-03-05", "destination": "home", "zone_id": api.unit_id("NORD")}
    for path, body in [("discharge-plan", plan), ("discharge", {}), ("home-care-start", {})]:
        api.command(flow_id, path, body)
    api.command(flow_id, "closing", {"reason": "completed"})

    status, page = page_of(world, "saksbehandler", flow_id)

    assert status == 200 and "Kari Nordmann" in page
    for said in ("Utskrivning planlagt", "Skrevet ut", "Hjemmetjenester startet"):
        assert said in page
    assert "Forløpet avsluttet: fullført" in page


def test_an_erased_patient_s_page_shows_nothing_of_who_she_was(world: World) -> None:
    api = Api(world)
    flow_id = api.on_stay()
    with_admin(world)
    admin = world.accounts.find("admin")
    assert admin is not None
    erase_patient(world.system, KARI, [_id(flow_id)], admin, "Lovlig krav", world.clock())

    status, page = page_of(world, "saksbehandler", flow_id)

    assert status == 200 and "[slettet]" in page
    for secret in ("Kari", "Nordmann", KARI, KARI[:6], "hoftebrudd", "Ahus"):
        assert secret not in page, secret


def test_a_nurse_commands_from_the_page_and_a_refusal_shows_in_place(world: World) -> None:
    api = Api(world)
    flow_id = api.on_stay()
    client = client_of(world, "sykepleier")
    page = f"/tildeling/forlop/{flow_id}"
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
    token = csrf_token_of(client, page)

    flagged = client.post(
        f"{page}/safety-flags",
        data={"csrf_token": token, "flag": "fall"},
        headers=headers,
        follow_redirects=False,
    )
    closing = client.post(
        f"{page}/closing", data={"csrf_token": token, "reason": "completed"}, headers=headers
    )

    assert (flagged.status_code, flagged.headers["location"]) == (303, page)
    assert api.flow(flow_id)["safety_flags"] == ["fall"]
    assert (closing.status_code, closing.headers["HX-Retarget"]) == (403, f"#refusal-{flow_id}")
    assert "Din rolle kan ikke avslutte forløpet" in closing.text
    assert api.flow(flow_id)["phase"] == "on_stay"


def task_forms(page: str, task_id: str) -> list[str]:
    """What the page's row of the task offers: the last word of each form's action."""
    row = html.fromstring(page).get_element_by_id(f"patient-task-{task_id}")
    return [form.get("action").rsplit("/", 1)[1] for form in row.iter("form")]


def test_each_party_works_its_task_from_the_patient_s_page(world: World) -> None:
    flow_id, tasks = reserved_flow(world)
    health, room = tasks["health_information"], tasks["room_ready"]  # office → unit, unit → office
    office, nurse = client_of(world, "saksbehandler"), client_of(world, "sykepleier")
    page = f"/tildeling/forlop/{flow_id}"
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}

    first = office.get(page).text
    assert (task_forms(first, health), task_forms(first, room)) == (["utfort"], [])
    assert (task_forms(nurse.get(page).text, health), task_forms(nurse.get(page).text, room)) == (
        [],
        ["utfort"],
    )
    done = office.post(
        f"/oppgaver/{health}/utfort",
        data={"csrf_token": csrf_token_of(office, page)},
        headers=headers,
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (303, page)  # the page again
    assert task_forms(office.get(page).text, health) == []
    assert task_forms(nurse.get(page).text, health) == ["bekreftet", "avvist"]
    unreasoned = nurse.post(
        f"/oppgaver/{health}/avvist",
        data={"csrf_token": csrf_token_of(nurse, page), "reason": " "},
        headers=headers,
    )
    assert unreasoned.headers["HX-Retarget"] == f"#refusal-task-{health}"
    assert f'id="refusal-task-{health}"' in nurse.get(page).text  # where it shows


def _id(text: str) -> UUID:
    return UUID(text)


def test_the_boards_lead_to_the_page_and_offer_only_what_the_role_gives(world: World) -> None:
    api = Api(world)
    reserved = api.decided_for("KORT")
    api.command(reserved, "reservation", {"unit_id": api.unit_id("KORT"), "bed": "2"})
    nurse = client_of(world, "sykepleier")

    board = nurse.get(f"/enheter/{world.unit('KORT')}").text

    bed = board[board.index('id="bed-2"') : board.index('id="bed-3"')]
    arrival = board[board.index(f'id="arrival-{reserved}"') :]
    for part in (bed, arrival):
        assert f'href="/tildeling/forlop/{reserved}"' in part
        assert f'hx-get="/tildeling/forlop/{reserved}/bekreft/arrival' in part  # asked first
    # The flow also allows cancelling the reservation and closing: the office's, not hers.
    given_here = r'(?:hx-post="/tildeling/forlop/[^/]+|hx-get="/tildeling/forlop/[^/]+/bekreft)/'
    assert re.findall(given_here + r"([\w/-]+)", bed) == ["arrival"]
    assert "Handlinger (1)" in bed  # the risk flag
