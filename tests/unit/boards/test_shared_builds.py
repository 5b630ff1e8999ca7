"""`SharedBuilds`: the streams of one key that ask together take one build; a stream that
heard of a change after the build began, another key, a stale or a failed build is built
anew."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from boards.live import shared
from boards.live.shared import SharedBuilds


def test_streams_asking_together_take_one_build() -> None:
    builds, made = SharedBuilds(), []
    gate = threading.Event()

    def build() -> str:
        made.append(1)
        gate.wait(2)
        return "board"

    async def many() -> list[str]:
        heard = time.monotonic()
        asks = [asyncio.create_task(builds.get("k", heard, build)) for _ in range(20)]
        await asyncio.sleep(0.05)
        gate.set()
        return await asyncio.gather(*asks)

    assert asyncio.run(many()) == ["board"] * 20
    assert len(made) == 1


def test_a_change_heard_later_another_key_or_a_stale_build_is_built_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    builds, made = SharedBuilds(), []

    def build() -> int:
        made.append(1)
        return len(made)

    async def asks() -> list[int]:
        before = time.monotonic()
        first = await builds.get("k", before, build)
        same = await builds.get("k", before, build)  # heard before it began: the same
        newer = await builds.get("k", time.monotonic(), build)  # heard since: read again
        other = await builds.get("other", before, build)
        monkeypatch.setattr(shared, "FRESH_SECONDS", 0.0)
        await asyncio.sleep(0.01)
        stale = await builds.get("k", before, build)
        return [first, same, newer, other, stale]

    assert asyncio.run(asks()) == [1, 1, 2, 3, 4]


def test_a_failed_build_is_not_kept() -> None:
    builds, made = SharedBuilds(), []

    def failing() -> str:
        made.append(1)
        if len(made) == 1:
            raise LookupError("gone")
        return "board"

    async def asks() -> str:
        with pytest.raises(LookupError):
            await builds.get("k", 0.0, failing)
        await asyncio.sleep(0)  # the failed build's callback has run
        return await builds.get("k", 0.0, failing)

    assert asyncio.run(asks()) == "board"
    assert len(made) == 2
