"""Built once, sent to many: what a change makes a board show is read and drawn once per
board, viewer class and language, and every open stream of that board takes the same build.

A hundred caseworkers of one municipality have a hundred allocation streams open; after a
command each of them sent the same counts and broken loops, and each read and drew the whole
board for it (issue 22, finding 5: 100 streams made a command cost 1.23 s of the server's
time instead of 0.04 s). A viewer class is what the access policy decides by (`Viewer`:
role, municipality, units or zones), never the person: two users of one class see the same
board, and the access log still records each of them, by their own stream.

A stream takes a build begun after it heard of its last change (the read models hold the
change before any stream hears of it), and at most `FRESH_SECONDS` old: the streams of one
change hear of it within a millisecond and ask after a burst is over, so one build serves
them all; a stream that asks later (a page drawn a minute after) gets a board read anew,
with the waiting days and due times as they are then. Changes that are not of the log (the
hospital messages to follow up) are heard like any other. A build that fails is not kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.concurrency import run_in_threadpool

T = TypeVar("T")

FRESH_SECONDS = 1.0
_MOST_KEPT = 512  # builds kept before the stale ones are let go


@dataclass(frozen=True)
class _Build:
    started: float  # time.monotonic() when it began
    task: asyncio.Future[Any]


class SharedBuilds:
    """The latest build per key, shared by the streams of one process (one event loop)."""

    def __init__(self) -> None:
        self._builds: dict[Hashable, _Build] = {}

    async def get(self, key: Hashable, heard: float, build: Callable[[], T]) -> T:
        """The build of `key` begun after `heard` (a `time.monotonic()`), made by `build` in a
        worker thread unless a stream of the same key has one (done or under way)."""
        now, loop = time.monotonic(), asyncio.get_running_loop()
        found = self._builds.get(key)
        if (
            found is None
            or found.started < heard
            or now - found.started > FRESH_SECONDS
            or found.task.get_loop() is not loop
        ):
            found = _Build(now, asyncio.ensure_future(run_in_threadpool(build)))
            found.task.add_done_callback(lambda task: self._forget_failed(key, task))
            self._keep(key, found, now)
        result: T = await asyncio.shield(found.task)
        return result

    def _keep(self, key: Hashable, build: _Build, now: float) -> None:
        self._builds[key] = build
        if len(self._builds) > _MOST_KEPT:
            for stale in [k for k, b in self._builds.items() if now - b.started > FRESH_SECONDS]:
                del self._builds[stale]

    def _forget_failed(self, key: Hashable, task: asyncio.Future[Any]) -> None:
        if task.cancelled() or task.exception() is not None:
            found = self._builds.get(key)
            if found is not None and found.task is task:
                del self._builds[key]
