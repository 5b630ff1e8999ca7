"""What every admin page under /admin shares.

Admin pages are plain forms with the session's CSRF token; a change redirects back to its
page, a refusal shows the page again with the reason. A secret (a new user's password, a
device's address) is shown once, in the answer to the form that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from access.accounts import ROLE_TEXT
from access.sessions import Session
from boards.pages.common import form_fields, refusal_of, render
from boards.services.admin import Admin, admin_of
from flow.errors import FlowError, NotFoundError
from flow.vocabulary import KIND_TEXT

ADMIN_LINKS = [
    ("/admin", "Oversikt"),
    ("/admin/enheter", "Enheter og soner"),
    ("/admin/brukere", "Brukere"),
    ("/admin/skjermer", "Skjermer"),
    ("/admin/innlogging", "Innlogging"),
    ("/admin/sjekklister", "Sjekklister"),
    ("/admin/dognpris", "Døgnpris"),
    ("/admin/logg", "Revisjonslogg"),
]
NO_STORE = {"Cache-Control": "no-store"}

AdminService = Annotated[Admin, Depends(admin_of)]


#: An admin form: `unit_ids`, the units a user or a display is for, is a list.
Form = Annotated[dict[str, Any], Depends(form_fields("unit_ids"))]


def page(
    request: Request,
    session: Session,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "admin_links": ADMIN_LINKS,
        "current": request.url.path,
        "roles": ROLE_TEXT,
        "kinds": KIND_TEXT,
        **context,
    }
    return render(
        request, template, context, session=session, status_code=status_code, headers=headers
    )


def attempt(
    request: Request,
    session: Session,
    change: Callable[[], Response],
    again: Callable[[], tuple[str, dict[str, Any]]],
) -> Response:
    """Make the change; if refused, show the page again with the sentence saying why."""
    try:
        return change()
    except (ValidationError, FlowError) as error:
        if isinstance(error, NotFoundError):
            raise
        message, status = refusal_of(request, error)
    template, context = again()
    return page(request, session, template, {**context, "refusal": message}, status_code=status)


def back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)
