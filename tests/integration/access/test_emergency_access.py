"""Emergency access (nødtilgang) on both stores: one patient, for a reason, for a while,
logged as such and reviewed by a leader; never a wider view than that one patient."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from support.admin_world import (  # noqa: F401  (admin_world is a fixture)
    ADMIN_PASSWORD,
    admin_world,
    audit_actions,
)
from support.logins import csrf_token_of, log_in
from support.world import World

from flow.vocabulary import ERASED

ON_UTRED = {
    "national_id": "01018012371",
    "name": "Kari Nordmann",
    "source": "hospital",
    "location": "Sykehuset",
    "need": "Rehabilitering",
}
ALSO_ON_UTRED = {**ON_UTRED, "national_id": "01018012452", "name": "Ola Nordmann"}
ON_KORT = {**ON_UTRED, "national_id": "15038012379", "name": "Per Hansen"}


def reserved(w: World, patient: dict[str, str], code: str) -> str:
    office = w.headers()
    flow_id: str = w.client.post("/api/v1/flows", json=patient, headers=office).json()["id"]
    unit = str(w.unit(code))
    decision = {"service": "short_term_stay", "unit_id": unit, "starts_on": "2026-03-03"}
    bed = {"unit_id": unit, "bed": "1" if patient is not ALSO_ON_UTRED else "2"}
    for path, body in [("decision", decision), ("reservation", bed)]:
        response = w.client.post(f"/api/v1/flows/{flow_id}/{path}", json=body, headers=office)
        assert response.status_code == 200, response.text
    return flow_id


def open_access(w: World, national_id: str, **body: str) -> Any:
    return w.client.post(
        "/api/v1/emergency-access",
        json={"national_id": national_id, "reason": "akutt", **body},
        headers=w.headers("sykepleier"),
    )


def nurse_reads(w: World, flow_id: str, what: str = "") -> int:
    path = f"/api/v1/flows/{flow_id}{what}"
    status: int = w.client.get(path, headers=w.headers("sykepleier")).status_code
    return status


def uses(w: World) -> list[dict[str, Any]]:
    response = w.client.get("/api/v1/emergency-access/uses", headers=w.headers("leder"))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    return admin_world


def test_a_nurse_opens_one_patient_for_four_hours_and_no_other(w: World) -> None:
    flow_id, other = reserved(w, ON_UTRED, "UTRED"), reserved(w, ALSO_ON_UTRED, "UTRED")
    assert nurse_reads(w, flow_id) == 404  # no care relation: it does not exist for her

    response = open_access(w, ON_UTRED["national_id"], note="Falt i gangen hos oss")
    assert response.status_code == 201, response.text
    grant = response.json()
    assert grant["flow_id"] == flow_id
    assert grant["expires_at"].startswith("2026-03-02T12:00:00")
    assert nurse_reads(w, flow_id) == 200
    assert nurse_reads(w, flow_id, "/history") == 200

    # One patient, to read: not the other patient, not the unit's board, no command.
    assert nurse_reads(w, other) == 404
    nurse = w.headers("sykepleier")
    assert w.client.get(f"/api/v1/boards/units/{w.unit('UTRED')}", headers=nurse).status_code == 403
    own_board = w.client.get(f"/api/v1/boards/units/{w.unit('KORT')}", headers=nurse).text
    assert ON_UTRED["name"] not in own_board
    arrival = w.client.post(f"/api/v1/flows/{flow_id}/arrival", json={"bed": "1"}, headers=nurse)
    assert arrival.status_code == 403
    assert "Nødtilgang gir innsyn" in arrival.json()["detail"]

    w.clock.advance(hours=3, minutes=59)
    assert nurse_reads(w, flow_id) == 200
    w.clock.advance(minutes=1)
    assert nurse_reads(w, flow_id) == 404  # expired on time
    assert w.client.get("/api/v1/emergency-access", headers=nurse).json() == []


def test_each_emergency_look_is_logged_as_such(w: World) -> None:
    flow_id = reserved(w, ON_UTRED, "UTRED")
    open_access(w, ON_UTRED["national_id"])
    nurse_reads(w, flow_id)
    nurse_reads(w, flow_id, "/history")
    log = w.client.get(f"/api/v1/flows/{flow_id}/access-log", headers=w.headers()).json()
    assert [(e["view"], e["basis"]) for e in log] == [
        ("api/historikk", "emergency"),
        ("api/forløp", "emergency"),
    ]


def test_what_emergency_access_refuses_records_nothing(w: World) -> None:
    on_kort = reserved(w, ON_KORT, "KORT")
    reserved(w, ON_UTRED, "UTRED")
    already = open_access(w, ON_KORT["national_id"])
    assert already.status_code == 409
    assert "ser allerede" in already.json()["detail"]
    assert nurse_reads(w, on_kort) == 200

    nobody = open_access(w, "24048012562")  # valid, but no such patient here
    assert nobody.status_code == 404
    assert "Fant ingen pasient" in nobody.json()["detail"]
    assert audit_actions(w).count("emergency_access.not_found") == 1  # probing leaves a trace

    no_reason = open_access(w, ON_UTRED["national_id"], reason="annet")
    assert no_reason.status_code == 422
    assert "annet" in no_reason.text
    assert open_access(w, "0101801237").status_code == 422
    assert open_access(w, ON_UTRED["national_id"], reason="kjedelig").status_code == 422
    for role in ("saksbehandler", "leder", "admin"):
        refused = w.client.post(
            "/api/v1/emergency-access",
            json={"national_id": ON_UTRED["national_id"], "reason": "akutt"},
            headers=w.headers(role),
        )
        assert refused.status_code == 403, role
    assert uses(w) == []


def test_a_leader_reviews_each_use_and_sees_no_patient(w: World) -> None:
    flow_id = reserved(w, ON_UTRED, "UTRED")
    open_access(w, ON_UTRED["national_id"], reason="vakt", note="Dekker Utredning i natt")
    response = w.client.get("/api/v1/emergency-access/uses", headers=w.headers("leder"))
    for identity in (flow_id, ON_UTRED["national_id"], ON_UTRED["name"]):
        assert identity not in response.text
    (use,) = response.json()
    assert (use["reason"], use["note"], use["overdue"]) == (
        "vakt",
        "Dekker Utredning i natt",
        False,
    )
    assert use["user_id"] == str(w.actor("sykepleier").user_id)

    w.clock.advance(days=7, minutes=1)
    (use,) = uses(w)
    assert use["overdue"] is True

    path = f"/api/v1/emergency-access/{use['id']}/review"
    leader = w.headers("leder")
    assert w.client.post(path, json={"comment": " "}, headers=leader).status_code == 422
    assert (
        w.client.post(path, json={"comment": "OK"}, headers=w.headers("sykepleier")).status_code
        == 403
    )
    done = w.client.post(
        path, json={"comment": "Riktig bruk, natt med én sykepleier"}, headers=leader
    )
    assert done.status_code == 200, done.text
    assert (done.json()["overdue"], done.json()["review_comment"]) == (
        False,
        "Riktig bruk, natt med én sykepleier",
    )
    assert w.client.post(path, json={"comment": "Igjen"}, headers=leader).status_code == 409
    unknown = "/api/v1/emergency-access/00000000-0000-4000-8000-000000000000/review"
    assert w.client.post(unknown, json={"comment": "OK"}, headers=leader).status_code == 404


def test_a_leader_lists_what_one_user_looked_at_without_whom(w: World) -> None:
    on_kort, on_utred = reserved(w, ON_KORT, "KORT"), reserved(w, ON_UTRED, "UTRED")
    open_access(w, ON_UTRED["national_id"])
    for flow_id in (on_kort, on_utred, on_kort):
        assert nurse_reads(w, flow_id) == 200
    nurse = w.actor("sykepleier").user_id
    response = w.client.get(f"/api/v1/users/{nurse}/looks", headers=w.headers("leder"))
    assert response.status_code == 200, response.text
    for identity in (on_kort, on_utred, ON_KORT["name"], ON_UTRED["national_id"]):
        assert identity not in response.text
    assert [(e["patient"], e["basis"]) for e in response.json()] == [
        (1, "relation"),
        (2, "emergency"),
        (1, "relation"),
    ]
    yesterday = w.client.get(
        f"/api/v1/users/{nurse}/looks?from=2026-02-01&to=2026-03-01", headers=w.headers("leder")
    )
    assert yesterday.json() == []
    backwards = f"/api/v1/users/{nurse}/looks?from=2026-03-02&to=2026-03-01"
    assert w.client.get(backwards, headers=w.headers("leder")).status_code == 422
    neighbour = w.actor("saksbehandler2").user_id
    elsewhere = w.client.get(f"/api/v1/users/{neighbour}/looks", headers=w.headers("leder"))
    assert elsewhere.status_code == 404
    mine = w.client.get(f"/api/v1/users/{nurse}/looks", headers=w.headers("sykepleier"))
    assert mine.status_code == 403


def test_the_reason_written_is_erased_with_the_patient(w: World) -> None:
    flow_id = reserved(w, ON_UTRED, "UTRED")
    open_access(w, ON_UTRED["national_id"], note="Kari Nordmann falt")
    w.system.flows.erase_identity(UUID(flow_id), "Begjæring", by=w.actor(), at=w.clock())
    (use,) = uses(w)
    assert use["note"] == ERASED


def as_user(w: World, username: str, password: str) -> TestClient:
    client = TestClient(w.client.app)
    assert log_in(client, username, password).status_code == 303
    return client


def test_the_nurse_opens_a_patient_from_the_page_and_it_closes_on_time(w: World) -> None:
    flow_id = reserved(w, ON_UTRED, "UTRED")
    nurse = as_user(w, "sykepleier", "pw-2")
    assert "Nødtilgang" in nurse.get("/enheter/" + str(w.unit("KORT"))).text  # in the menu
    token = csrf_token_of(nurse, "/nodtilgang")
    shown = f"{ON_UTRED['national_id'][:6]} {ON_UTRED['national_id'][6:]}"  # as a card shows it
    form = {"national_id": shown, "reason": "akutt", "csrf_token": token}

    assert nurse.post("/nodtilgang", data={**form, "csrf_token": "x"}).status_code == 403
    refused = nurse.post("/nodtilgang", data={**form, "reason": "annet"})
    assert refused.status_code == 422
    assert "annet" in refused.text and shown in refused.text  # kept as typed
    opened = nurse.post("/nodtilgang", data=form, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    page = nurse.get(opened.headers["location"])
    assert page.status_code == 200
    assert ON_UTRED["name"] in page.text and "gjelder til" in page.text
    assert ON_UTRED["name"] in nurse.get("/nodtilgang").text  # among her accesses now
    waiting = w.client.post("/api/v1/flows", json=ALSO_ON_UTRED, headers=w.headers()).json()["id"]
    command = f"/api/v1/flows/{waiting}/ready-for-discharge"
    assert w.client.post(command, json={"estimate": True}, headers=w.headers()).status_code == 200
    assert open_access(w, ALSO_ON_UTRED["national_id"]).status_code == 201
    listed = nurse.get("/nodtilgang")  # a patient waiting in hospital: days and cost on the card
    assert listed.status_code == 200 and ALSO_ON_UTRED["name"] in listed.text
    log = w.client.get(f"/api/v1/flows/{flow_id}/access-log", headers=w.headers()).json()
    assert ("nødtilgang", "emergency") in [(e["view"], e["basis"]) for e in log]

    office = as_user(w, "saksbehandler", "pw-1")
    assert office.get(opened.headers["location"]).status_code == 403  # not the office's page
    w.clock.advance(hours=4)
    nurse = as_user(w, "sykepleier", "pw-2")  # her session has gone idle meanwhile
    expired = nurse.get(opened.headers["location"])
    assert expired.status_code == 403
    assert "utløpt" in expired.text and ON_UTRED["name"] not in expired.text


def test_the_leader_reviews_on_the_page_and_sees_looks_without_patients(w: World) -> None:
    flow_id = reserved(w, ON_UTRED, "UTRED")
    open_access(w, ON_UTRED["national_id"], reason="vakt", note="Dekker Utredning")
    leader = as_user(w, "leder", ADMIN_PASSWORD)
    page = leader.get("/leder/nodtilgang")
    assert page.status_code == 200
    assert "Dekker Utredning" in page.text and "Ikke gjennomgått" in page.text
    assert ON_UTRED["name"] not in page.text and ON_UTRED["national_id"] not in page.text
    (use,) = uses(w)
    path = f"/leder/nodtilgang/{use['id']}/gjennomgang"
    token = csrf_token_of(leader, "/leder/nodtilgang")
    empty = leader.post(path, data={"comment": "", "csrf_token": token})
    assert empty.status_code == 422 and "refusal" in empty.text
    done = leader.post(path, data={"comment": "Greit", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert "Gjennomgått av" in leader.get("/leder/nodtilgang").text

    assert nurse_reads(w, flow_id) == 200
    looks = leader.get("/leder/innsyn?bruker=sykepleier")
    assert looks.status_code == 200
    assert "Pasient 1" in looks.text and ON_UTRED["name"] not in looks.text
    assert (
        leader.get("/leder/innsyn?bruker=sykepleier&fra=2026-03-05&til=2026-03-01").status_code
        == 422
    )
    nurse = as_user(w, "sykepleier", "pw-2")
    assert nurse.get("/leder/innsyn").status_code == 403
    assert nurse.get("/leder/nodtilgang").status_code == 403
