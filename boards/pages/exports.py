"""The boards as spreadsheets for browsers, beside each board's page: `export.csv` and
`export.xlsx`, in the language the user chose (`boards/downloads.py`)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from access.accounts import User
from boards.exports.downloads import BoardKind, board_download
from boards.exports.spreadsheets import SheetFormat
from boards.web.dependencies import get_now, get_system
from boards.web.sessions import PageSession
from boards.web.translations import language_of

router = APIRouter(include_in_schema=False)


@router.get("/tildeling/export.{sheet_format}")
def allocation_download(
    request: Request, sheet_format: SheetFormat, session: PageSession
) -> Response:
    return _download(request, session.user, BoardKind.ALLOCATION, None, sheet_format)


@router.get("/enheter/{unit_id}/export.{sheet_format}")
def unit_download(
    request: Request, unit_id: UUID, sheet_format: SheetFormat, session: PageSession
) -> Response:
    return _download(request, session.user, BoardKind.UNIT, unit_id, sheet_format)


@router.get("/soner/{zone_id}/export.{sheet_format}")
def zone_download(
    request: Request, zone_id: UUID, sheet_format: SheetFormat, session: PageSession
) -> Response:
    return _download(request, session.user, BoardKind.ZONE, zone_id, sheet_format)


def _download(
    request: Request, user: User, kind: BoardKind, place: UUID | None, sheet_format: SheetFormat
) -> Response:
    system, now, language = get_system(request), get_now(request), language_of(request)
    return board_download(system, user, kind, place, sheet_format, language, now)
