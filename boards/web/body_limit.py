"""Request bodies are limited per route before anything reads them, so a large body costs
the server neither memory nor parsing, logged in or not: a `Content-Length` over the limit
is refused at once, and a body sent without one (chunked) is counted as it streams in and
refused as soon as it passes the limit. The refusal is 413, a problem with a sentence.

A pure ASGI middleware, not Starlette's `BaseHTTPMiddleware`: it passes the body on chunk
by chunk and never holds it whole. It runs before routing, so before any authentication.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from access.policy import HOSPITAL_MESSAGES_PATH
from boards.hospital.ingest import MAX_BYTES as MESSAGE_BYTES
from boards.web.problems import answer
from flow.checklist_file import MAX_CHARACTERS as CHECKLIST_CHARACTERS
from flow.errors import FlowError
from flow.hospital_messages import UnreadableMessageError

#: The most bytes one character of text takes as sent: a JSON escape of a surrogate pair
#: (`\ud83d\ude00`), or a 4-byte UTF-8 character percent-encoded in a form (`%F0%9F%98%80`).
BYTES_PER_CHARACTER = 12
#: Commands and every other JSON or form body. The largest legal one is a 2,000-character
#: note beside a few short fields: 24,000 bytes at worst as sent, so 32 KiB holds it with
#: room for the fields, and nothing legal comes near it.
COMMAND_BYTES = 32 * 1024
#: The checklist templates an administrator writes: their longest text as sent, and the
#: form's other fields.
CHECKLIST_BYTES = CHECKLIST_CHARACTERS * BYTES_PER_CHARACTER + COMMAND_BYTES


@dataclass(frozen=True)
class Limit:
    """The most bytes a route's body may have, and the refusal when it has more."""

    most_bytes: int
    refusal: FlowError


def _body(most_bytes: int) -> Limit:
    return Limit(most_bytes, FlowError("body_too_large", limit_kib=most_bytes // 1024))


#: The routes whose bodies may be larger than a command's, by path.
LARGER: Mapping[str, Limit] = {
    HOSPITAL_MESSAGES_PATH: Limit(
        MESSAGE_BYTES, UnreadableMessageError("message_too_large", limit_kib=MESSAGE_BYTES // 1024)
    ),
    "/api/v1/admin/checklists": _body(CHECKLIST_BYTES),
    "/admin/sjekklister": _body(CHECKLIST_BYTES),
}
_COMMAND = _body(COMMAND_BYTES)
LARGEST_BYTES = max(limit.most_bytes for limit in (*LARGER.values(), _COMMAND))


def limit_of(path: str) -> Limit:
    return LARGER.get(path, _COMMAND)


class BodyTooLargeError(HTTPException):
    """The body streamed in passed its route's limit. An `HTTPException`, so that FastAPI
    lets it through as it is while it reads a body, rather than calling it unparsable."""

    def __init__(self, limit: Limit) -> None:
        super().__init__(413)
        self.limit = limit


def too_large(request: Request, limit: Limit) -> Response:
    return answer(request, limit.refusal, 413)


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_of(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit.most_bytes:
            await too_large(Request(scope), limit)(scope, receive, send)
            return
        taken = 0

        async def counted() -> Message:
            nonlocal taken
            message = await receive()
            if message["type"] == "http.request":
                taken += len(message.get("body", b""))
                if taken > limit.most_bytes:
                    raise BodyTooLargeError(limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses such a request before the app sees it
    return None


async def _refuse(request: Request, error: Exception) -> Response:
    assert isinstance(error, BodyTooLargeError)
    return too_large(request, error.limit)


def install_body_limit(app: FastAPI) -> None:
    app.add_middleware(BodyLimit)
    app.add_exception_handler(BodyTooLargeError, _refuse)
