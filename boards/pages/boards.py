"""The boards' pages: the allocation board and the commands given from it, the unit's
board and its wall display, the zone's board, and the tasks done from them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from access.access_log import BASIS_TEXT
from access.accounts import Role
from access.policy import viewer_of
from access.sessions import Session
from boards.exports.figures import unit_safety
from boards.pages.common import FormFields, refusal_of, render
from boards.services import board_reads, past_reads
from boards.services.flow_access import authorise_flow
from boards.services.looks import looks_logged
from boards.services.past_reads import Past
from boards.services.patient_page import shown_flow
from boards.services.planning import planning
from boards.services.readers import named_looks
from boards.services.task_lists import viewer_tasks
from boards.web.board_filters import BoardFilters
from boards.web.commands import FLOW_COMMANDS, FlowCommand
from boards.web.dependencies import get_now, get_system
from boards.web.problems import in_place
from boards.web.schemas import Completion, Rejection
from boards.web.security import log_refusal_shown
from boards.web.sessions import (
    AllocationSession,
    CheckedSession,
    PageSession,
    PastMoment,
    Position,
    UnitBoardRead,
    UnitWallRead,
    ZoneBoardRead,
    live_position,
    municipality_places,
)
from boards.web.translations import language_of
from flow.errors import FlowError, NotFoundError
from flow.flow_rules import refusal
from flow.vocabulary import TaskAction
from projections.task_list import flow_of_task

router = APIRouter(include_in_schema=False)


@router.get("/tildeling")
def allocation_page(request: Request, session: AllocationSession, past: PastMoment) -> HTMLResponse:
    if past is not None:
        return _allocation_past(request, session, past)
    return _allocation(request, session)


def _allocation_past(request: Request, session: Session, past: Past) -> HTMLResponse:
    """The board as it stood at `past`: read-only, no stream (`boards/services/past_reads.py`)."""
    user, system, now = session.user, get_system(request), get_now(request)
    board = past_reads.allocation_board(system, viewer_of(user), past)
    lists = past_reads.allocation_tasks(system, viewer_of(user), past, now)
    places = municipality_places(request, user)
    with looks_logged(system, user, [board, lists], past.view("tildeling"), now):
        context = {
            "board": board,
            "lists": lists,
            "municipality": system.flows.municipality_name(user.municipality_id),
            "place_names": {p.id: p.name for p in places},
            "places": places,
            "filters": BoardFilters.of_query(request.query_params, places),
            "past": past,
        }
        return render(request, "allocation.html", context, session=session)


def _allocation(request: Request, session: Session, **extra: Any) -> HTMLResponse:
    user, system = session.user, get_system(request)
    position = live_position(request)
    board = board_reads.allocation_board(system, viewer_of(user), get_now(request))
    lists = viewer_tasks(system, viewer_of(user), get_now(request), caught_up=True)
    ahead = planning(system, viewer_of(user), board, get_now(request))
    places = municipality_places(request, user)
    with looks_logged(system, user, [board, lists], "tildeling", get_now(request)):
        return render(
            request,
            "allocation.html",
            {
                "board": board,
                "lists": lists,
                "planning": ahead,
                "municipality": system.flows.municipality_name(user.municipality_id),
                "place_names": {p.id: p.name for p in places},
                "places": places,
                "filters": BoardFilters.of_query(request.query_params, places),
                "position": position,
                "attention": system.hospital_messages.attention_count(user.municipality_id),
            },
            session=session,
            **extra,
        )


@router.get("/tildeling/forlop/{flow_id}/handlinger")
def command_forms(request: Request, flow_id: UUID, session: PageSession) -> HTMLResponse:
    """The forms of a card's menu, fetched when its user opens it: those the flow's state
    allows and the policy lets her give it now (the office every one; a nurse or home-care
    user those of her role on a flow tied to her place)."""
    user, system, now = session.user, get_system(request), get_now(request)
    shown = shown_flow(system, user, flow_id, now)
    system.access_log.record(user, [flow_id], "tildeling/handlinger", now, shown.basis)
    view = system.flows.flow(flow_id, user.actor)
    context = {
        "card": shown.card,
        "commands": shown.commands,
        "places": municipality_places(request, user),
        "open_tasks": [state for state in view.tasks if state.loop_open],
    }
    return render(request, "_command_forms.html", context, session=session)


@router.get("/tildeling/forlop/{flow_id}/bekreft/{path}")
def confirmation(
    request: Request, flow_id: UUID, path: str, session: PageSession, vist_i: str = ""
) -> Response:
    """Asked once more before an arrival or a discharge is given, naming the flow's open
    tasks and how many are overdue: the question and its two buttons, drawn where the
    command's button was (`_confirm.html`)."""
    user, system, now = session.user, get_system(request), get_now(request)
    declared = next((d for d in FLOW_COMMANDS if d.path == path and d.confirmed), None)
    if declared is None:
        raise NotFoundError("not_found", thing="command")
    try:
        shown = shown_flow(system, user, flow_id, now)
        authorise_flow(system, viewer_of(user), flow_id, now, declared.command)
        if declared.command.value not in shown.card.allowed:
            raise refusal(shown.card, declared.command)
    except FlowError as error:
        return _refusal(request, error, refusal_target(flow_id, vist_i))
    system.access_log.record(user, [flow_id], "tildeling/bekreft", now, shown.basis)
    view = system.flows.flow(flow_id, user.actor)
    context = {
        "card": shown.card,
        "declared": declared,
        "open_tasks": [state for state in view.tasks if state.loop_open],
        "shown_in": "arrivals" if vist_i == "arrivals" else "",
    }
    return render(request, "_confirm.html", context, session=session)


@router.get("/tildeling/forlop/{flow_id}/tilgangslogg")
def access_log_page(request: Request, flow_id: UUID, session: PageSession) -> HTMLResponse:
    """Who saw the patient: for the allocation office, which answers the patient who asks."""
    user, system, now = session.user, get_system(request), get_now(request)
    card = board_reads.allocation_card(system, viewer_of(user), flow_id, now)
    context = {
        "card": card,
        "looks": named_looks(system, user.municipality_id, flow_id),  # before this one
        "bases": BASIS_TEXT,
    }
    with looks_logged(system, user, card, "tildeling/tilgangslogg", now):
        return render(request, "access_log.html", context, session=session)


def add_command_page(router: APIRouter, declared: FlowCommand[Any]) -> None:
    """The pages' route of a declared command, which its forms post to (the allocation
    board's cards, a unit's beds and arrivals, a zone's patients coming home, the patient's
    page): the allocation board again, or the page it was given from; a refusal in place
    (`refusal_target`)."""

    def give(
        request: Request, flow_id: UUID, session: CheckedSession, form: FormFields
    ) -> Response:
        user, system, now = session.user, get_system(request), get_now(request)
        version, shown_in = form.pop("version", ""), form.pop("shown_in", "")
        form.pop("confirmed", "")  # the closing's tick that its user saw the tasks it cancels
        in_path = {name: request.path_params[name] for name in declared.path_fields}
        try:
            system.projector.catch_up()
            authorise_flow(system, viewer_of(user), flow_id, now, declared.command)
            body = declared.body.model_validate({**form, **in_path})
            expected = int(version) if version.isdigit() else None
            declared.run(
                system.flows, flow_id, body, by=user.actor, at=now, expected_version=expected
            )
        except (ValidationError, FlowError) as error:
            return _refusal(request, error, refusal_target(flow_id, shown_in))
        back = _page_given_from(request)
        if back is None and user.role == Role.ALLOCATION:
            return _allocation(request, session)
        return RedirectResponse(back or "/", status_code=303)

    path = f"/tildeling/forlop/{{flow_id}}/{declared.path}"
    router.add_api_route(path, give, methods=["POST"], name=f"{declared.name}_from_board")


def refusal_target(flow_id: UUID, shown_in: str) -> str:
    """Where a command's refusal shows: in the flow's card, bed or page, or in its line of
    a unit's arrivals (`shown_in=arrivals`), which the same board shows beside its bed."""
    return f"#refusal-arrivals-{flow_id}" if shown_in == "arrivals" else f"#refusal-{flow_id}"


def _page_given_from(request: Request) -> str | None:
    """The page a command was given from, as htmx tells it (or the browser's Referer): its
    path on this server, unless it is the allocation board, which is drawn in the answer."""
    told = request.headers.get("HX-Current-URL") or request.headers.get("referer") or ""
    url = urlsplit(told)
    if url.netloc and url.netloc != request.url.netloc:
        return None
    if not url.path.startswith("/") or url.path.startswith("//") or url.path == "/tildeling":
        return None
    return url.path


for command in FLOW_COMMANDS:
    add_command_page(router, command)


def _refusal(request: Request, error: ValidationError | FlowError, target: str) -> HTMLResponse:
    """The refusal shown in place (`target`: the card's or the task's line), whatever its
    status (`static/pasientflyt.js`); the board stays as it was. A refused authorisation is
    logged as the API's are."""
    text, status = refusal_of(request, error)
    if status in {401, 403, 404}:
        log_refusal_shown(request, status)
    return in_place(text, status, target)


@router.get("/enheter/{unit_id}")
def unit_page(
    request: Request,
    session: PageSession,
    position: Position,
    board: UnitBoardRead,
    past: PastMoment,
) -> HTMLResponse:
    user, system, now = session.user, get_system(request), get_now(request)
    safety, columns = (
        unit_safety(system, user.municipality_id, board.unit_id, now, language_of(request))
        if past is None
        else (None, [])
    )
    with looks_logged(system, user, board, past.view("enhet") if past else "enhet", now):
        context = {
            "board": board,
            "position": position,
            "past": past,
            "role": user.role if past is None else None,
            "safety_places": [safety] if safety else [],
            "columns": columns,
            **_found(request),
        }
        return render(request, "unit.html", context, session=session)


@router.get("/enheter/{unit_id}/vegg")
def wall_page(
    request: Request,
    session: PageSession,
    position: Position,
    display: UnitWallRead,
    past: PastMoment,
) -> HTMLResponse:
    context = {
        "display": display,
        "position": position,
        "past": past,
        "page_path": f"/enheter/{display.unit_id}/vegg",
        "stream_path": f"/enheter/{display.unit_id}/vegg/strom",
        "now": get_now(request) if past is None else past.moment,
    }
    return render(request, "wall.html", context, session=session)


@router.get("/soner/{zone_id}")
def zone_page(
    request: Request,
    session: PageSession,
    position: Position,
    board: ZoneBoardRead,
    past: PastMoment,
) -> HTMLResponse:
    user, view = session.user, past.view("sone") if past else "sone"
    with looks_logged(get_system(request), user, board, view, get_now(request)):
        context = {
            "board": board,
            "position": position,
            "past": past,
            "role": user.role if past is None else None,
            **_found(request),
        }
        return render(request, "zone.html", context, session=session)


def _found(request: Request) -> dict[str, Any]:
    """A unit's or zone's board has the find alone (no filters)."""
    return {"filters": BoardFilters.of_query(request.query_params)}


@router.post("/oppgaver/{task_id}/{action}")
def task_action(
    request: Request,
    task_id: UUID,
    action: str,
    session: CheckedSession,
    form: FormFields,
) -> Response:
    """A task's action from a board's lists or the patient's page: that page again, or the
    refusal's sentence in place beside the button (`#refusal-task-<id>`), whatever refused
    it."""
    user, system = session.user, get_system(request)
    by, units, now = user.actor, user.unit_ids, get_now(request)
    if action not in TASK_ACTIONS:
        raise NotFoundError("not_found", thing="task")
    try:
        system.projector.catch_up()
        flow_id = flow_of_task(system.engine, task_id, user.municipality_id)
        if flow_id is None:
            raise NotFoundError("not_found", thing="task")
        authorise_flow(system, viewer_of(user), flow_id, now)
        if TASK_ACTIONS[action] == TaskAction.COMPLETE:
            note = Completion.model_validate(form).note
            system.flows.complete_task(flow_id, task_id, note, by=by, member_of=units, at=now)
        elif TASK_ACTIONS[action] == TaskAction.ACKNOWLEDGE:
            system.flows.acknowledge_task(flow_id, task_id, by=by, member_of=units, at=now)
        else:
            reason = Rejection.model_validate(form).reason
            system.flows.reject_task(flow_id, task_id, reason, by=by, member_of=units, at=now)
    except (ValidationError, FlowError) as error:
        return _refusal(request, error, f"#refusal-task-{task_id}")
    # The page it was given from (the patient's page, or a unit of a nurse's two), else the
    # user's board; htmx draws it in place, a browser without htmx goes there.
    return RedirectResponse(_page_given_from(request) or "/", status_code=303)


#: The path's word for each action a task's row offers.
TASK_ACTIONS = {
    "utfort": TaskAction.COMPLETE,
    "bekreftet": TaskAction.ACKNOWLEDGE,
    "avvist": TaskAction.REJECT,
}
