"""The allocation office's waiting-day statement: a month's waits in hospital per hospital,
with their paid days and sums, to check each hospital's invoice against; its spreadsheets
beside it (`boards/exports/waiting_days.py`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from access.policy import viewer_of
from boards.exports.spreadsheets import SheetFormat
from boards.exports.waiting_days import answer_words, statement_download
from boards.pages.common import render
from boards.services import board_reads
from boards.services.looks import looks_logged
from boards.shapes import Month, Short, first_day
from boards.web.dependencies import get_now, get_system
from boards.web.sessions import AllocationSession
from boards.web.translations import formatters, language_of, translator
from flow.payment_clock import next_month
from projections.cards import today

router = APIRouter(include_in_schema=False)

PATH = "/tildeling/overliggedogn"
MonthAsked = Annotated[Month | None, Query(alias="maned")]
HospitalAsked = Annotated[Short | None, Query(alias="sykehus")]


@router.get(PATH)
def statement_page(
    request: Request,
    session: AllocationSession,
    month: MonthAsked = None,
    hospital: HospitalAsked = None,
) -> HTMLResponse:
    """The month's statement (this month by default), of one hospital or of all."""
    user, system, now = session.user, get_system(request), get_now(request)
    first = _first(month, request)
    found = board_reads.waiting_day_statement(system, viewer_of(user), first, hospital or None, now)
    language = language_of(request)
    _, formats = translator(language), formatters(language)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = next_month(first)
    context = {
        "statement": found,
        "month_text": formats["day"](first, "LLLL y"),
        "previous": _query(previous, hospital),
        "next": _query(following, hospital) if following <= today(now) else None,
        "downloads": _query(first, hospital),
        "told": lambda answer: answer_words(answer, _, formats),
    }
    with looks_logged(system, user, found, "tildeling/overliggedogn", now):
        return render(request, "waiting_days.html", context, session=session)


@router.get(PATH + "/export.{sheet_format}")
def statement_download_page(
    request: Request,
    sheet_format: SheetFormat,
    session: AllocationSession,
    month: MonthAsked = None,
    hospital: HospitalAsked = None,
) -> Response:
    system, now, language = get_system(request), get_now(request), language_of(request)
    first = _first(month, request)
    return statement_download(
        system, session.user, first, hospital or None, sheet_format, language, now
    )


def _first(month: str | None, request: Request) -> date:
    return first_day(month) if month else today(get_now(request)).replace(day=1)


def _query(month: date, hospital: str | None) -> str:
    """The page's query for a month (and the hospital chosen, if any)."""
    asked = {"maned": month.strftime("%Y-%m"), **({"sykehus": hospital} if hospital else {})}
    return urlencode(asked)
