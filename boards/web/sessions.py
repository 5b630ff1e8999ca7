"""The browser's session as every page and stream reads it: who is logged in (and their CSRF
token), in which language, which boards they may see, and where the log stood when a board was
read; and a display device's, by the token in its cookie."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Form, Request

from access.accounts import User
from access.devices import Device
from access.policy import may_see_board, viewer_of
from access.sessions import Session
from boards.services import board_reads, past_reads
from boards.services.past_reads import Past
from boards.web.dependencies import get_now, get_system
from flow.errors import NotPermittedError
from projections.bed_grid import PlaceChoice, places
from projections.home_care_board import HomeCareBoard
from projections.unit_board import UnitBoard
from projections.wall_display import WallDisplay

DEVICE_COOKIE = "pasientflyt_skjerm"
#: Browsers keep a cookie at most 400 days; the device logs in again from its address.
DEVICE_COOKIE_AGE = 400 * 24 * 3600
SESSION_COOKIE = "pasientflyt_okt"
LOGIN_CSRF_COOKIE = "pasientflyt_csrf"


class LoginRequired(Exception):
    """A page asked for without a valid session: the browser goes to the login page."""


def session_cookie_name(request: Request) -> str:
    """Over TLS the cookie is `__Host-`: Secure, Path=/ and no Domain, so neither plain
    HTTP nor a sibling domain can plant a session in the browser."""
    return f"__Host-{SESSION_COOKIE}" if request.url.scheme == "https" else SESSION_COOKIE


def page_session(request: Request) -> Session:
    session_id = request.cookies.get(session_cookie_name(request))  # over TLS: __Host- only
    found = get_system(request).sessions.find(session_id, get_now(request)) if session_id else None
    if found is None:
        raise LoginRequired
    request.state.user = found.user  # who, should the access log record a refusal
    return found


def checked_session(
    request: Request,
    session: Annotated[Session, Depends(page_session)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Session:
    """A state-changing request must carry the session's CSRF token (form or header)."""
    sent = csrf_token or request.headers.get("X-CSRF-Token")
    if sent != session.csrf_token:
        raise NotPermittedError("form_expired")
    return session


PageSession = Annotated[Session, Depends(page_session)]
CheckedSession = Annotated[Session, Depends(checked_session)]


def role_session(session: Session, roles: Collection[str], refusal: NotPermittedError) -> Session:
    """The session, if its user has one of the roles (403 otherwise)."""
    if session.user.role not in roles:
        raise refusal
    return session


def municipality_places(request: Request, user: User) -> list[PlaceChoice]:
    """The municipality's units and zones from the read model, once per request."""
    found: list[PlaceChoice] | None = getattr(request.state, "places", None)
    if found is None:
        system = get_system(request)
        system.projector.catch_up()
        found = places(system.engine, user.municipality_id)
        request.state.places = found
    return found


def live_position(request: Request) -> int:
    """Where the log stood before a board was read: its stream resumes from there (`fra`)."""
    position: int = request.app.state.live.position
    return position


Position = Annotated[int, Depends(live_position)]


def allocation_session(session: PageSession) -> Session:
    """The allocation board is the office's (403)."""
    board_reads.authorise_board(viewer_of(session.user), None)
    return session


AllocationSession = Annotated[Session, Depends(allocation_session)]


# A board as the session's user may see it: the page reads it, and its stream depends on it
# to answer 403 or 404 exactly where the page does.


def past_moment(request: Request, session: PageSession) -> Past | None:
    """The moment of `?per=` a board is shown as of (422, 404: `past_reads.past_of`)."""
    text = request.query_params.get("per")
    if text is None:
        return None
    system = get_system(request)
    return past_reads.past_of(system, session.user.municipality_id, text, get_now(request))


PastMoment = Annotated[Past | None, Depends(past_moment)]


def unit_board(
    request: Request, unit_id: UUID, session: PageSession, _: Position, past: PastMoment
) -> UnitBoard:
    """A unit's board: the user's own unit (403), of the user's municipality (404); as it
    stood at `?per=`, if asked."""
    viewer, now, system = viewer_of(session.user), get_now(request), get_system(request)
    if past is not None:
        return past_reads.unit_board(system, viewer, unit_id, past)
    return board_reads.unit_board(system, viewer, unit_id, now)


def unit_wall(
    request: Request, unit_id: UUID, session: PageSession, _: Position, past: PastMoment
) -> WallDisplay:
    viewer, now, system = viewer_of(session.user), get_now(request), get_system(request)
    if past is not None:
        return past_reads.unit_wall(system, viewer, unit_id, past)
    return board_reads.unit_wall(system, viewer, unit_id, now)


def zone_board(
    request: Request, zone_id: UUID, session: PageSession, _: Position, past: PastMoment
) -> HomeCareBoard:
    """A zone's board: the user's own zone (403), of the user's municipality (404); as it
    stood at `?per=`, if asked."""
    viewer, now, system = viewer_of(session.user), get_now(request), get_system(request)
    if past is not None:
        return past_reads.zone_board(system, viewer, zone_id, past)
    return board_reads.zone_board(system, viewer, zone_id, now)


UnitBoardRead = Annotated[UnitBoard, Depends(unit_board)]
UnitWallRead = Annotated[WallDisplay, Depends(unit_wall)]
ZoneBoardRead = Annotated[HomeCareBoard, Depends(zone_board)]


def display_device(request: Request) -> Device | None:
    """The device whose token the cookie holds, while it is valid and may see its place."""
    token = request.cookies.get(DEVICE_COOKIE)
    device = get_system(request).devices.for_token(token) if token else None
    if device is None or not may_see_board(device.viewer, device.unit_id):
        return None
    return device
