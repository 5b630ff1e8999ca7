"""The boards as spreadsheets, beside each board's JSON read: `export.csv` and
`export.xlsx` (`boards/downloads.py`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from boards.api.flows import REFUSALS
from boards.exports.downloads import BoardKind, board_download
from boards.exports.spreadsheets import MEDIA_TYPES, SheetFormat
from boards.web.dependencies import CurrentSystem, CurrentUser, Now
from boards.web.schemas import Problem
from boards.web.translations import language_of

SPREADSHEET: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Tavlen som regneark (CSV med BOM og `;`, eller XLSX), som vedlegg",
        "content": {
            MEDIA_TYPES[SheetFormat.CSV].split(";")[0]: {"schema": {"type": "string"}},
            MEDIA_TYPES[SheetFormat.XLSX]: {"schema": {"type": "string", "format": "binary"}},
        },
    },
    401: REFUSALS[401],
    403: {"model": Problem, "description": "Ikke din tavle"},
    404: {"model": Problem, "description": "Enheten eller sonen finnes ikke"},
    422: REFUSALS[422],
}

router = APIRouter(tags=["tavler"], responses=SPREADSHEET)


@router.get("/boards/allocation/export.{sheet_format}", response_class=Response)
def allocation_export(
    sheet_format: SheetFormat, request: Request, system: CurrentSystem, user: CurrentUser, now: Now
) -> Response:
    language = language_of(request)
    kind = BoardKind.ALLOCATION
    return board_download(system, user, kind, None, sheet_format, language, now, via="api/")


@router.get("/boards/units/{unit_id}/export.{sheet_format}", response_class=Response)
def unit_export(
    unit_id: UUID,
    sheet_format: SheetFormat,
    request: Request,
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
) -> Response:
    language, kind = language_of(request), BoardKind.UNIT
    return board_download(system, user, kind, unit_id, sheet_format, language, now, via="api/")


@router.get("/boards/zones/{zone_id}/export.{sheet_format}", response_class=Response)
def zone_export(
    zone_id: UUID,
    sheet_format: SheetFormat,
    request: Request,
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
) -> Response:
    language, kind = language_of(request), BoardKind.ZONE
    return board_download(system, user, kind, zone_id, sheet_format, language, now, via="api/")
