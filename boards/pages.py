"""The boards as pages: log in, look, and give commands from the board itself."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection
from datetime import datetime, time
from html import escape
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from access.access_log import BASIS_TEXT
from access.accounts import Role, User
from access.emergency_access import MAY_USE
from access.lockout import refusal_text
from access.policy import may_see_board, viewer_of
from access.sessions import Session
from boards.commands import COMMANDS, Call, execute
from boards.dependencies import authorise_flow, get_now, get_system
from boards.errors import field_message, status_of
from boards.looks import looks_logged
from boards.rendering import language_context, templates
from boards.security import client_address, log_access
from boards.translations import LANGUAGES, translator
from flow.errors import FlowError, NotPermittedError
from flow.rates import OSLO
from flow.vocabulary import (
    Command,
)
from projections.allocation_board import AllocationBoard
from projections.bed_grid import Place, places
from projections.cards import load_card
from projections.home_care_board import HomeCareBoard
from projections.task_list import flow_of_task
from projections.unit_board import UnitBoard
from projections.wall_display import WallDisplay

SESSION_COOKIE = "pasientflyt_okt"
LOGIN_CSRF_COOKIE = "pasientflyt_csrf"
ROLE_TEXT = {
    Role.ALLOCATION: "tildelingskontor",
    Role.NURSE: "sykepleier",
    Role.HOMECARE: "hjemmetjeneste",
    Role.LEADER: "leder",
    Role.ADMIN: "systemansvarlig",
    Role.INTEGRATION: "integrasjon (sykehus)",
}

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """A page asked for without a valid session: the browser goes to the login page."""


def session_cookie_name(request: Request) -> str:
    """Over TLS the cookie is `__Host-`: Secure, Path=/ and no Domain, so neither plain
    HTTP nor a sibling domain can plant a session in the browser."""
    return f"__Host-{SESSION_COOKIE}" if request.url.scheme == "https" else SESSION_COOKIE


def page_session(request: Request) -> Session:
    session_id = request.cookies.get(session_cookie_name(request))  # over TLS: __Host- only
    found = get_system(request).sessions.find(session_id, get_now(request)) if session_id else None
    if found is None:
        raise LoginRequired
    request.state.user = found.user  # who, should the access log record a refusal
    return found


def checked_session(
    request: Request,
    session: Annotated[Session, Depends(page_session)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Session:
    """A state-changing request must carry the session's CSRF token (form or header)."""
    sent = csrf_token or request.headers.get("X-CSRF-Token")
    if sent != session.csrf_token:
        raise HTTPException(status_code=403, detail="Skjemaet er utløpt. Last siden på nytt.")
    return session


PageSession = Annotated[Session, Depends(page_session)]
CheckedSession = Annotated[Session, Depends(checked_session)]


def role_session(session: Session, roles: Collection[str], refusal: str) -> Session:
    """The session, if its user has one of the roles (403 otherwise)."""
    if session.user.role not in roles:
        raise NotPermittedError(refusal)
    return session


def refusal_of(error: ValidationError | FlowError) -> tuple[str, int]:
    """What a refused form says, and its status: the guard's sentence, or each field's."""
    if isinstance(error, FlowError):
        return error.message, status_of(error)
    return "; ".join(field_message(e) for e in error.errors()), 422


def language_of(request: Request) -> str:
    """Bokmål unless the user chose another language we have."""
    language = request.cookies.get("sprak", "nb")
    return language if language in LANGUAGES else "nb"


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    session: Session | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    user = session.user if session else None
    now = get_now(request)
    context = {
        **language_context(language_of(request)),
        "user": user,
        "csrf_token": session.csrf_token if session else context.get("csrf_token"),
        "role_text": ROLE_TEXT.get(Role(user.role), user.role) if user else "",
        "navigation": _navigation(request, user) if user else [],
        "today": now.astimezone(OSLO).date().isoformat(),
        **context,
    }
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )


def _navigation(request: Request, user: User) -> list[dict[str, Any]]:
    links: list[tuple[str, str]] = []
    if user.role == Role.ALLOCATION:
        links.append(("/tildeling", "Tildeling"))
    for place in municipality_places(request, user):
        if user.role == Role.ALLOCATION or place.id in user.unit_ids:
            prefix = "/soner/" if place.is_zone else "/enheter/"
            links.append((f"{prefix}{place.id}", place.name))
    if user.role in MAY_USE:
        links.append(("/nodtilgang", "Nødtilgang"))
    if user.role == Role.LEADER:
        links += [
            ("/leder/tall", "Tall"),
            ("/leder/nodtilgang", "Nødtilgang"),
            ("/leder/innsyn", "Innsyn per bruker"),
        ]
    if user.role == Role.ADMIN:
        links.append(("/admin", "Administrasjon"))
    path = request.url.path
    current = "/admin" if path.startswith("/admin/") else path  # every admin page is one
    return [{"href": href, "label": label, "current": current == href} for href, label in links]


def municipality_places(request: Request, user: User) -> list[Place]:
    """The municipality's units and zones from the read model, once per request."""
    found: list[Place] | None = getattr(request.state, "places", None)
    if found is None:
        system = get_system(request)
        system.projector.catch_up()
        found = places(system.engine, user.municipality_id)
        request.state.places = found
    return found


# -- logging in and out -------------------------------------------------------------------


@router.get("/logg-inn")
def login_page(request: Request) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or _new_token()
    response = render(request, "login.html", {"csrf_token": token})
    secure = request.url.scheme == "https"
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure)
    return response


@router.post("/logg-inn")
def log_in(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()],
) -> Response:
    if csrf_token != request.cookies.get(LOGIN_CSRF_COOKIE):
        raise HTTPException(status_code=403, detail="Skjemaet er utløpt. Last siden på nytt.")
    system, now, client = get_system(request), get_now(request), client_address(request)
    context = {"csrf_token": csrf_token, "username": username}
    if minutes := system.lockout.minutes_left(username, now):
        log_access("login locked out", who=username, client=client, at=now, level=logging.WARNING)
        text = translator(language_of(request))(refusal_text(minutes))
        context["refusal"] = text.format(minutes=minutes)
        headers = {"Retry-After": str(minutes * 60)}
        return render(request, "login.html", context, status_code=429, headers=headers)
    user = system.accounts.verify(username, password)
    system.lockout.record(username, now, succeeded=user is not None, client=client)
    if user is None:
        log_access("login failed", who=username, client=client, at=now, level=logging.WARNING)
        context["refusal"] = "Feil brukernavn eller passord."
        return render(request, "login.html", context, status_code=401)
    log_access("login ok", who=f"{user.username} ({user.id})", client=client, at=now)
    return start_session(request, user)


def start_session(request: Request, user: User) -> Response:
    """Logged in, by password or by the identity provider: a new session (any earlier one
    of this browser ends), its cookie, and on to the user's board."""
    system, name = get_system(request), session_cookie_name(request)
    if previous := request.cookies.get(name):
        system.sessions.end(previous)
    response = RedirectResponse("/", status_code=303)
    session_id = system.sessions.start(user, get_now(request))
    secure = request.url.scheme == "https"
    response.set_cookie(name, session_id, path="/", httponly=True, samesite="lax", secure=secure)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logg-ut")
def log_out(request: Request, _: CheckedSession) -> Response:
    response = RedirectResponse("/logg-inn", status_code=303)
    secure = request.url.scheme == "https"
    for name in dict.fromkeys([session_cookie_name(request), SESSION_COOKIE]):
        if session_id := request.cookies.get(name):
            get_system(request).sessions.end(session_id)
        response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure)
    return response


@router.get("/sprak/{language}")
def choose_language(request: Request, language: str) -> Response:
    response = RedirectResponse(request.headers.get("referer") or "/", status_code=303)
    if language in LANGUAGES:
        response.set_cookie("sprak", language, samesite="lax", max_age=365 * 24 * 3600)
    return response


@router.get("/")
def home(request: Request, session: PageSession) -> Response:
    user = session.user
    if user.role == Role.ALLOCATION:
        return RedirectResponse("/tildeling", status_code=303)
    links = _navigation(request, user)
    if links:
        return RedirectResponse(str(links[0]["href"]), status_code=303)
    return render(request, "no_board.html", {}, session=session)


# -- the boards ---------------------------------------------------------------------------


def require_board(user: User, board: UUID | None) -> None:
    """The allocation board (None), or a unit's or zone's board, must be the user's."""
    if not may_see_board(viewer_of(user), board):
        raise NotPermittedError("Denne tavlen er ikke for din rolle eller enhet.")


def live_position(request: Request) -> int:
    """Where the log stood before a board was read: its stream resumes from there (`fra`)."""
    position: int = request.app.state.live.position
    return position


Position = Annotated[int, Depends(live_position)]


def allocation_session(session: PageSession) -> Session:
    """The allocation board is the office's (403)."""
    require_board(session.user, None)
    return session


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


AllocationSession = Annotated[Session, Depends(allocation_session)]
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
        raise HTTPException(status_code=404, detail="Forløpet finnes ikke.")
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
        raise HTTPException(status_code=404, detail="Forløpet finnes ikke.")
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
    except ValidationError as error:
        message = "; ".join(field_message(e) for e in error.errors())
        return _refusal(request, flow_id, message, 422)
    except FlowError as error:
        return _refusal(request, flow_id, error.message, status_of(error))
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


def _refusal(request: Request, flow_id: UUID, message: str, status: int) -> HTMLResponse:
    """The guard's sentence, shown in place on the card; the board stays as it was."""
    text = translator(language_of(request))(message)
    return HTMLResponse(
        f'<span class="refusal-text">{escape(text)}</span>',
        status_code=status,
        headers={
            "HX-Retarget": f"#refusal-{flow_id}",
            "HX-Reswap": "innerHTML",
            "HX-Reselect": ".refusal-text",
        },
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
        raise HTTPException(status_code=404, detail="Oppgaven finnes ikke.")
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
        return HTMLResponse(
            f'<span class="refusal-text">{escape(error.message)}</span>',
            status_code=status_of(error),
            headers={
                "HX-Retarget": f"#refusal-task-{task_id}",
                "HX-Reswap": "innerHTML",
                "HX-Reselect": ".refusal-text",
            },
        )
    return RedirectResponse(request.headers.get("referer") or "/", status_code=303)


def _new_token() -> str:
    return secrets.token_urlsafe(32)
