"""The waiting-day statement for the allocation office: `GET /api/v1/waiting-days?month=YYYY-MM`
(`hospital=` narrows it to one hospital) and the same as CSV or XLSX beside it. Each patient
it shows is written to the access log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from access.policy import viewer_of
from boards.api.exports import SPREADSHEET
from boards.api.flows import REFUSALS
from boards.exports.spreadsheets import SheetFormat
from boards.exports.waiting_days import statement_download
from boards.services import board_reads
from boards.services.looks import looks_logged
from boards.shapes import Month, Name, first_day
from boards.web.dependencies import CurrentSystem, CurrentUser, Now
from boards.web.schemas import Problem
from boards.web.translations import language_of
from boards.web.waiting_day_schemas import WaitingDayStatement

REFUSED: dict[int | str, dict[str, Any]] = {
    401: REFUSALS[401],
    403: {"model": Problem, "description": "Bare for tildelingskontoret"},
    422: REFUSALS[422],
}

router = APIRouter(tags=["overliggedøgn"], responses=REFUSED)


class StatementQuery(BaseModel):
    """Which month, and which hospital if only one."""

    model_config = ConfigDict(extra="forbid")
    month: Month = Field(description="Måneden, ÅÅÅÅ-MM")
    hospital: Name | None = Field(None, description="Sykehusets HER-id eller navn")


Asked = Annotated[StatementQuery, Query()]


@router.get("/waiting-days")
def waiting_days(
    system: CurrentSystem, user: CurrentUser, now: Now, query: Asked
) -> WaitingDayStatement:
    """The month's statement: one line per wait in hospital after a ready notice, with the
    paid days in the month by forskrift § 13 at the year's rate, and the sums per hospital
    and for the month; what the office checks each hospital's invoice against."""
    month = first_day(query.month)
    found = board_reads.waiting_day_statement(system, viewer_of(user), month, query.hospital, now)
    with looks_logged(system, user, found, "api/overliggedogn", now):
        return WaitingDayStatement.model_validate(found)


@router.get(
    "/waiting-days/export.{sheet_format}",
    response_class=Response,
    responses={200: SPREADSHEET[200]},
)
def waiting_days_export(
    sheet_format: SheetFormat,
    request: Request,
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
    query: Asked,
) -> Response:
    """The statement as CSV (Norwegian Excel) or XLSX: its lines, a sum after each
    hospital's and the month's."""
    month, language = first_day(query.month), language_of(request)
    return statement_download(
        system, user, month, query.hospital, sheet_format, language, now, via="api/"
    )
