"""The wall display a display device opens at /skjerm: no login, no navigation, initials
and bed only. The device is set up with its address once (`/skjerm/{token}`): the address's
token is exchanged for another that lives in a cookie, out of any URL, so the address is
spent; an admin can revoke the device, or give it a new address."""

from __future__ import annotations

from logging import WARNING

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from boards.pages.common import render
from boards.services.display import device_board
from boards.web.dependencies import get_now, get_system
from boards.web.security import client_address, log_access
from boards.web.sessions import DEVICE_COOKIE, DEVICE_COOKIE_AGE, Position, display_device
from projections.wall_display import WallDisplay

router = APIRouter(include_in_schema=False)


@router.get("/skjerm/{token}")
def device_login(request: Request, token: str) -> Response:
    """The address a device is set up with, once: its token is exchanged for another that
    lives in a cookie, out of any URL, and the address opens nothing again."""
    exchanged, client = get_system(request).devices.exchange(token), client_address(request)
    if exchanged is None:
        now = get_now(request)
        log_access("display login refused", who="-", client=client, at=now, level=WARNING)
        return _no_display(request)
    device, cookie = exchanged
    who = f"skjerm {device.name} ({device.id})"
    log_access("display login ok", who=who, client=client, at=get_now(request))
    response = RedirectResponse("/skjerm", status_code=303)
    response.set_cookie(
        DEVICE_COOKIE,
        cookie,
        max_age=DEVICE_COOKIE_AGE,
        path="/skjerm",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/skjerm")
def device_wall(request: Request, position: Position) -> Response:
    device, now = display_device(request), get_now(request)
    board = device_board(get_system(request), device, now) if device else None
    if board is None:
        return _no_display(request)
    live = {
        "position": position,
        "page_path": "/skjerm",
        "stream_path": "/skjerm/strom",
        "now": now,
    }
    if isinstance(board, WallDisplay):
        return render(request, "wall.html", {"display": board, **live})
    return render(request, "device_wall_zone.html", {"wall": board, **live})


def _no_display(request: Request) -> HTMLResponse:
    """Unknown or revoked: nothing to show, and a polling screen reloads to say so."""
    headers = {"HX-Refresh": "true"} if request.headers.get("HX-Request") else None
    response = render(request, "device_wall_unknown.html", {}, status_code=404, headers=headers)
    response.delete_cookie(DEVICE_COOKIE, path="/skjerm")
    return response
