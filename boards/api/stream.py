"""`GET /api/v1/stream`: the flows the viewer may see, as they change, over Server-Sent Events.

Each message is one recorded event of a flow: `event:` the event's name, `id:` its position
in the log, `data:` the flow's card as it is now. Reconnecting with `Last-Event-ID` resumes
after that position with no gap and no duplicate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent

from access.policy import viewer_of
from boards.dependencies import CurrentUser
from boards.live import Live, Message

_PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
router = APIRouter(
    tags=["direkte"],
    responses={
        401: {"description": "Ikke innlogget", "content": _PROBLEM},
        422: {"description": "Ugyldig forespørsel", "content": _PROBLEM},
    },
)


@router.get("/stream", response_class=EventSourceResponse)
async def stream(
    request: Request,
    user: CurrentUser,
    last_event_id: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> AsyncIterator[ServerSentEvent]:
    live: Live = request.app.state.live
    clock = request.app.state.clock
    viewer = viewer_of(user)
    with live.subscribe() as subscription:
        sent = live.position
        if last_event_id and last_event_id.isdigit():
            missed = await run_in_threadpool(live.since, int(last_event_id), sent)
            for missed_change in missed:
                if isinstance(missed_change, Message) and missed_change.visible_to(viewer, clock()):
                    yield _event(missed_change)
        while not subscription.ended and not await request.is_disconnected():
            change = await subscription.next(timeout=1.0)
            if (
                isinstance(change, Message)
                and change.id > sent
                and change.visible_to(viewer, clock())
            ):
                yield _event(change)


def _event(message: Message) -> ServerSentEvent:
    return ServerSentEvent(data=message.card, event=message.event, id=str(message.id))
