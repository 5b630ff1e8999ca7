"""The boards' pages: the allocation board and the commands given from it, the unit's
board and its wall display, the zone's board, and the tasks done from them."""

from __future__ import annotations

from datetime import datetime, time
from html import escape
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from access.access_log import BASIS_TEXT
from access.policy import viewer_of
from access.sessions import Session
from boards.pages.common import (
    ROLE_TEXT,
    AllocationSession,
    CheckedSession,
    PageSession,
    Position,
    live_position,
    municipality_places,
    refusal_of,
    render,
    require_board,
)
from boards.services.looks import looks_logged
from boards.web.commands import COMMANDS, Call, execute
from boards.web.dependencies import authorise_flow, get_now, get_system
from flow.errors import FlowError, NotFoundError
from flow.rates import OSLO
from flow.vocabulary import Command
from projections.allocation_board import AllocationBoard
from projections.cards import load_card
from projections.home_care_board import HomeCareBoard
from projections.task_list import flow_of_task
from projections.unit_board import UnitBoard
from projections.wall_display import WallDisplay

router = APIRouter(include_in_schema=False)


def unit_board(request: Request, unit_id: UUID, session: PageSession, _: Position) -> UnitBoard:
    """A unit's board: the user's own unit (403), of the user's municipality (404)."""
    user, system = session.user, get_system(request)
    require_board(user, unit_id)
    system.projector.catch_up()
    return UnitBoard.read(
        system.engine,
        user.municipality_id,
        unit_id,
        get_now(request),
        system.rates.of(user.municipality_id),
    )


def unit_wall(request: Request, unit_id: UUID, session: PageSession, _: Position) -> WallDisplay:
    user, system = session.user, get_system(request)
    require_board(user, unit_id)
    system.projector.catch_up()
    return WallDisplay.read(system.engine, user.municipality_id, unit_id, get_now(request))


def zone_board(request: Request, zone_id: UUID, session: PageSession, _: Position) -> HomeCareBoard:
    """A zone's board: the user's own zone (403), of the user's municipality (404)."""
    user, system = session.user, get_system(request)
    require_board(user, zone_id)
    system.projector.catch_up()
    return HomeCareBoard.read(
        system.engine,
        user.municipality_id,
        zone_id,
        get_now(request),
        system.rates.of(user.municipality_id),
    )


UnitBoardRead = Annotated[UnitBoard, Depends(unit_board)]
UnitWallRead = Annotated[WallDisplay, Depends(unit_wall)]
ZoneBoardRead = Annotated[HomeCareBoard, Depends(zone_board)]


@router.get("/tildeling")
def allocation_page(request: Request, session: AllocationSession) -> HTMLResponse:
    return _allocation(request, session)


def _allocation(request: Request, session: Session, **extra: Any) -> HTMLResponse:
    user, system = session.user, get_system(request)
    position = live_position(request)
    system.projector.catch_up()
    board = AllocationBoard.read(
        system.engine, user.municipality_id, get_now(request), system.rates.of(user.municipality_id)
    )
    with looks_logged(system, user, board, "tildeling", get_now(request)):
        return render(
            request,
            "allocation.html",
            {
                "board": board,
                "municipality": system.flows.municipality_name(user.municipality_id),
                "place_names": {p.id: p.name for p in municipality_places(request, user)},
                "position": position,
                "attention": system.hospital_messages.attention_count(user.municipality_id),
            },
            session=session,
            **extra,
        )


@router.get("/tildeling/forlop/{flow_id}/handlinger")
def command_forms(request: Request, flow_id: UUID, session: PageSession) -> HTMLResponse:
    """The forms of a card's menu, fetched when the caseworker opens it."""
    user, system = session.user, get_system(request)
    require_board(user, None)
    system.projector.catch_up()
    card = load_card(
        system.engine,
        user.municipality_id,
        flow_id,
        get_now(request),
        system.rates.of(user.municipality_id),
    )
    if card is None:
        raise NotFoundError("not_found", thing="flow")
    with looks_logged(system, user, card, "tildeling/handlinger", get_now(request)):
        context = {"card": card, "places": municipality_places(request, user)}
        return render(request, "_command_forms.html", context, session=session)


@router.get("/tildeling/forlop/{flow_id}/tilgangslogg")
def access_log_page(request: Request, flow_id: UUID, session: PageSession) -> HTMLResponse:
    """Who saw the patient: for the allocation office, which answers the patient who asks."""
    user, system = session.user, get_system(request)
    require_board(user, None)
    system.projector.catch_up()
    now = get_now(request)
    rates = system.rates.of(user.municipality_id)
    card = load_card(system.engine, user.municipality_id, flow_id, now, rates)
    if card is None:
        raise NotFoundError("not_found", thing="flow")
    accounts = system.accounts.list_users(user.municipality_id)
    context = {
        "card": card,
        "looks": system.access_log.of_flow(user.municipality_id, flow_id),  # before this one
        "names": {a.user.id: f"{a.user.display_name} ({a.user.username})" for a in accounts},
        "roles": {role.value: text for role, text in ROLE_TEXT.items()},
        "bases": BASIS_TEXT,
    }
    with looks_logged(system, user, card, "tildeling/tilgangslogg", now):
        return render(request, "access_log.html", context, session=session)


@router.post("/tildeling/forlop/{flow_id}/{command:path}")
def board_command(
    request: Request,
    flow_id: UUID,
    command: Command,
    session: CheckedSession,
    form: Annotated[dict[str, Any], Depends(_form)],
) -> HTMLResponse:
    user, system = session.user, get_system(request)
    require_board(user, None)
    model, _ = COMMANDS[command]
    version = form.pop("version", None)
    try:
        body = model.model_validate(form)
        call = Call(
            system.flows,
            flow_id,
            user.actor,
            get_now(request),
            int(version) if version and str(version).isdigit() else None,
        )
        execute(command, call, body)
    except (ValidationError, FlowError) as error:
        return _refusal(request, error, f"#refusal-{flow_id}")
    return _allocation(request, session)


async def _form(request: Request) -> dict[str, Any]:
    """The board's form fields as the command's body: dates become moments in Oslo."""
    fields: dict[str, Any] = {}
    for key, value in (await request.form()).items():
        if key == "csrf_token" or value == "":
            continue
        if key == "place" and isinstance(value, str) and "|" in value:
            fields["unit_id"], fields["bed"] = value.split("|", 1)
        elif key == "estimate":
            fields[key] = True
        elif key.endswith("_at") and isinstance(value, str) and len(value) == 10:
            fields[key] = _noon_in_oslo(value)
        else:
            fields[key] = value
    return fields


def _noon_in_oslo(day: str) -> str:
    try:
        return datetime.combine(datetime.fromisoformat(day).date(), time(12), OSLO).isoformat()
    except ValueError:
        return day


def _refusal(request: Request, error: ValidationError | FlowError, target: str) -> HTMLResponse:
    """The refusal shown in place (`target`: the card's or the task's line); the board stays
    as it was."""
    text, status = refusal_of(request, error)
    return HTMLResponse(
        f'<span class="refusal-text">{escape(text)}</span>',
        status_code=status,
        headers={"HX-Retarget": target, "HX-Reswap": "innerHTML", "HX-Reselect": ".refusal-text"},
    )


@router.get("/enheter/{unit_id}")
def unit_page(
    request: Request, session: PageSession, position: Position, board: UnitBoardRead
) -> HTMLResponse:
    user = session.user
    with looks_logged(get_system(request), user, board, "enhet", get_now(request)):
        context = {"board": board, "position": position}
        return render(request, "unit.html", context, session=session)


@router.get("/enheter/{unit_id}/vegg")
def wall_page(
    request: Request, session: PageSession, position: Position, display: UnitWallRead
) -> HTMLResponse:
    context = {
        "display": display,
        "position": position,
        "page_path": f"/enheter/{display.unit_id}/vegg",
        "stream_path": f"/enheter/{display.unit_id}/vegg/strom",
    }
    return render(request, "wall.html", context, session=session)


@router.get("/soner/{zone_id}")
def zone_page(
    request: Request, session: PageSession, position: Position, board: ZoneBoardRead
) -> HTMLResponse:
    user = session.user
    with looks_logged(get_system(request), user, board, "sone", get_now(request)):
        context = {"board": board, "position": position}
        return render(request, "zone.html", context, session=session)


@router.post("/oppgaver/{task_id}/{action}")
def task_action(
    request: Request,
    task_id: UUID,
    action: str,
    session: CheckedSession,
    form: Annotated[dict[str, Any], Depends(_form)],
) -> Response:
    user, system = session.user, get_system(request)
    system.projector.catch_up()
    flow_id = flow_of_task(system.engine, task_id, user.municipality_id)
    if flow_id is None or action not in {"utfort", "bekreftet", "avvist"}:
        raise NotFoundError("not_found", thing="task")
    authorise_flow(system, viewer_of(user), flow_id, get_now(request))
    by, units, now = user.actor, user.unit_ids, get_now(request)
    try:
        if action == "utfort":
            note = str(form.get("note", ""))
            system.flows.complete_task(flow_id, task_id, note, by=by, member_of=units, at=now)
        elif action == "bekreftet":
            system.flows.acknowledge_task(flow_id, task_id, by=by, member_of=units, at=now)
        else:
            reason = str(form.get("reason") or "Ikke gjort")
            system.flows.reject_task(flow_id, task_id, reason, by=by, member_of=units, at=now)
    except FlowError as error:
        return _refusal(request, error, f"#refusal-task-{task_id}")
    return RedirectResponse(request.headers.get("referer") or "/", status_code=303)
