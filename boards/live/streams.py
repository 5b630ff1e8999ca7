"""The boards' own streams: each board page listens to one, and what it shows stays current.

Every stream answers 403 or 404 exactly where its page does (the same dependencies check
it), and starts where the page was drawn (`fra`, or `Last-Event-ID` when the browser
reconnects), so nothing recorded in between is lost. What each board gets is its `Feed`
(`boards/live_feeds.py`); here is the listening: a change that touches the board is sent at
once or kept until the burst is over (quiet for the feed's `settle_seconds`, at the latest
`_MOST_UNSETTLED_SECONDS` after its first change); at midnight in Oslo the page fetches its
board anew (`dag`); a quiet stream sends a heartbeat (`boards/sse.py`), and every stream
ends at once when the server stops. A display device's stream ends, telling the page to
fetch itself (which then says the screen is not in use), once the device is revoked.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from access.accounts import User
from access.devices import Device
from access.policy import viewer_of
from boards.live import sse
from boards.live.feeds import (
    REDRAW,
    AllocationFeed,
    Drawn,
    Feed,
    FlowFeed,
    PartsFeed,
    Sent,
    unit_parts,
    wall_parts,
    zone_parts,
    zone_wall_parts,
)
from boards.live.follower import DeviceRevoked, Live
from boards.services import board_reads
from boards.services.display import device_board
from boards.services.flow_access import flow_basis
from boards.services.patient_page import shown_flow
from boards.web import sessions
from boards.web.dependencies import LastEventId
from boards.web.sessions import display_device
from boards.web.translations import language_of
from flow.errors import NotFoundError
from projections.wall_display import ZoneWall

# Registered before `display_pages`, so that `/skjerm/strom` is not taken for a token.
router = APIRouter(include_in_schema=False)

_MOST_UNSETTLED_SECONDS = 0.5
_CHECK_SECONDS = 5.0  # how often a device's stream asks itself, should no revocation be told


async def _always() -> bool:
    return True


def board_stream(
    request: Request,
    feed: Feed,
    start: int | None,
    viewer: tuple[User, str] | None,
    still_valid: Callable[[], Awaitable[bool]] = _always,
    device_id: UUID | None = None,
) -> sse.EventStream:
    """The feed's events, from the page's position `start` on, until the client leaves, the
    server stops, the display device `device_id` is revoked, or `still_valid` says no (it is
    asked every few seconds, should a revocation not be told). Before an event goes out, the
    patients it shows by name are in the access log as seen by `viewer` (user, view). A user
    or device with `MOST_STREAMS` open already is refused, 429."""
    live: Live = request.app.state.live
    clock, looks = request.app.state.clock, request.app.state.looks
    owner = viewer[0].id if viewer is not None else device_id
    if owner is not None:
        live.check_room(owner)

    async def logged(sent: Sent) -> bytes:
        if viewer is not None and sent.shows:
            await looks.record(viewer[0], list(sent.shows), viewer[1], clock())
        return sent.event

    events = _events(live, clock, feed, start, still_valid, logged, device_id, owner)
    return sse.EventStream(events)


async def _events(
    live: Live,
    clock: Callable[[], datetime],
    feed: Feed,
    start: int | None,
    still_valid: Callable[[], Awaitable[bool]],
    logged: Callable[[Sent], Awaitable[bytes]],
    device_id: UUID | None,
    owner: UUID | None,
) -> AsyncIterator[bytes]:
    with live.subscribe(owner) as subscription:
        if subscription.ended:
            return
        sent = live.position
        for missed in await feed.resume(start, sent):
            yield await logged(missed)
        unsettled_since: float | None = None
        heard = time.monotonic()  # when the last change that touched the board came
        checked = quiet_since = time.monotonic()
        while not subscription.ended:
            timeout = 1.0 if unsettled_since is None else feed.settle_seconds
            change = await subscription.next(timeout=timeout)
            if subscription.new_day:
                subscription.new_day = False
                yield REDRAW.event
            if isinstance(change, DeviceRevoked) and change.device_id == device_id:
                yield REDRAW.event  # the page, fetched, says the screen is not in use
                return
            if time.monotonic() - checked > _CHECK_SECONDS:
                if not await still_valid():
                    yield REDRAW.event
                    return
                checked = time.monotonic()
            if change is not None and (change.id > sent or change.id == 0):  # 0: not of the log
                sent = max(sent, change.id)
                if feed.touches(change, clock()):
                    heard = time.monotonic()
                    if event := await feed.at_once(change):
                        yield await logged(event)
                        quiet_since = time.monotonic()
                    unsettled_since = unsettled_since or time.monotonic()
                    if time.monotonic() - unsettled_since < _MOST_UNSETTLED_SECONDS:
                        continue
            if unsettled_since is not None and (
                change is None or time.monotonic() - unsettled_since >= _MOST_UNSETTLED_SECONDS
            ):
                unsettled_since = None
                if event := await feed.settled(sent, heard):
                    yield await logged(event)
                    quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= sse.HEARTBEAT_SECONDS:
                yield sse.PING
                quiet_since = time.monotonic()


def _parts_feed(
    request: Request, place_id: UUID, read: Callable[[], Drawn], key: Hashable
) -> PartsFeed:
    """A board of parts, read once for every stream of the same `key` (`boards/live/shared.py`)."""
    return PartsFeed(place_id, read, key, request.app.state.live.builds)


def _start(fra: int | None, last_event_id: int | None) -> int | None:
    """Where the browser's page stands: its last event, else where it was drawn."""
    return fra if last_event_id is None else last_event_id


@router.get("/tildeling/strom", response_class=sse.EventStream)
async def allocation_stream(
    request: Request,
    session: sessions.AllocationSession,
    last_event_id: LastEventId,
    fra: int | None = None,
) -> sse.EventStream:
    user = session.user
    places = await run_in_threadpool(sessions.municipality_places, request, user)
    feed = AllocationFeed(
        request.app.state.live,
        viewer_of(user),
        language_of(request),
        request.app.state.clock,
        {place.id: place.name for place in places},
    )
    return board_stream(request, feed, _start(fra, last_event_id), (user, "tildeling/strøm"))


@router.get("/enheter/{unit_id}/strom", response_class=sse.EventStream)
async def unit_stream(
    request: Request,
    unit_id: UUID,
    session: sessions.PageSession,
    _: sessions.UnitBoardRead,
    last_event_id: LastEventId,
    fra: int | None = None,
) -> sse.EventStream:
    system, clock, language = (
        request.app.state.system,
        request.app.state.clock,
        language_of(request),
    )
    viewer = viewer_of(session.user)

    def read() -> Drawn:
        board = board_reads.unit_board(system, viewer, unit_id, clock(), caught_up=True)
        return unit_parts(board, language, viewer.role)

    feed = _parts_feed(request, unit_id, read, ("enhet", unit_id, viewer, language))
    start = _start(fra, last_event_id)
    return board_stream(request, feed, start, (session.user, "enhet/strøm"))


@router.get("/enheter/{unit_id}/vegg/strom", response_class=sse.EventStream)
async def wall_stream(
    request: Request,
    unit_id: UUID,
    session: sessions.PageSession,
    _: sessions.UnitWallRead,
    last_event_id: LastEventId,
    fra: int | None = None,
) -> sse.EventStream:
    system, clock, language = (
        request.app.state.system,
        request.app.state.clock,
        language_of(request),
    )
    viewer = viewer_of(session.user)

    def read() -> Drawn:
        display = board_reads.unit_wall(system, viewer, unit_id, clock(), caught_up=True)
        return wall_parts(display, language)

    feed = _parts_feed(request, unit_id, read, ("vegg", unit_id, viewer, language))
    return board_stream(request, feed, _start(fra, last_event_id), None)


@router.get("/soner/{zone_id}/strom", response_class=sse.EventStream)
async def zone_stream(
    request: Request,
    zone_id: UUID,
    session: sessions.PageSession,
    _: sessions.ZoneBoardRead,
    last_event_id: LastEventId,
    fra: int | None = None,
) -> sse.EventStream:
    system, clock, language = (
        request.app.state.system,
        request.app.state.clock,
        language_of(request),
    )
    viewer = viewer_of(session.user)

    def read() -> Drawn:
        board = board_reads.zone_board(system, viewer, zone_id, clock(), caught_up=True)
        return zone_parts(board, language, viewer.role)

    feed = _parts_feed(request, zone_id, read, ("sone", zone_id, viewer, language))
    start = _start(fra, last_event_id)
    return board_stream(request, feed, start, (session.user, "sone/strøm"))


@router.get("/tildeling/forlop/{flow_id}/strom", response_class=sse.EventStream)
async def patient_stream(
    request: Request,
    flow_id: UUID,
    session: sessions.PageSession,
    last_event_id: LastEventId,
    fra: int | None = None,
) -> sse.EventStream:
    """The patient's page's stream, for whoever may see the page (404 as it answers); it
    ends once she no longer may (the 72 hours over, her emergency access run out)."""
    system, clock, user = request.app.state.system, request.app.state.clock, session.user
    await run_in_threadpool(shown_flow, system, user, flow_id, clock())  # as the page checks

    async def still_valid() -> bool:
        try:
            await run_in_threadpool(flow_basis, system, user, flow_id, clock())
        except NotFoundError:
            return False
        return True

    feed = FlowFeed(request.app.state.live, flow_id)
    start = _start(fra, last_event_id)
    return board_stream(request, feed, start, (user, "pasientside/strøm"), still_valid)


def streaming_device(request: Request) -> Device:
    """The device of `/skjerm`, with a place to show; else 404, as the page answers."""
    device = display_device(request)
    if device is None or not device_board(
        request.app.state.system, device, request.app.state.clock()
    ):
        raise NotFoundError("display_unknown")
    return device


@router.get("/skjerm/strom", response_class=sse.EventStream)
async def device_stream(
    request: Request,
    device: Annotated[Device, Depends(streaming_device)],
    last_event_id: LastEventId,
    fra: int | None = None,
) -> sse.EventStream:
    system, clock = request.app.state.system, request.app.state.clock
    language = language_of(request)

    def read() -> Drawn:
        board = device_board(system, device, clock())
        if isinstance(board, ZoneWall):
            return zone_wall_parts(board, language)
        if board is None:
            raise NotFoundError("display_place_gone")
        return wall_parts(board, language)

    async def still_valid() -> bool:
        return await run_in_threadpool(display_device, request) is not None

    feed = _parts_feed(request, device.unit_id, read, ("skjerm", device.viewer, language))
    start = _start(fra, last_event_id)
    return board_stream(request, feed, start, None, still_valid, device_id=device.id)
