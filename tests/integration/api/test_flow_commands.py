"""Each flow command is declared once (`boards/web/commands.py`): the JSON API's route, the
allocation board's form and the application's run of it all come from its declaration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from html.parser import HTMLParser
from typing import Any
from uuid import UUID

import pytest
from fastapi import APIRouter
from support.api_client import API, KARI
from support.logins import csrf_token_of, log_in
from support.world import World, build_world

from boards.api.flows import add_command_route
from boards.web import schemas
from boards.web.commands import DECLARED, FLOW_COMMANDS, FlowCommand
from flow.flow_values import Decision, DischargePlan
from flow.vocabulary import Command, Destination, SafetyFlag, ServiceKind, Source


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    """The test municipalities on SQLite: what is tested here is the web layer's wiring."""
    built = build_world(sqlite_url)
    yield built
    built.system.close()


# -- flows in the state each command needs ---------------------------------------------


def in_hospital(w: World) -> UUID:
    by, at = w.actor(), w.clock()
    return w.flows.open_flow(KARI, "Kari Nordmann", Source.HOSPITAL, "Ahus", "Rehab", by=by, at=at)


def ready(w: World) -> UUID:
    flow_id = in_hospital(w)
    w.flows.notify_ready_for_discharge(flow_id, w.clock(), False, by=w.actor(), at=w.clock())
    return flow_id


def decided(w: World) -> UUID:
    flow_id = in_hospital(w)
    decision = Decision(ServiceKind.SHORT_TERM_STAY.value, w.unit("KORT"), None, date.min, None)
    w.flows.decide_service(flow_id, decision, by=w.actor(), at=w.clock())
    return flow_id


def reserved(w: World) -> UUID:
    flow_id = decided(w)
    w.flows.reserve_bed(flow_id, w.unit("KORT"), free_bed(w), by=w.actor(), at=w.clock())
    return flow_id


def on_stay(w: World) -> UUID:
    flow_id = reserved(w)
    by, at = w.actor(), w.clock()
    w.flows.arrive(flow_id, by=by, at=at)
    w.flows.raise_safety_flag(flow_id, SafetyFlag.FALL, by=by, at=at)
    w.flows.plan_discharge(flow_id, going_home(w), by=by, at=at)
    return flow_id


def discharged_home(w: World) -> UUID:
    flow_id = on_stay(w)
    w.flows.discharge(flow_id, by=w.actor(), at=w.clock())
    return flow_id


def going_home(w: World) -> DischargePlan:
    return DischargePlan(date(2026, 3, 20), False, Destination.HOME.value, w.unit("NORD"))


def free_bed(w: World) -> str:
    beds = w.flows.unit(w.unit("KORT"), w.actor()).beds
    return next(bed.name for bed in beds if bed.status == "free")


Case = tuple[Callable[[World], UUID], Callable[[World], dict[str, Any]], str]

#: For each declaration: a flow whose state allows it, a body, and the event it records.
CASES: dict[str, Case] = {
    "notify_admission": (in_hospital, lambda w: {"hospital": "Ahus"}, "HospitalAdmissionNotified"),
    "notify_ready_for_discharge": (in_hospital, lambda w: {}, "ReadyForDischargeNotified"),
    "withdraw_ready_for_discharge": (ready, lambda w: {}, "ReadyForDischargeWithdrawn"),
    "answer_hospital": (ready, lambda w: {"can_receive": True}, "HospitalAnswered"),
    "record_wait_reason": (ready, lambda w: {"reason": "no_bed"}, "WaitReasonRecorded"),
    "decide_service": (
        in_hospital,
        lambda w: {
            "service": "short_term_stay",
            "unit_id": str(w.unit("KORT")),
            "starts_on": "2026-03-03",
        },
        "ServiceDecided",
    ),
    "reserve_bed": (
        decided,
        lambda w: {"unit_id": str(w.unit("KORT")), "bed": free_bed(w)},
        "BedReserved",
    ),
    "cancel_reservation": (reserved, lambda w: {}, "ReservationCancelled"),
    "arrive": (reserved, lambda w: {}, "PatientArrived"),
    "move": (on_stay, lambda w: {"bed": free_bed(w)}, "PatientMoved"),
    "plan_discharge": (
        on_stay,
        lambda w: {"on": "2026-03-21", "destination": "home", "zone_id": str(w.unit("SOR"))},
        "DischargePlanned",
    ),
    "discharge": (on_stay, lambda w: {}, "PatientDischarged"),
    "start_home_care": (discharged_home, lambda w: {}, "HomeCareStarted"),
    "readmit": (on_stay, lambda w: {"hospital": "Ahus"}, "PatientReadmitted"),
    "raise_safety_flag": (in_hospital, lambda w: {"flag": "delirium"}, "SafetyFlagRaised"),
    "clear_safety_flag": (on_stay, lambda w: {"flag": "fall"}, "SafetyFlagCleared"),
    "close_flow": (on_stay, lambda w: {"reason": "completed"}, "FlowClosed"),
    "correct_command": (
        discharged_home,
        lambda w: {"command": "discharge", "reason": "Feil pasient"},
        "CommandCorrected",
    ),
}

#: What a caseworker chooses in a form where its first choice would not do.
CHOICES: dict[str, Callable[[World], dict[str, str]]] = {
    "decide_service": lambda w: {"unit_id": str(w.unit("KORT"))},
    "plan_discharge": lambda w: {"zone_id": str(w.unit("NORD"))},
}


def recorded_events(w: World, flow_id: UUID) -> list[str]:
    return [entry.event for entry in w.flows.history(flow_id, w.actor())]


def test_every_command_of_the_domain_is_declared_once() -> None:
    assert sorted(DECLARED) == sorted(Command)
    assert len(FLOW_COMMANDS) == len(Command)
    assert len({d.path for d in FLOW_COMMANDS}) == len({d.name for d in FLOW_COMMANDS}) == 18
    assert sorted(CASES) == sorted(d.name for d in FLOW_COMMANDS)


# -- the JSON API ------------------------------------------------------------------------


def test_the_api_offers_exactly_the_declared_commands_with_their_bodies(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    posted = {
        path: operations["post"]
        for path, operations in schema["paths"].items()
        if path.startswith(f"{API}/flows/{{flow_id}}/") and "post" in operations
    }

    assert sorted(posted) == sorted(f"{API}/flows/{{flow_id}}/{d.path}" for d in FLOW_COMMANDS)
    for declared in FLOW_COMMANDS:
        operation = posted[f"{API}/flows/{{flow_id}}/{declared.path}"]
        assert operation["operationId"].startswith(f"{declared.name}_api_v1_flows_")
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body.removesuffix("-Input").endswith(f"/{declared.json_body.__name__}")
        parameters = {p["name"]: p["in"] for p in operation["parameters"]}
        fields = dict.fromkeys(declared.path_fields, "path")
        assert parameters == {"flow_id": "path", **fields, "if-match": "header"}
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer["$ref"].endswith("/CommandResult")
        assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])


def test_declaring_a_command_is_enough_for_its_route_and_its_permission(world: World) -> None:
    """A new declaration, given its route by the loop the API uses: it takes its body, runs,
    and refuses a role the policy does not let give its command, in the command's words."""
    noting = FlowCommand(
        Command.RECORD_WAIT_REASON,
        "wait-note",
        schemas.WaitReasonIn,
        lambda f, b, by, at: f.record_wait_reason(b.reason, b.note, by=by, at=at),
        name="note_why_waiting",
    )
    router = APIRouter()
    add_command_route(router, noting)
    world.client.app.include_router(router, prefix=API)  # type: ignore[attr-defined]
    flow_id = ready(world)
    kort = world.unit("KORT")
    decision = Decision(ServiceKind.SHORT_TERM_STAY.value, kort, None, date.min, None)
    world.flows.decide_service(flow_id, decision, by=world.actor(), at=world.clock())
    world.flows.reserve_bed(flow_id, kort, "1", by=world.actor(), at=world.clock())
    path, body = f"{API}/flows/{flow_id}/wait-note", {"reason": "no_bed", "note": "Venter"}
    before = world.flows.flow(flow_id, world.actor()).version

    answer = world.client.post(path, json=body, headers=world.headers())

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"id": str(flow_id), "version": before + 1}
    assert recorded_events(world, flow_id)[before:] == ["WaitReasonRecorded"]
    malformed = world.client.post(path, json={"reason": "x"}, headers=world.headers())
    assert malformed.status_code == 422
    nurse = world.client.post(path, json=body, headers=world.headers("sykepleier"))
    assert nurse.status_code == 403  # sees the patient reserved to her unit, may not do this
    assert nurse.json()["detail"] == "Din rolle kan ikke registrere ventegrunn."
    assert world.flows.flow(flow_id, world.actor()).version == before + 1


# -- the application ---------------------------------------------------------------------


@pytest.mark.parametrize("declared", FLOW_COMMANDS, ids=lambda d: d.name)
def test_every_declaration_runs_through_the_application(
    world: World, declared: FlowCommand[Any]
) -> None:
    allowing, body, event = CASES[declared.name]
    flow_id = allowing(world)
    before = world.flows.flow(flow_id, world.actor()).version

    version = declared.run(
        world.flows,
        flow_id,
        declared.body.model_validate(body(world)),
        by=world.actor(),
        at=world.clock(),
        expected_version=before,
    )

    assert version > before
    assert event in recorded_events(world, flow_id)[before:]


# -- the allocation board ----------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: where each posts to, and the values it sends as it stands (a
    select its first option, radio buttons their first)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.options: dict[str, dict[str, list[str]]] = {}
        self._form: str | None = None
        self._select: str | None = None
        self._option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "hx-post" in a:
            self._form = a["hx-post"]
            self.forms[self._form], self.options[self._form] = {}, {}
        if self._form is None:
            return
        fields, options = self.forms[self._form], self.options[self._form]
        if tag == "input" and "name" in a and a.get("type") not in {"checkbox", "radio"}:
            fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "radio":
            fields.setdefault(a["name"], a["value"])
        elif tag == "select":
            self._select = a["name"]
            options[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")

    def handle_data(self, data: str) -> None:
        if self._select is not None and self._option is None and data.strip():
            self._option = data.strip()  # an option without a value sends its text

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._form and self._select is not None:
            self.options[self._form][self._select].append(self._option or "")
            self._option = None
        elif tag == "select" and self._form and self._select is not None:
            choices = self.options[self._form][self._select]
            self.forms[self._form][self._select] = choices[0] if choices else ""
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> Forms:
    forms = Forms()
    forms.feed(html)
    return forms


@pytest.mark.parametrize("declared", FLOW_COMMANDS, ids=lambda d: d.name)
def test_the_board_offers_every_declaration_as_a_form_that_gives_it(
    world: World, declared: FlowCommand[Any]
) -> None:
    allowing, _, event = CASES[declared.name]
    flow_id = allowing(world)
    assert log_in(world.client).status_code == 303
    csrf_token = csrf_token_of(world.client, "/tildeling")
    if declared.command == Command.CORRECT:
        where = f"/tildeling/forlop/{flow_id}"  # the patient's page (and "Angre" in the words)
    elif declared.confirmed and declared.quick:
        where = f"/tildeling/forlop/{flow_id}/bekreft/{declared.path}"  # asked once more
    else:
        where = "/tildeling" if declared.quick else f"/tildeling/forlop/{flow_id}/handlinger"
    page = forms_of(world.client.get(where).text)
    path = declared.path.format(flag="fall")
    action = f"/tildeling/forlop/{flow_id}/{path}"
    assert action in page.forms, f"{declared.name}: no form posts to {action}"
    form = page.forms[action]
    for field, value in CHOICES.get(declared.name, lambda w: {})(world).items():
        assert value in page.options[action][field], (declared.name, field)
        form[field] = value
    before = world.flows.flow(flow_id, world.actor()).version
    assert form["version"] == str(before)

    answer = world.client.post(action, data={**form, "csrf_token": csrf_token})

    assert answer.status_code == 200, answer.text
    assert event in recorded_events(world, flow_id)[before:]


def test_the_reservation_form_offers_the_free_beds_of_the_decided_unit_only(
    world: World,
) -> None:
    flow_id = decided(world)
    assert log_in(world.client).status_code == 303

    page = forms_of(world.client.get(f"/tildeling/forlop/{flow_id}/handlinger").text)

    action = f"/tildeling/forlop/{flow_id}/reservation"
    assert page.forms[action]["unit_id"] == str(world.unit("KORT"))
    assert page.options[action]["bed"] == ["1", "2", "3", "4"]
