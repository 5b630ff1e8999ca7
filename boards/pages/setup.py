"""Where a user sets her own password, through the one-time link an admin handed her
(access/setup_links.py). Its form carries a CSRF token bound to a cookie, as the login's."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from access.setup_links import LONGEST, SHORTEST
from boards.pages.common import refusal_of, render
from boards.web.dependencies import get_now, get_system
from boards.web.security import client_address, log_access
from boards.web.sessions import LOGIN_CSRF_COOKIE
from flow.errors import NotPermittedError, UnusableTextError

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}


@router.get("/passord/{token}")
def setup_page(request: Request, token: str) -> Response:
    user = get_system(request).setup_links.user_for(token, get_now(request))
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = _page(request, token, user.username, csrf)
    secure = request.url.scheme == "https"
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=secure)
    return response


@router.post("/passord/{token}")
def set_password(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=LONGEST)],
    again: Annotated[str, Form(max_length=LONGEST)],
    csrf_token: Annotated[str, Form()],
) -> Response:
    if not secrets.compare_digest(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE) or ""):
        raise NotPermittedError("form_expired")
    system, now = get_system(request), get_now(request)
    try:
        user = system.setup_links.set_password(token, password, again, now)
    except UnusableTextError as error:
        username = system.setup_links.user_for(token, now).username
        message, status = refusal_of(request, error)
        return _page(request, token, username, csrf_token, refusal=message, status_code=status)
    log_access(
        "password set by link",
        who=f"{user.username} ({user.id})",
        client=client_address(request),
        at=now,
        level=logging.INFO,
    )
    return _page(request, token, user.username, csrf_token, done=True)


def _page(
    request: Request,
    token: str,
    username: str,
    csrf: str,
    *,
    refusal: str | None = None,
    done: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "token": token,
        "username": username,
        "csrf_token": csrf,
        "refusal": refusal,
        "done": done,
        "shortest": SHORTEST,
        "longest": LONGEST,
    }
    return render(
        request, "setup_password.html", context, status_code=status_code, headers=NO_STORE
    )
