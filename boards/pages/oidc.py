"""Logging in through the municipality's OpenID Connect provider (HelseID, ID-porten,
Entra ID): away to the provider, back with a code, and on into a session."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from access.oidc.config import OidcConfig
from access.oidc.errors import (
    CallbackError,
    LoginRefusedError,
    NotConfiguredError,
    OidcError,
    ProviderRefusedError,
    ProviderUnreachableError,
)
from access.oidc.login import ATTEMPT_LIFETIME, Callback, OidcLogin
from boards.pages import common as pages
from boards.settings import Settings
from boards.web import sessions
from boards.web.dependencies import get_now, get_system
from boards.web.rendering import templates
from boards.web.security import client_address, log_access
from boards.web.translations import language_of, translator
from flow.errors import NotFoundError

ATTEMPT_COOKIE = "pasientflyt_oidc"
_COOKIE_PATH = "/logg-inn/oidc"
_STATUS: dict[type[OidcError], int] = {
    CallbackError: 400,
    ProviderRefusedError: 403,
    LoginRefusedError: 403,
    ProviderUnreachableError: 502,
    NotConfiguredError: 503,
}

router = APIRouter(include_in_schema=False)


def login_text(request: Request) -> str | None:
    """The text of the provider's button on the login page; None while OIDC is off."""
    settings = _settings(request)
    return settings.oidc_login_text if settings and _active(settings) else None


templates.env.globals["oidc_login_text"] = login_text


@router.get("/logg-inn/oidc")
def start_login(request: Request) -> Response:
    now = get_now(request)
    try:
        cookie, url = _login(request).begin(_redirect_uri(request), now)
    except OidcError as error:
        return _refuse(request, error, now)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        ATTEMPT_COOKIE,
        cookie,
        max_age=int(ATTEMPT_LIFETIME.total_seconds()),
        path=_COOKIE_PATH,
        httponly=True,
        samesite="lax",  # the provider sends the browser back from another site
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/logg-inn/oidc/tilbake", name="oidc_callback")
def finish_login(
    request: Request,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> Response:
    now = get_now(request)
    callback = Callback(state, code, error, error_description)
    try:
        user = _login(request).finish(
            request.cookies.get(ATTEMPT_COOKIE), callback, _redirect_uri(request), now
        )
    except OidcError as refusal:
        return _refuse(request, refusal, now)
    units, who = ",".join(str(u) for u in user.unit_ids), f"{user.username} ({user.id})"
    _log(request, f"oidc login ok role={user.role} units={units}", who, now)
    response = pages.start_session(request, user)
    response.delete_cookie(ATTEMPT_COOKIE, path=_COOKIE_PATH)
    return response


def _login(request: Request) -> OidcLogin:
    """The app's one OidcLogin, made at first use so a provider that is down cannot stop
    the server from starting."""
    found: OidcLogin | None = getattr(request.app.state, "oidc_login", None)
    if found is None:
        system = get_system(request)
        found = OidcLogin(_config(request), system.engine, system.accounts, system.grants)
        request.app.state.oidc_login = found
    return found


def _config(request: Request) -> OidcConfig:
    settings = _settings(request)
    if settings is None or not _active(settings):
        raise NotFoundError("oidc_off")
    assert settings.oidc_issuer and settings.oidc_client_id
    return OidcConfig(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        municipality_number=settings.oidc_municipality,
        client_secret=settings.oidc_client_secret,
        private_key_file=settings.oidc_private_key_file,
        private_key_id=settings.oidc_private_key_id,
        scopes=settings.oidc_scopes,
    )


def _refuse(request: Request, error: OidcError, now: datetime) -> Response:
    """The login page again, saying why, with the local login still open."""
    status = next((s for kind, s in _STATUS.items() if isinstance(error, kind)), 403)
    detail = json.dumps(error.detail[:300], ensure_ascii=False)  # partly the sender's words
    what = f"oidc login refused {status} {type(error).__name__} detail={detail}"
    _log(request, what, error.who, now, logging.WARNING)
    token = request.cookies.get(sessions.LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    refusal = translator(language_of(request))(error.message)  # OIDC's own, not coded
    context = {"csrf_token": token, "refusal": refusal}
    response = pages.render(request, "login.html", context, status_code=status)
    response.set_cookie(sessions.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict")
    response.delete_cookie(ATTEMPT_COOKIE, path=_COOKIE_PATH)
    return response


def _log(request: Request, what: str, who: str, now: datetime, level: int = logging.INFO) -> None:
    log_access(what, who=who, client=client_address(request), at=now, level=level)


def _active(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _settings(request: Request) -> Settings | None:
    settings: Settings | None = getattr(request.app.state, "settings", None)
    return settings


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_callback"))
