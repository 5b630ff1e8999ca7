"""The leaders' page of access grants ("Tilganger"): approve what an admin asked for, or
decline it with a reason; what was given and declined in the last 90 days below."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from access.accounts import ROLE_TEXT, Role
from access.grants import REASON_LIMIT
from access.sessions import Session
from boards.pages.common import refusal_of, render
from boards.services import access_grants
from boards.web.dependencies import get_now, get_system
from boards.web.grant_schemas import RefusalIn
from boards.web.sessions import CheckedSession, PageSession, role_session
from flow.errors import FlowError, NotFoundError, NotPermittedError

router = APIRouter(include_in_schema=False)

PAGE = "/leder/tilganger"
#: Why a grant was asked for, as the list says it.
ASKED_TEXT = {
    "new_user": "ny bruker",
    "changed": "endret rolle eller steder",
    "password_reset": "nytt passord (lenke)",
    "role_mapping": "rolletilordning ved innlogging",
    "console": "opprettet ved serverens konsoll",
    "demo": "demo",
    "in_force_before": "hadde tilgangen før godkjenning ble innført",
}


def _leader(session: PageSession) -> Session:
    return role_session(session, (Role.LEADER,), NotPermittedError("leaders_only_page"))


LeaderSession = Annotated[Session, Depends(_leader)]


@router.get(PAGE)
def grants_page(request: Request, session: LeaderSession) -> HTMLResponse:
    return _grants(request, session)


def _grants(
    request: Request, session: Session, status_code: int = 200, **context: Any
) -> HTMLResponse:
    rows = access_grants.grant_rows(get_system(request), session.user, get_now(request))
    context = {
        "waiting": [r for r in rows if r.grant.state == "waiting"],
        "decided": [r for r in rows if r.grant.state != "waiting"],
        "roles": ROLE_TEXT,
        "asked_text": ASKED_TEXT,
        "reason_limit": REASON_LIMIT,
        **context,
    }
    return render(request, "access_grants.html", context, session=session, status_code=status_code)


@router.post(PAGE + "/{grant_id}/godkjenning")
def approve(request: Request, grant_id: UUID, session: CheckedSession) -> Response:
    _leader(session)
    try:
        access_grants.approve(get_system(request), session.user, grant_id, get_now(request))
    except FlowError as error:
        return _refused(request, session, grant_id, error)
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/{grant_id}/avslag")
def decline(
    request: Request,
    grant_id: UUID,
    session: CheckedSession,
    reason: Annotated[str, Form()] = "",
) -> Response:
    _leader(session)
    try:
        body = RefusalIn.model_validate({"reason": reason})
        system, now = get_system(request), get_now(request)
        access_grants.decline(system, session.user, grant_id, body.reason, now)
    except (ValidationError, FlowError) as error:
        return _refused(request, session, grant_id, error)
    return RedirectResponse(PAGE, status_code=303)


def _refused(
    request: Request, session: Session, grant_id: UUID, error: ValidationError | FlowError
) -> HTMLResponse:
    if isinstance(error, NotFoundError):
        raise error
    message, status = refusal_of(request, error)
    return _grants(request, session, status, refusal=message, failed=grant_id)
