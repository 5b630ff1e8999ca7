"""Server-Sent Events as plain bytes on a streaming response.

A stream's generator yields `event(...)` for each message and `PING` when it has been quiet
for `HEARTBEAT_SECONDS`, so proxies keep the connection open. The response ends its
generator when the client goes away (Starlette listens for the disconnect) or when the
generator returns (the server stopping).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi.responses import StreamingResponse

HEARTBEAT_SECONDS = 15.0
PING = b": ping\n\n"


def event(name: str, data: str, event_id: int | None = None) -> bytes:
    """One SSE message; each line of `data` gets its own `data:` field."""
    head = f"event: {name}\n" + (f"id: {event_id}\n" if event_id is not None else "")
    body = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"{head}{body}\n".encode()


class EventStream(StreamingResponse):
    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[bytes], status_code: int = 200) -> None:
        # X-Accel-Buffering: a proxy must pass each message on at once. `status_code` is
        # where FastAPI looks for the response's status when it writes the OpenAPI schema.
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        super().__init__(content, status_code=status_code, headers=headers)
