"""The leaders' pages: the figures (and the latest what-if comparison of simulated
scenarios), the review of emergency access, and what one user looked at — counts and times,
never a patient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Engine

from access.access_log import BASIS_TEXT, Basis
from access.accounts import ROLE_TEXT, Role
from access.emergency_access import NOTE_LIMIT, REASON_TEXT
from access.scenario_comparisons import latest_comparison
from access.sessions import Session
from boards.exports import period
from boards.exports.charts import PATTERNS
from boards.exports.figures import (
    charts_of,
    column_labels,
    default_start,
    figures_download,
    figures_for,
    headline_for,
)
from boards.exports.spreadsheets import SheetFormat
from boards.pages.common import refusal_of, render
from boards.services.emergency import REVIEWED_SHOWN, pseudonymous
from boards.services.forecast_review import REVIEWED_AHEAD, weekly
from boards.shapes import Day, MonthOrDay
from boards.web.dependencies import get_now, get_system
from boards.web.schemas import ReviewIn
from boards.web.sessions import CheckedSession, PageSession, role_session
from boards.web.translations import language_of, translator
from fixtures.simulation.comparison import Comparison, Outcome
from fixtures.simulation.comparison_rows import comparison_rows
from fixtures.simulation.scenarios import UnknownScenario, texts
from flow.errors import FlowError, NotFoundError, NotPermittedError
from flow.payment_clock import oslo_day

router = APIRouter(include_in_schema=False)


def _leader(session: PageSession) -> Session:
    return role_session(session, (Role.LEADER,), NotPermittedError("leaders_only_page"))


LeaderSession = Annotated[Session, Depends(_leader)]


# -- emergency access and looks ---------------------------------------------------------


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
        message, status = refusal_of(request, error)
        return _review_list(request, session, status, refusal=message, failed=grant_id)
    return RedirectResponse("/leder/nodtilgang", status_code=303)


@router.get("/leder/innsyn")
def looks_of_user(
    request: Request,
    session: LeaderSession,
    username: Annotated[str, Query(alias="bruker", max_length=100)] = "",
    start: Annotated[Day | None, Query(alias="fra")] = None,
    end: Annotated[Day | None, Query(alias="til")] = None,
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
        context.update(refusal=refusal_of(request, error)[0])
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


# -- the figures ---------------------------------------------------------------------------


@router.get("/leder/tall")
def figures_page(
    request: Request,
    session: LeaderSession,
    start: Annotated[MonthOrDay | None, Query(alias="fra")] = None,
    end: Annotated[MonthOrDay | None, Query(alias="til")] = None,
) -> HTMLResponse:
    """The figures over whole months that are over (`fra` and `til`: YYYY-MM; by default
    the months that have data, `default_start`): the last month against the one before
    first, then a chart and a table for each figure."""
    system, user, now = get_system(request), session.user, get_now(request)
    context: dict[str, Any] = {"chosen": start is not None or end is not None}
    if not context["chosen"]:
        start = default_start(system, user, now)
    try:
        figures = figures_for(system, user, start, end, now)
    except FlowError as error:
        figures = figures_for(system, user, default_start(system, user, now), None, now)
        context["refusal"] = refusal_of(request, error)[0]
    language = language_of(request)
    columns = column_labels(figures.every_table(), language)  # months as the page writes them
    context.update(
        figures=figures,
        headline=headline_for(system, user, figures, now),
        charts=charts_of(figures, columns, language),
        columns=columns,
        patterns=PATTERNS,
        what_if=_what_if(system.engine, user.municipality_id, language),
        forecast_weeks=weekly(system.engine, user.municipality_id, oslo_day(now)),
        reviewed_ahead=REVIEWED_AHEAD,
    )
    status = 422 if "refusal" in context else 200
    return render(request, "figures.html", context, session=session, status_code=status)


def _what_if(engine: Engine, municipality: UUID, language: str) -> dict[str, Any] | None:
    """The municipality's latest stored what-if comparison (`pasientflyt simulate
    --scenario`): figures of simulated scenarios, no patient."""
    stored = latest_comparison(engine, municipality)
    if stored is None:
        return None
    comparison = Comparison.of(
        stored.run_at, stored.seed, stored.days, stored.inhabitants, stored.start, stored.outcomes
    )
    translate = translator(language)
    return {
        "comparison": comparison,
        "scenarios": [_texts(o, translate) for o in comparison.outcomes],
        "rows": comparison_rows(comparison.outcomes),
    }


def _texts(outcome: Outcome, translate: Callable[[str], str]) -> tuple[str, str]:
    """A scenario's label and description in the page's language; as stored, in bokmål,
    for a scenario this version no longer knows."""
    try:
        return texts(outcome.scenario, translate)
    except UnknownScenario:
        return outcome.label, outcome.description


@router.get("/leder/tall/export.{sheet_format}")
def figures_download_page(
    request: Request,
    sheet_format: SheetFormat,
    session: LeaderSession,
    start: Annotated[MonthOrDay | None, Query(alias="fra")] = None,
    end: Annotated[MonthOrDay | None, Query(alias="til")] = None,
) -> Response:
    system, now = get_system(request), get_now(request)
    language = language_of(request)
    return figures_download(system, session.user, start, end, sheet_format, language, now)
