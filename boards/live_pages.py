"""The boards' own streams: what changed, as HTML fragments that htmx swaps in by id.

The allocation board (`/tildeling/strom`) gets each changed card, moved to the top of its
column (`kort`), and after a burst of changes the column counts, the summary and the broken
loops (`tall`). Everything else on the page, an open form included, stays as it is. At
midnight in Oslo (`dag`) the page fetches its board anew: every waiting day has changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent

from access.policy import viewer_of
from boards import pages
from boards.live import Live
from boards.rendering import draw
from projections.allocation_board import COLUMNS, AllocationBoard, column_of

router = APIRouter(include_in_schema=False)

#: Quiet this long after a change, and the counts are sent.
_SETTLE_SECONDS = 0.2


@router.get("/tildeling/strom", response_class=EventSourceResponse)
async def allocation_stream(
    request: Request, session: pages.PageSession
) -> AsyncIterator[ServerSentEvent]:
    user = session.user
    pages.require_board(user, None)
    live: Live = request.app.state.live
    system, clock = live.system, request.app.state.clock
    viewer, language = viewer_of(user), pages.language_of(request)
    with live.subscribe() as subscription:
        sent, unsettled = live.position, False
        while not subscription.ended and not await request.is_disconnected():
            message = await subscription.next(timeout=_SETTLE_SECONDS if unsettled else 1.0)
            if subscription.new_day:
                subscription.new_day = False
                yield ServerSentEvent(raw_data="", event="dag")  # the page fetches itself anew
            if message is None:
                if unsettled:
                    board = await run_in_threadpool(
                        AllocationBoard.read,
                        system.engine,
                        user.municipality_id,
                        clock(),
                        system.daily_rates,
                    )
                    names = {p.id: p.name for p in pages.municipality_places(request, user)}
                    html = draw(
                        "_allocation_live.html",
                        language,
                        card=None,
                        board=board,
                        columns=COLUMNS,
                        place_names=names,
                    )
                    yield ServerSentEvent(raw_data=html, event="tall")
                    unsettled = False
            elif message.id > sent and message.visible_to(viewer, clock()):
                column = column_of(message.card, clock())
                html = draw("_allocation_live.html", language, card=message.card, column=column)
                yield ServerSentEvent(raw_data=html, event="kort", id=str(message.id))
                unsettled = True
