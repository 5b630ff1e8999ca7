"""A request that finds the store gone (a PostgreSQL restart, a connection the server
closed) answers 503 with `Retry-After` and a sentence, never 500: the client may simply
send it again. A read (GET, HEAD) is tried once more first, on a fresh connection, since
the pools drop a connection that failed.

A pure ASGI middleware around the app's own exception handling, so that it can run a read
again; an answer already begun (a stream) is not taken back.
"""

from __future__ import annotations

import logging

import psycopg
from eventsourcing import persistence
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import exc
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boards.web.problems import answer
from flow.errors import FlowError

log = logging.getLogger(__name__)

#: What the drivers and libraries raise when the store cannot be reached or the connection
#: broke: SQLAlchemy's, psycopg's, and the event store's (eventsourcing) own.
STORE_GONE: tuple[type[Exception], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    persistence.OperationalError,
    persistence.InterfaceError,
)
RETRY_AFTER_SECONDS = 1
_READS = frozenset({"GET", "HEAD"})


def store_gone(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, STORE_GONE)


def unavailable(request: Request) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return answer(request, FlowError("store_unavailable"), 503, headers=headers)


class StoreOutage:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tries = 2 if scope["method"] in _READS else 1
        for attempt in range(1, tries + 1):
            started = False

            async def watched(message: Message) -> None:
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            try:
                await self.app(scope, receive, watched)
                return
            except Exception as error:
                if started or not store_gone(error):
                    raise
                log.warning("the store is unavailable (%s, try %d of %d)",
                            type(error).__name__, attempt, tries)  # fmt: skip
        await unavailable(Request(scope))(scope, receive, send)
