"""Emergency access as pages: the nurse's form, and the one patient it opens."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from access.access_log import Basis
from access.emergency_access import MAY_USE, NOTE_LIMIT, REASON_TEXT
from access.sessions import Session
from boards.pages.common import refusal_of, render
from boards.services.emergency import open_emergency_access
from boards.web.dependencies import get_now, get_system
from boards.web.schemas import EmergencyAccessIn
from boards.web.sessions import CheckedSession, PageSession, role_session
from flow.errors import FlowError, NotFoundError, NotPermittedError
from flow.vocabulary import FLAG_TEXT, PHASE_TEXT
from projections.cards import load_card

router = APIRouter(include_in_schema=False)


def _nurse(session: PageSession) -> Session:
    return role_session(session, MAY_USE, NotPermittedError("emergency_access_not_for_role"))


NurseSession = Annotated[Session, Depends(_nurse)]


# -- the nurse -----------------------------------------------------------------------------


@router.get("/nodtilgang")
def emergency_page(request: Request, session: NurseSession) -> HTMLResponse:
    return _emergency_form(request, session)


def _emergency_form(
    request: Request, session: Session, status_code: int = 200, **context: Any
) -> HTMLResponse:
    system, user, now = get_system(request), session.user, get_now(request)
    grants, rates = system.emergency.of_user(user, now), system.rates.of(user.municipality_id)
    names = {}
    for grant in grants:
        card = load_card(system.engine, user.municipality_id, grant.flow_id, now, rates)
        names[grant.id] = card.name if card else ""
    system.access_log.record(
        user, [g.flow_id for g in grants], "nødtilgang/liste", now, Basis.EMERGENCY
    )
    context = {
        "grants": grants,
        "names": names,
        "reasons": REASON_TEXT,
        "note_limit": NOTE_LIMIT,
        "lasts_hours": round(system.emergency.lasts.total_seconds() / 3600, 1),
        **context,
    }
    return render(request, "emergency.html", context, session=session, status_code=status_code)


@router.post("/nodtilgang")
def open_access(
    request: Request,
    session: CheckedSession,
    national_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    _nurse(session)
    form = {"national_id": national_id, "reason": reason, "note": note}
    try:
        body = EmergencyAccessIn.model_validate(form)
        grant = open_emergency_access(
            get_system(request),
            session.user,
            body.national_id,
            body.reason,
            body.note,
            get_now(request),
        )
    except (ValidationError, FlowError) as error:
        message, status = refusal_of(request, error)
        return _emergency_form(request, session, status, refusal=message, form=form)
    return RedirectResponse(f"/nodtilgang/{grant.id}", status_code=303)


@router.get("/nodtilgang/{grant_id}")
def emergency_flow(request: Request, grant_id: UUID, session: NurseSession) -> HTMLResponse:
    """The one patient an emergency access opens, while it holds."""
    system, user, now = get_system(request), session.user, get_now(request)
    grant = system.emergency.get(user, grant_id)
    if not grant.active(now):
        message, status = refusal_of(request, NotPermittedError("emergency_access_expired"))
        return _emergency_form(request, session, status, refusal=message)
    system.projector.catch_up()
    rates = system.rates.of(user.municipality_id)
    card = load_card(system.engine, user.municipality_id, grant.flow_id, now, rates)
    if card is None:
        raise NotFoundError("not_found", thing="flow")
    system.access_log.record(user, [grant.flow_id], "nødtilgang", now, Basis.EMERGENCY)
    context = {
        "grant": grant,
        "card": card,
        "reasons": REASON_TEXT,
        "phases": PHASE_TEXT,
        "flags": FLAG_TEXT,
    }
    return render(request, "emergency_flow.html", context, session=session)
