"""A board as a spreadsheet to download: one implementation behind the API's and the
pages' routes. The same access check and read model as the board itself, so the file holds
exactly the rows the viewer's board shows; the access log is written before it is sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from fastapi.responses import Response

from access.accounts import User
from access.policy import may_see_board, viewer_of
from boards.exports.spreadsheets import SheetFormat, download, spreadsheet
from boards.exports.tables import Board, export_of
from boards.services.looks import looks_logged
from boards.services.system import System
from boards.web.translations import formatters, translator
from flow.errors import NotPermittedError
from projections.allocation_board import AllocationBoard
from projections.bed_grid import places
from projections.cards import today
from projections.home_care_board import HomeCareBoard
from projections.unit_board import UnitBoard


class BoardKind(StrEnum):
    """Which board, by the name its exports carry in the access log."""

    ALLOCATION = "tildeling"
    UNIT = "enhet"
    ZONE = "sone"


def board_download(
    system: System,
    user: User,
    kind: BoardKind,
    place_id: UUID | None,
    sheet_format: SheetFormat,
    language: str,
    now: datetime,
    *,
    via: str = "",
) -> Response:
    """`via` prefixes the access log's view: "api/" for the JSON API, "" for the pages."""
    if not may_see_board(viewer_of(user), place_id):
        raise NotPermittedError("board_not_yours")
    system.projector.catch_up()
    board = _read(system, user, kind, place_id, now)
    view = f"{via}eksport/{kind.value}.{sheet_format.value}"
    with looks_logged(system, user, board, view, now):  # written while the file is made
        _ = translator(language)
        names = {place.id: place.name for place in places(system.engine, user.municipality_id)}
        export = export_of(board, _, system.flows.municipality_name(user.municipality_id), names)
        exported = formatters(language)["moment"](now, "d. MMMM y HH:mm")
        heading = f"{export.title} · {_('Eksportert')} {exported}"
        content = spreadsheet(export, sheet_format, heading, language)
    filename = f"{export.stem}-{today(now).isoformat()}.{sheet_format.value}"
    return download(content, sheet_format, filename)


def _read(
    system: System, user: User, kind: BoardKind, place_id: UUID | None, now: datetime
) -> Board:
    engine, municipality, rates = (
        system.engine,
        user.municipality_id,
        system.rates.of(user.municipality_id),
    )
    if kind == BoardKind.ALLOCATION:
        return AllocationBoard.read(engine, municipality, now, rates)
    assert place_id is not None, "a unit's or a zone's board names its place"
    if kind == BoardKind.UNIT:
        return UnitBoard.read(engine, municipality, place_id, now, rates)
    return HomeCareBoard.read(engine, municipality, place_id, now, rates)
