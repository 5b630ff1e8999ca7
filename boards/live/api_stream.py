"""`GET /api/v1/stream`: the flows the viewer may see, as they change, over Server-Sent Events.

Each message is one recorded event of a flow: `event:` the event's name, `id:` its position
in the log, `data:` the flow's card as it is now. Reconnecting with `Last-Event-ID` resumes
after that position with no gap and no duplicate, unless it is more than `MOST_REPLAYED`
events behind: then the first message is `event: reset` with the log's position as its id,
and the client reads the boards again instead of the stream replaying (and decoding) the log.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from access.accounts import User
from access.policy import viewer_of
from boards.live import sse
from boards.live.feeds import MOST_REPLAYED
from boards.live.follower import Live, Message
from boards.web.dependencies import CurrentUser, LastEventId

_PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
router = APIRouter(
    tags=["direkte"],
    responses={
        401: {"description": "Ikke innlogget", "content": _PROBLEM},
        422: {"description": "Ugyldig forespørsel", "content": _PROBLEM},
        429: {"description": "For mange åpne strømmer", "content": _PROBLEM},
    },
)


@router.get(
    "/stream",
    response_class=sse.EventStream,
    status_code=200,
    response_description="Hendelsene, som Server-Sent Events",
)
async def stream(
    request: Request,
    user: CurrentUser,
    resume: LastEventId,
) -> sse.EventStream:
    live: Live = request.app.state.live
    live.check_room(user.id)
    return sse.EventStream(_messages(request, live, user, resume))


async def _messages(
    request: Request, live: Live, user: User, resume: int | None
) -> AsyncIterator[bytes]:
    """Each card the viewer may see, in the access log before it goes out."""
    viewer, clock, looks = viewer_of(user), request.app.state.clock, request.app.state.looks
    with live.subscribe(user.id) as subscription:
        if subscription.ended:
            return
        sent = live.position
        if resume is not None and sent - resume > MOST_REPLAYED:
            yield sse.event("reset", _RESET, sent)  # not the whole log, decoded, for anyone
        elif resume is not None:
            missed = await run_in_threadpool(live.since, resume, sent)
            shown = [m for m in missed if isinstance(m, Message) and m.visible_to(viewer, clock())]
            await looks.record(user, [m.flow_id for m in shown], _VIEW, clock())
            for message in shown:
                yield _event(message)
        quiet_since = time.monotonic()
        while not subscription.ended:
            change = await subscription.next(timeout=1.0)
            if (
                isinstance(change, Message)
                and change.id > sent
                and change.visible_to(viewer, clock())
            ):
                await looks.record(user, [change.flow_id], _VIEW, clock())
                yield _event(change)
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= sse.HEARTBEAT_SECONDS:
                yield sse.PING
                quiet_since = time.monotonic()


_VIEW = "api/strøm"
#: What a client too far behind is told: what it missed is not replayed; it reads the
#: boards again and follows the stream from the message's id on.
_RESET = '{"reason": "too_far_behind", "read_again": "/api/v1/boards"}'


def _event(message: Message) -> bytes:
    return sse.event(message.event, message.card_json, message.id)
