"""What a response shows of patients: the flows whose identity it carries, written while
the response is made and before it goes out (`access/access_log.py`). Streams log each
message before they send it; the looks of all streams woken by one change are written
together (`StreamLooks`)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi.concurrency import run_in_threadpool

from access.access_log import AccessLog
from access.accounts import User
from boards.services.system import System


def shown_flows(value: Any) -> set[UUID]:
    """The flows of every card, task or loop in `value` that carries a patient's name: a
    thing with a `flow_id` and a `name` is one (and holds no other), anything else is looked
    into (its lists and dataclass fields)."""
    found: set[UUID] = set()
    if isinstance(value, list | tuple):
        for item in value:
            found |= shown_flows(item)
        return found
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return found
    flow_id = getattr(value, "flow_id", None)
    if isinstance(flow_id, UUID) and hasattr(value, "name"):
        found.add(flow_id)
        return found
    for field in dataclasses.fields(value):
        item = getattr(value, field.name)
        if isinstance(item, list | tuple) or dataclasses.is_dataclass(item):
            found |= shown_flows(item)
    return found


@contextmanager
def looks_logged(system: System, user: User, value: Any, view: str, at: datetime) -> Iterator[None]:
    """Write the looks of `value` while the block makes the response from it: the write
    (its statement and its commit's fsync) runs beside the rendering, and the block ends
    only once it is written, so a response never goes out unlogged."""
    written = system.access_log.record_soon(user, shown_flows(value), view, at)
    try:
        yield
    finally:
        written.result()


class StreamLooks:
    """Looks from many streams, one statement per burst: each stream awaits the write that
    holds its look before it sends the message (a failed write ends the stream unsent)."""

    def __init__(self, log: AccessLog) -> None:
        self.log = log
        self._pending: list[tuple[User, list[UUID], str, datetime]] = []
        self._writing: asyncio.Task[None] | None = None

    async def record(self, user: User, flow_ids: list[UUID], view: str, at: datetime) -> None:
        if not flow_ids:
            return
        self._pending.append((user, flow_ids, view, at))
        if self._writing is None:
            self._writing = asyncio.get_running_loop().create_task(self._write())
        await asyncio.shield(self._writing)

    async def _write(self) -> None:
        await asyncio.sleep(0)  # the other streams woken by the same change add theirs
        batch, self._pending, self._writing = self._pending, [], None
        await run_in_threadpool(self.log.record_many, batch)
