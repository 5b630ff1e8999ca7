"""Emergency access as pages: the nurse's form and the one patient it opens, and the
leader's review list and listing of one user's looks."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from access.access_log import BASIS_TEXT, Basis
from access.accounts import Role
from access.emergency_access import MAY_USE, NOTE_LIMIT, REASON_TEXT
from access.sessions import Session
from boards import period
from boards.api.schemas import EmergencyAccessIn, ReviewIn
from boards.dependencies import get_now, get_system
from boards.emergency import REVIEWED_SHOWN, open_emergency_access, pseudonymous
from boards.errors import field_message, status_of
from boards.pages import ROLE_TEXT, CheckedSession, PageSession, render
from flow.errors import FlowError, NotFoundError, NotPermittedError
from flow.vocabulary import FLAG_TEXT, PHASE_TEXT
from projections.cards import load_card

router = APIRouter(include_in_schema=False)


def _user_of(session: Session, roles: tuple[str, ...], refusal: str) -> Session:
    if session.user.role not in roles:
        raise NotPermittedError(refusal)
    return session


def _nurse(session: PageSession) -> Session:
    return _user_of(session, MAY_USE, "Nødtilgang er for sykepleiere og hjemmetjenesten.")


def _leader(session: PageSession) -> Session:
    return _user_of(session, (Role.LEADER,), "Denne siden er for ledere.")


NurseSession = Annotated[Session, Depends(_nurse)]
LeaderSession = Annotated[Session, Depends(_leader)]


def _refusal(error: ValidationError | FlowError) -> tuple[str, int]:
    if isinstance(error, FlowError):
        return error.message, status_of(error)
    return "; ".join(field_message(e) for e in error.errors()), 422


# -- the nurse -----------------------------------------------------------------------------


@router.get("/nodtilgang")
def emergency_page(request: Request, session: NurseSession) -> HTMLResponse:
    return _emergency_form(request, session)


def _emergency_form(
    request: Request, session: Session, status_code: int = 200, **context: Any
) -> HTMLResponse:
    system, user, now = get_system(request), session.user, get_now(request)
    grants = system.emergency.of_user(user, now)
    names = {}
    for grant in grants:
        card = load_card(system.engine, user.municipality_id, grant.flow_id, now, {})
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
        message, status = _refusal(error)
        return _emergency_form(request, session, status, refusal=message, form=form)
    return RedirectResponse(f"/nodtilgang/{grant.id}", status_code=303)


@router.get("/nodtilgang/{grant_id}")
def emergency_flow(request: Request, grant_id: UUID, session: NurseSession) -> HTMLResponse:
    """The one patient an emergency access opens, while it holds."""
    system, user, now = get_system(request), session.user, get_now(request)
    grant = system.emergency.get(user, grant_id)
    if not grant.active(now):
        message = "Nødtilgangen er utløpt. Trenger du pasienten igjen, be om ny nødtilgang."
        return _emergency_form(request, session, 403, refusal=message)
    system.projector.catch_up()
    card = load_card(system.engine, user.municipality_id, grant.flow_id, now, system.daily_rates)
    if card is None:
        raise NotFoundError("Forløpet finnes ikke.")
    system.access_log.record(user, [grant.flow_id], "nødtilgang", now, Basis.EMERGENCY)
    context = {
        "grant": grant,
        "card": card,
        "reasons": REASON_TEXT,
        "phases": PHASE_TEXT,
        "flags": FLAG_TEXT,
    }
    return render(request, "emergency_flow.html", context, session=session)


# -- the leader ----------------------------------------------------------------------------


@router.get("/leder/nodtilgang")
def review_list(request: Request, session: LeaderSession) -> HTMLResponse:
    return _review_list(request, session)


def _review_list(
    request: Request, session: Session, status_code: int = 200, **context: Any
) -> HTMLResponse:
    system, user, now = get_system(request), session.user, get_now(request)
    accounts = system.accounts.list_users(user.municipality_id)
    context = {
        "uses": system.emergency.to_review(user.municipality_id, now - REVIEWED_SHOWN),
        "now": now,
        "names": {a.user.id: f"{a.user.display_name} ({a.user.username})" for a in accounts},
        "reasons": REASON_TEXT,
        "note_limit": NOTE_LIMIT,
        **context,
    }
    return render(
        request, "emergency_review.html", context, session=session, status_code=status_code
    )


@router.post("/leder/nodtilgang/{grant_id}/gjennomgang")
def review(
    request: Request,
    grant_id: UUID,
    session: CheckedSession,
    comment: Annotated[str, Form()] = "",
) -> Response:
    _leader(session)
    try:
        body = ReviewIn.model_validate({"comment": comment})
        get_system(request).emergency.review(session.user, grant_id, body.comment, get_now(request))
    except (ValidationError, FlowError) as error:
        if isinstance(error, NotFoundError):
            raise
        message, status = _refusal(error)
        return _review_list(request, session, status, refusal=message, failed=grant_id)
    return RedirectResponse("/leder/nodtilgang", status_code=303)


@router.get("/leder/innsyn")
def looks_of_user(
    request: Request,
    session: LeaderSession,
    username: Annotated[str, Query(alias="bruker", max_length=100)] = "",
    start: Annotated[date | None, Query(alias="fra")] = None,
    end: Annotated[date | None, Query(alias="til")] = None,
) -> HTMLResponse:
    """What one user looked at over a period: when, through which view, on what basis, and
    the patient as a number within this listing only."""
    system, user, now = get_system(request), session.user, get_now(request)
    accounts = [
        a
        for a in system.accounts.list_users(user.municipality_id)
        if a.user.role in (Role.ALLOCATION, Role.NURSE, Role.HOMECARE)
    ]
    chosen = next((a.user for a in accounts if a.user.username == username), None)
    context: dict[str, Any] = {"accounts": accounts, "chosen": chosen, "roles": ROLE_TEXT}
    try:
        first, last = period.days(start, end, now, default=7)
    except FlowError as error:
        first, last = period.days(None, None, now, default=7)
        context.update(refusal=error.message)
    context.update(start=first, end=last, bases=BASIS_TEXT)
    if chosen is not None and "refusal" not in context:
        looks = system.access_log.of_user(
            user.municipality_id, chosen.id, *period.moments(first, last)
        )
        listed = pseudonymous(looks)
        context.update(
            looks=listed,
            patients=len({look.patient for look in listed}),
            emergency=sum(look.basis == Basis.EMERGENCY for look in listed),
        )
    status = 422 if "refusal" in context else 200
    return render(request, "user_looks.html", context, session=session, status_code=status)
