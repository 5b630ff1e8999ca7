"""The wall display a display device opens at /skjerm: no login, no navigation, initials
and bed only. The device is set up with its address once (`/skjerm/{token}`); the token
then lives in a cookie, out of the URL, and an admin can revoke it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from logging import WARNING
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from access.devices import Device
from access.policy import may_see_board
from boards.pages.common import Position, render
from boards.services.system import System
from boards.web.dependencies import get_now, get_system
from boards.web.security import client_address, log_access
from flow.errors import NotFoundError
from projections.flow_cards import initials
from projections.home_care_board import HomeCareBoard
from projections.wall_display import WallDisplay

DEVICE_COOKIE = "pasientflyt_skjerm"
#: Browsers keep a cookie at most 400 days; the device logs in again from its address.
DEVICE_COOKIE_AGE = 400 * 24 * 3600

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Homecoming:
    """One patient coming home, as a corridor may show it."""

    initials: str
    on: date | None
    home: bool
    closed: int
    total: int


@dataclass(frozen=True)
class ZoneWall:
    name: str
    day: date
    coming_home: list[Homecoming]
    flow_ids: frozenset[UUID]  # what a live wall listens for, never shown


def _zone_wall(system: System, municipality_id: UUID, zone_id: UUID, now: datetime) -> ZoneWall:
    board = HomeCareBoard.read(
        system.engine, municipality_id, zone_id, now, system.rates.of(municipality_id)
    )
    horizon = board.day + timedelta(days=7)
    shown = [h for h in board.coming_home if h.flow.plan_on is None or h.flow.plan_on <= horizon]
    return ZoneWall(
        board.name,
        board.day,
        [
            Homecoming(
                initials(h.flow.name),
                h.flow.plan_on,
                h.flow.phase == "discharged",
                h.checklist.closed,
                h.checklist.total,
            )
            for h in shown
        ],
        frozenset(h.flow.flow_id for h in shown),
    )


@router.get("/skjerm/{token}")
def device_login(request: Request, token: str) -> Response:
    """The address a device is set up with: its token becomes a cookie, out of the URL."""
    device, client = get_system(request).devices.for_token(token), client_address(request)
    if device is None:
        now = get_now(request)
        log_access("display login refused", who="-", client=client, at=now, level=WARNING)
        return _no_display(request)
    who = f"skjerm {device.name} ({device.id})"
    log_access("display login ok", who=who, client=client, at=get_now(request))
    response = RedirectResponse("/skjerm", status_code=303)
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_COOKIE_AGE,
        path="/skjerm",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def display_device(request: Request) -> Device | None:
    """The device whose token the cookie holds, while it is valid and may see its place."""
    token = request.cookies.get(DEVICE_COOKIE)
    device = get_system(request).devices.for_token(token) if token else None
    if device is None or not may_see_board(device.viewer, device.unit_id):
        return None
    return device


def device_board(system: System, device: Device, now: datetime) -> WallDisplay | ZoneWall | None:
    """The wall of the device's unit, or of its zone; None when the place is gone."""
    system.projector.catch_up()
    try:
        return WallDisplay.read(system.engine, device.municipality_id, device.unit_id, now)
    except NotFoundError:
        pass  # not a unit: a zone, or gone
    try:
        return _zone_wall(system, device.municipality_id, device.unit_id, now)
    except NotFoundError:
        return None


@router.get("/skjerm")
def device_wall(request: Request, position: Position) -> Response:
    device = display_device(request)
    board = device_board(get_system(request), device, get_now(request)) if device else None
    if board is None:
        return _no_display(request)
    live = {"position": position, "page_path": "/skjerm", "stream_path": "/skjerm/strom"}
    if isinstance(board, WallDisplay):
        return render(request, "wall.html", {"display": board, **live})
    return render(request, "device_wall_zone.html", {"wall": board, **live})


def _no_display(request: Request) -> HTMLResponse:
    """Unknown or revoked: nothing to show, and a polling screen reloads to say so."""
    headers = {"HX-Refresh": "true"} if request.headers.get("HX-Request") else None
    response = render(request, "device_wall_unknown.html", {}, status_code=404, headers=headers)
    response.delete_cookie(DEVICE_COOKIE, path="/skjerm")
    return response
