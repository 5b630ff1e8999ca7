"""Refusals over HTTP are RFC 9457 problem details: a stable code and its parameters, the
title and sentence in the user's language (the one chosen on the pages, else the request's
`Accept-Language`, else bokmål), and the OpenAPI document says so. On the pages a refusal
shows in place, in the page's language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx2 as httpx
from support.api_client import reserved_flow
from support.logins import NURSE_PASSWORD, csrf_token_of, log_in

from flow.national_id import with_check_digits

if TYPE_CHECKING:
    from support.world import World

API = "/api/v1"
PATIENT = with_check_digits("018180123")
PROBLEM_JSON = "application/problem+json"


def post(
    world: World, path: str, body: dict[str, Any], language: str | None = None
) -> httpx.Response:
    headers = world.headers("saksbehandler")
    if language is not None:
        headers["Accept-Language"] = language
    return world.client.post(f"{API}{path}", json=body, headers=headers)


def decided_flow(world: World) -> str:
    referral = {
        "national_id": PATIENT,
        "name": "Kari Nordmann",
        "source": "hospital",
        "location": "Sykehuset",
        "need": "Korttid",
    }
    flow_id: str = post(world, "/flows", referral).json()["id"]
    decision = {
        "service": "short_term_stay",
        "unit_id": str(world.unit("KORT", "9998")),
        "starts_on": "2026-03-03",
    }
    assert post(world, f"/flows/{flow_id}/decision", decision).status_code == 200
    return flow_id


def reserve(world: World, flow_id: str, language: str | None = None) -> httpx.Response:
    bed = {"unit_id": str(world.unit("KORT", "9998")), "bed": "1"}
    return post(world, f"/flows/{flow_id}/reservation", bed, language)


def test_a_409_asked_for_in_english_reads_english_and_carries_its_code(world: World) -> None:
    first, second = decided_flow(world), decided_flow(world)
    assert reserve(world, first).status_code == 200

    refused = reserve(world, second, "en-GB,en;q=0.9,nb;q=0.5")

    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.json() == {
        "type": "tag:pasientflyt.no,2026:problem:bed_taken",
        "title": "Bed taken",
        "status": 409,
        "detail": "Bed 1 on Korttid Test is already taken.",
        "code": "bed_taken",
        "params": {"bed": "1", "unit": "Korttid Test"},
    }


def test_the_words_of_the_domain_in_a_sentence_are_put_in_english_too(world: World) -> None:
    flow_id = decided_flow(world)

    arrival = post(world, f"/flows/{flow_id}/arrival", {}, "en").json()
    discharge = post(world, f"/flows/{flow_id}/discharge", {}, "en").json()

    assert (arrival["code"], arrival["params"]["command"]) == ("illegal_transition", "arrival")
    assert arrival["params"]["phase"] == "in_hospital"
    assert arrival["detail"].startswith(
        "Cannot register arrival: the patient is in hospital. Allowed now: "
    )
    assert "decide service" in arrival["detail"]
    assert discharge["code"] == "discharge_not_planned"
    assert "Plan the discharge first" in discharge["detail"]


def test_without_a_language_asked_for_a_refusal_reads_bokmål(world: World) -> None:
    first, second = decided_flow(world), decided_flow(world)
    reserve(world, first)

    for language in (None, "de-DE", "nb-NO,nb;q=0.9,en;q=0.8", "en;q=0"):
        body = reserve(world, second, language).json()

        assert (body["title"], body["detail"]) == (
            "Sengen er tatt",
            "Seng 1 på Korttid Test er allerede tatt.",
        ), language


def test_the_language_chosen_on_the_pages_goes_before_accept_language(world: World) -> None:
    first, second = decided_flow(world), decided_flow(world)
    reserve(world, first)
    world.client.cookies.set("sprak", "nb")
    try:
        body = reserve(world, second, "en").json()
    finally:
        world.client.cookies.clear()

    assert body["detail"] == "Seng 1 på Korttid Test er allerede tatt."


def test_a_422_keeps_the_list_of_fields_each_in_the_user_s_language(world: World) -> None:
    refused = post(world, "/flows", {"national_id": PATIENT, "source": "ambulance"}, "en")

    body = refused.json()
    assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM_JSON)
    assert (body["code"], body["title"], body["params"]) == (
        "invalid_request",
        "Invalid request",
        {},
    )
    messages = {tuple(field["loc"]): field["msg"] for field in body["detail"]}
    assert messages[("body", "name")] == "The field is missing."
    assert messages[("body", "source")].startswith("Must be one of")


def test_a_field_s_own_refusal_has_its_code_as_type_and_speaks_the_language(
    world: World,
) -> None:
    referral = {
        "national_id": PATIENT[:-1] + str((int(PATIENT[-1]) + 1) % 10),
        "name": "Kari",
        "source": "home",
        "location": "Hjemme",
        "need": "Korttid",
    }

    (field,) = post(world, "/flows", referral, "en").json()["detail"]

    assert field == {
        "loc": ["body", "national_id"],
        "msg": "The national identity number has the wrong check digits.",
        "type": "national_id_check_digits",
    }


def test_the_edge_s_own_refusals_are_problems_with_codes_too(world: World) -> None:
    nobody = world.client.get(f"{API}/units", headers={"Accept-Language": "en"})
    no_path = world.client.get(f"{API}/nothing-here", headers=world.headers("saksbehandler"))
    bad_version = world.client.post(
        f"{API}/flows/{decided_flow(world)}/arrival",
        headers={**world.headers("saksbehandler"), "If-Match": "two"},
    )
    wrong_method = world.client.delete(f"{API}/units", headers=world.headers("saksbehandler"))

    answers = {r.status_code: r for r in (nobody, no_path, bad_version, wrong_method)}
    assert {status: r.json()["code"] for status, r in answers.items()} == {
        401: "not_authenticated",
        404: "not_found",
        422: "if_match_not_a_version",
        405: "method_not_allowed",
    }
    assert all(r.headers["content-type"] == PROBLEM_JSON for r in answers.values())
    assert nobody.json()["title"] == "Not logged in"
    assert nobody.headers["WWW-Authenticate"] == "Bearer"


def test_the_openapi_document_describes_refusals_as_problem_details(world: World) -> None:
    document = world.client.get("/openapi.json").json()
    reservation = document["paths"][f"{API}/flows/{{flow_id}}/reservation"]["post"]

    for status in ("404", "409", "422"):
        content = reservation["responses"][status]["content"]
        assert content == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code", "params"} <= set(problem["properties"])
    assert "HTTPValidationError" not in document["components"]["schemas"]


# -- on the pages --------------------------------------------------------------------------


def test_a_board_command_refused_shows_in_place_in_the_page_s_language(world: World) -> None:
    flow_id = decided_flow(world)
    log_in(world.client)
    world.client.cookies.set("sprak", "en")
    token = csrf_token_of(world.client, "/tildeling")

    arrival = world.client.post(f"/tildeling/forlop/{flow_id}/arrival", data={"csrf_token": token})
    undated = world.client.post(
        f"/tildeling/forlop/{flow_id}/decision",
        data={"csrf_token": token, "service": "short_term_stay", "starts_on": "i morgen"},
    )
    nowhere = world.client.post(
        f"/tildeling/forlop/{flow_id}/decision",
        data={"csrf_token": token, "service": "short_term_stay", "starts_on": "2026-03-04"},
    )

    assert (arrival.status_code, arrival.headers["HX-Retarget"]) == (409, f"#refusal-{flow_id}")
    assert "Cannot register arrival: the patient is in hospital." in arrival.text
    assert (undated.status_code, nowhere.status_code) == (422, 422)
    assert "starts_on: Must be a date (YYYY-MM-DD)." in undated.text
    assert "A decision on a short-term stay must have unit_id." in nowhere.text


def test_a_task_refused_shows_in_place_in_the_page_s_language(world: World) -> None:
    _, tasks = reserved_flow(world)
    task_id = next(iter(tasks.values()))
    log_in(world.client, "sykepleier", NURSE_PASSWORD)
    world.client.cookies.set("sprak", "en")
    token = csrf_token_of(world.client, f"/enheter/{world.unit('KORT')}")

    refused = world.client.post(f"/oppgaver/{task_id}/bekreftet", data={"csrf_token": token})

    assert (refused.status_code, refused.headers["HX-Retarget"]) == (
        409,
        f"#refusal-task-{task_id}",
    )
    assert "Cannot confirm the task" in refused.text and "it is open." in refused.text


def test_a_login_refused_reads_the_page_s_language(world: World) -> None:
    world.client.cookies.set("sprak", "en")

    refused = log_in(world.client, "saksbehandler", "wrong")

    assert refused.status_code == 401
    assert "Wrong username or password." in refused.text


def test_a_pages_request_refused_anywhere_reads_its_sentence_in_the_notice_line(
    world: World,
) -> None:
    """An expired form (no token that matches) refused by the session's check, not by the
    route: the page's htmx request gets the sentence as HTML for `#notice`, and the board it
    was clicked in is not replaced by a problem's JSON; the API keeps its problem JSON."""
    _, tasks = reserved_flow(world)
    task_id = next(iter(tasks.values()))
    log_in(world.client, "sykepleier", NURSE_PASSWORD)
    world.client.cookies.set("sprak", "en")

    from_page = world.client.post(
        f"/oppgaver/{task_id}/utfort", data={"csrf_token": "stale"}, headers={"HX-Request": "true"}
    )
    plain = world.client.post(f"/oppgaver/{task_id}/utfort", data={"csrf_token": "stale"})

    assert from_page.status_code == 403
    assert from_page.headers["HX-Retarget"] == "#notice"
    assert from_page.headers["content-type"].startswith("text/html")
    assert from_page.text.startswith('<span class="refusal-text">') and "form" in from_page.text
    assert plain.status_code == 403
    assert plain.headers["content-type"] == PROBLEM_JSON


def test_a_task_form_checks_its_text_as_the_api_does_and_records_nothing_refused(
    world: World,
) -> None:
    """The board's task form takes `note` and `reason` through the API's own shapes: too
    long, or with control characters, is refused in place and nothing is recorded."""
    flow_id, tasks = reserved_flow(world)
    task_id = next(iter(tasks.values()))
    log_in(world.client, "sykepleier", NURSE_PASSWORD)
    token = csrf_token_of(world.client, f"/enheter/{world.unit('KORT')}")
    history = world.client.get(f"{API}/flows/{flow_id}/history", headers=world.headers())

    long_note = world.client.post(
        f"/oppgaver/{task_id}/utfort", data={"csrf_token": token, "note": "x" * 9000}
    )
    control = world.client.post(
        f"/oppgaver/{task_id}/utfort", data={"csrf_token": token, "note": "ok\x07\x1b[2J"}
    )

    for refused in (long_note, control):
        assert refused.status_code == 422, refused.text
        assert refused.headers["HX-Retarget"] == f"#refusal-task-{task_id}"
    after = world.client.get(f"{API}/flows/{flow_id}/history", headers=world.headers())
    assert after.json() == history.json(), "nothing recorded"
