"""What every page has in common: the session, its language, the navigation, rendering;
logging in and out. The session itself: `boards/web/sessions.py`."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from access.accounts import NO_ROLE, ROLE_TEXT, Role, User
from access.emergency_access import MAY_USE
from access.lockout import minutes_left, refusal_text
from access.sessions import Session
from boards.shapes import field_message
from boards.web.dependencies import get_now, get_system
from boards.web.problems import said, status_of
from boards.web.rendering import language_context, templates
from boards.web.security import client_address, log_access
from boards.web.sessions import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CheckedSession,
    PageSession,
    municipality_places,
    session_cookie_name,
)
from boards.web.translations import LANGUAGE_COOKIE, LANGUAGES, language_of, translator
from flow.errors import FlowError, NotAuthenticatedError, NotPermittedError
from flow.rates import OSLO

router = APIRouter(include_in_schema=False)


def refusal_of(request: Request, error: ValidationError | FlowError) -> tuple[str, int]:
    """How a refusal reaches a page, which shows it in place: what it says in the page's
    language (the guard's sentence, or each field's, named), and the status to answer with."""
    language = language_of(request)
    if isinstance(error, FlowError):
        request.state.problem_code = error.code  # the outcome `boards/web/metrics.py` counts
        return said(error, language), status_of(error)
    request.state.problem_code = "invalid_request"
    return "; ".join(_field_problem(e, language) for e in error.errors()), 422


def form_fields(*lists: str) -> Callable[[Request], Awaitable[dict[str, Any]]]:
    """The one way a page reads its form, as the fields of a body: the CSRF token and empty
    fields left out (a field not given takes its default), and a day where a moment (`…_at`)
    is asked means noon that day in Oslo. A checkbox sends "on", which a body reads as true;
    the fields named in `lists` are checkboxes of many choices, read as a list of those
    ticked (empty when none is)."""

    async def parse(request: Request) -> dict[str, Any]:
        form = await request.form()
        fields: dict[str, Any] = {}
        for key, value in form.items():
            if key == "csrf_token" or key in lists or not isinstance(value, str) or value == "":
                continue
            moment = key.endswith("_at") and len(value) == 10
            fields[key] = _noon_in_oslo(value) if moment else value
        for key in lists:
            fields[key] = [v for v in form.getlist(key) if isinstance(v, str) and v != ""]
        return fields

    return parse


FormFields = Annotated[dict[str, Any], Depends(form_fields())]


def _noon_in_oslo(day: str) -> str:
    try:
        return datetime.combine(date.fromisoformat(day), time(12), OSLO).isoformat()
    except ValueError:
        return day


def _field_problem(error: Any, language: str) -> str:
    field = str(error["loc"][-1]) if error["loc"] else ""
    message = field_message(error, translator(language))
    return f"{field}: {message}" if field else message


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
        "role_text": ROLE_TEXT.get(user.role, "ingen rolle ennå") if user else "",
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
            ("/leder/tilganger", "Tilganger"),
        ]
    if user.role == Role.ADMIN:
        links.append(("/admin", "Administrasjon"))
    path = request.url.path
    current = "/admin" if path.startswith("/admin/") else path  # every admin page is one
    return [{"href": href, "label": label, "current": current == href} for href, label in links]


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
        raise NotPermittedError("form_expired")
    system, now, client = get_system(request), get_now(request), client_address(request)
    context = {"csrf_token": csrf_token, "username": username}
    if until := system.lockout.attempt(username, now):
        log_access("login locked out", who=username, client=client, at=now, level=logging.WARNING)
        request.app.state.metrics.logins.labels("locked").inc()
        minutes = minutes_left(until, now)
        text = translator(language_of(request))(refusal_text(minutes))
        context["refusal"] = text.format(minutes=minutes)
        headers = {"Retry-After": str(minutes * 60)}
        return render(request, "login.html", context, status_code=429, headers=headers)
    user = system.accounts.verify(username, password)
    if user is None:
        log_access("login failed", who=username, client=client, at=now, level=logging.WARNING)
        request.app.state.metrics.logins.labels("failed").inc()
        context["refusal"], status = refusal_of(request, NotAuthenticatedError("login_failed"))
        return render(request, "login.html", context, status_code=status)
    system.lockout.succeeded(username)
    log_access("login ok", who=f"{user.username} ({user.id})", client=client, at=now)
    request.app.state.metrics.logins.labels("ok").inc()
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
    # The browser lets go of what it kept of the pages (ASVS 14.3.1); the session's cookie
    # is deleted by name below, the language chosen stays.
    headers = {"Clear-Site-Data": '"cache", "storage"'}
    response = RedirectResponse("/logg-inn", status_code=303, headers=headers)
    secure = request.url.scheme == "https"
    for name in dict.fromkeys([session_cookie_name(request), SESSION_COOKIE]):
        if session_id := request.cookies.get(name):
            get_system(request).sessions.end(session_id)
        response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure)
    return response


def back_to(place: str | None) -> str:
    """Where to go back to after a choice: a path of this site (`/…`, not `//host…` nor a
    scheme), else the home page. Never the `Referer`, which another site can set."""
    if place and place.startswith("/") and not place.startswith(("//", "/\\")):
        return place
    return "/"


@router.get("/sprak/{language}")
def choose_language(request: Request, language: str, til: str | None = None) -> Response:
    """The page in the other language: back to the page it was chosen on (`til`)."""
    response = RedirectResponse(back_to(til), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, samesite="lax", max_age=365 * 24 * 3600)
    return response


@router.get("/")
def home(request: Request, session: PageSession) -> Response:
    user = session.user
    if user.role == Role.ALLOCATION:
        return RedirectResponse("/tildeling", status_code=303)
    if user.role == NO_ROLE:  # her access waits for a leader, or was declined
        waiting = get_system(request).grants.waiting_for(user.id)
        context = {"waiting": waiting, "roles": ROLE_TEXT}
        return render(request, "access_waiting.html", context, session=session)
    links = _navigation(request, user)
    if links:
        return RedirectResponse(str(links[0]["href"]), status_code=303)
    return render(request, "no_board.html", {}, session=session)


def _new_token() -> str:
    return secrets.token_urlsafe(32)
