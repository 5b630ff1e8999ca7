"""Strict security headers on every response, and the access log of logins and refusals."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: No inline script or style and nothing from another origin: htmx and the stylesheet
#: are served from /static, and htmx is told not to inject its indicator styles.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: Pages, JSON and streams show patients: no browser or proxy keeps a copy (ASVS 14.2.2,
#: 14.3.2). The static files (htmx, the stylesheet) hold nothing of anyone and may be kept.
NOT_KEPT = {"Cache-Control": "no-store"}
#: Only over TLS: a browser ignores it on plain HTTP, and it would pin a test server.
TLS_HEADERS = {"Strict-Transport-Security": "max-age=63072000; includeSubDomains"}

access_log = logging.getLogger("pasientflyt.access")


class SecurityHeaders:
    """Adds the headers to every HTTP response the app sends, pages, JSON, static files
    and errors alike (`no-store` all but the static files); a header the response set
    itself is left as it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS | TLS_HEADERS if scope.get("scheme") == "https" else HEADERS
        if not scope["path"].startswith("/static/"):
            extra = extra | NOT_KEPT
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's own 500 is sent outside this middleware, without the headers.
            if not started:
                error = PlainTextResponse("Internal Server Error", status_code=500)
                await error(scope, receive, send_with_headers)
            raise


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def log_access(
    what: str, *, who: str, client: str, at: datetime, level: int = logging.INFO
) -> None:
    """One line: what happened, who did it, from where and when (UTC); in JSON logs also
    as fields of their own (`boards/web/logs.py`)."""
    moment = at.astimezone(UTC).isoformat()
    access_log.log(
        level,
        "%s who=%s client=%s at=%s",
        what,
        _quoted(who),
        _quoted(client),
        moment,
        extra={"event": what, "who": who, "client": client, "at": moment},
    )


async def log_refusal(request: Request, status: int) -> None:
    """A refused authorisation (401, 403, 404 at a tenant boundary), with its path."""
    log_access(
        f"refused {request.method} {_quoted(request.url.path)} {status}",
        who=await run_in_threadpool(_who, request, status),
        client=client_address(request),
        at=_now(request),
        level=logging.WARNING,
    )


def _quoted(text: str) -> str:
    """Quoted, with newlines and control characters escaped, so one entry stays one line."""
    return json.dumps(text, ensure_ascii=False)


def _who(request: Request, status: int) -> str:
    """The user a page session or a bearer token names; `-` when neither does."""
    user = getattr(request.state, "user", None)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if user is None and status != 401 and scheme.lower() == "bearer" and token.strip():
        user = request.app.state.system.accounts.user_for_token(token.strip())
    return f"{user.username} ({user.id})" if user else "-"


def _now(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None)
    now: datetime = clock() if clock else datetime.now(UTC)
    return now
