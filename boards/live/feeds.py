"""What each board's stream sends, as HTML fragments that htmx swaps in by id. The allocation
board gets each changed card as it comes (`kort`), and after a burst of changes its counts,
summary, broken loops and the office's lists of tasks (`tall`). The other boards are made of
parts with stable ids: a unit's summary, each bed, its arrivals, departures and lists of
tasks; a zone's summary, homecomings and lists of tasks; a wall's beds, by initials. After a
burst of changes that touched such a board, its stream reads the board again and sends the
parts whose HTML differs from what it sent before (`deler`). A patient's page, after a burst
of changes to its flow, fetches itself anew (`dag`). A rejection being written in the task
list is kept by the page (`hx-preserve`), so no swap takes a half-written reason away. The
parts are shared by the streams of one viewer class (`boards/live/shared.py`), so their
forms carry no session's CSRF token: htmx sends the page's own, as the body's `hx-headers`
says.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from fastapi.concurrency import run_in_threadpool

from access.policy import Viewer
from boards.live import sse
from boards.live.follower import (
    AttentionChanged,
    Change,
    DeviceRevoked,
    Live,
    Message,
    PlaceChanged,
)
from boards.live.shared import SharedBuilds
from boards.services import board_reads
from boards.services.looks import shown_flows
from boards.services.task_lists import viewer_tasks
from boards.web.rendering import draw, fragment
from projections.allocation_board import COLUMNS, column_of
from projections.home_care_board import HomeCareBoard
from projections.task_lists import TaskLists
from projections.unit_board import UnitBoard
from projections.wall_display import WallDisplay, ZoneWall

#: A page (or an API client) this far behind the log is drawn anew (told to read the boards
#: again) rather than replayed card by card.
MOST_REPLAYED = 1000


@dataclass(frozen=True)
class Sent:
    """An event for the browser, and the flows whose identity it shows (for the log)."""

    event: bytes
    shows: frozenset[UUID] = frozenset()


class Feed(Protocol):
    """One board's side of a stream; `board_stream` does the listening, the timing and the
    access log."""

    #: A burst of changes is over when none came for this long.
    settle_seconds: float

    def touches(self, change: Change, now: datetime) -> bool:
        """Does the change concern this board, for this viewer?"""

    async def at_once(self, change: Change) -> Sent | None:
        """What is sent as soon as a change touches the board."""

    async def resume(self, after: int | None, upto: int) -> list[Sent]:
        """What a page drawn at `after` (None: not known) missed up to `upto`."""

    async def settled(self, position: int, heard: float) -> Sent | None:
        """What is sent once a burst of changes is over: the board as it is at `position`
        or later, read after `heard` (`time.monotonic()` when its last change came)."""


#: The page fetches its board anew: the day turned, or much has changed.
REDRAW = Sent(sse.event("dag", ""))


class AllocationFeed:
    settle_seconds = 0.2  # the counts need the whole board read: wait for quiet

    def __init__(
        self,
        live: Live,
        viewer: Viewer,
        language: str,
        clock: Callable[[], datetime],
        place_names: dict[UUID, str],
    ) -> None:
        self.live, self.viewer, self.language, self.clock = live, viewer, language, clock
        self.place_names = place_names

    def touches(self, change: Change, now: datetime) -> bool:
        """A flow the viewer may see, or the municipality's hospital messages to follow up;
        the board shows no beds."""
        if isinstance(change, AttentionChanged):
            return change.municipality_id == self.viewer.municipality_id
        return isinstance(change, Message) and change.visible_to(self.viewer, now)

    async def at_once(self, change: Change) -> Sent | None:
        """The card, moved to the top of its column: drawn once for every allocation
        stream of the language (every allocation viewer may see the card it was told)."""
        if not isinstance(change, Message):
            return None

        def card() -> Sent:
            column = column_of(change.card, self.clock())
            html = draw("_allocation_live.html", self.language, card=change.card, column=column)
            return Sent(sse.event("kort", html, change.id), frozenset({change.flow_id}))

        key = ("kort", change.id, self.language)
        return await self.live.builds.get(key, 0.0, card)  # the card is the change's

    async def resume(self, after: int | None, upto: int) -> list[Sent]:
        if after is None:
            return []
        if upto - after > MOST_REPLAYED:
            return [REDRAW]
        missed = await run_in_threadpool(self.live.since, after, upto)
        now = self.clock()
        return [event for m in missed if self.touches(m, now) and (event := await self.at_once(m))]

    async def settled(self, position: int, heard: float) -> Sent:
        """The column counts, the summary, the broken loops and the messages to follow up:
        read and drawn once for the streams of the same viewer class and language."""
        key = ("tildeling", self.viewer, self.language)
        return await self.live.builds.get(key, heard, self._counts)

    def _counts(self) -> Sent:
        system = self.live.system
        now = self.clock()
        board = board_reads.allocation_board(system, self.viewer, now, caught_up=True)
        lists = viewer_tasks(system, self.viewer, now, caught_up=True)
        attention = system.hospital_messages.attention_count(self.viewer.municipality_id)
        html = draw(
            "_allocation_live.html",
            self.language,
            card=None,
            board=board,
            lists=lists,
            columns=COLUMNS,
            place_names=self.place_names,
            attention=attention,
        )
        return Sent(sse.event("tall", html), frozenset(shown_flows([board.broken_loops, lists])))


class FlowFeed:
    """One patient's page: after a burst of changes to its flow, the page fetches itself
    anew (`dag`, with the position), which logs the look as any page does; the stream shows
    no patient. A half-written reason or command is kept by the page (`hx-preserve`)."""

    settle_seconds = 0.05

    def __init__(self, live: Live, flow_id: UUID) -> None:
        self.live, self.flow_id = live, flow_id

    def touches(self, change: Change, now: datetime) -> bool:
        return self._changed(change)

    def _changed(self, change: Change) -> bool:
        return isinstance(change, Message) and change.flow_id == self.flow_id

    async def at_once(self, change: Change) -> None:
        return None

    async def resume(self, after: int | None, upto: int) -> list[Sent]:
        """Drawn anew if the flow changed since the page was drawn (or too much happened to
        know cheaply)."""
        if after is None or after >= upto:
            return []
        if upto - after > MOST_REPLAYED:
            return [REDRAW]
        missed = await run_in_threadpool(self.live.since, after, upto)
        return [await self.settled(upto, 0.0)] if any(map(self._changed, missed)) else []

    async def settled(self, position: int, heard: float) -> Sent:
        return Sent(sse.event("dag", "", position))


@dataclass(frozen=True)
class Drawn:
    """A board as its parts' HTML by element id, the flows it shows, and those of them it
    shows by name (a wall shows initials only)."""

    parts: Mapping[str, str]
    flow_ids: frozenset[UUID]
    named: frozenset[UUID] = frozenset()


class PartsFeed:
    """A board of parts: after a change that touched it, the parts that changed.

    A change touches the board when its flow is shown there now, or is related to the
    board's unit or zone after the change (reserved, placed, coming home, a task), or when
    the place's beds changed. The board is read and drawn once for every stream of the same
    `key` (the board, its viewer class and language: `boards/live/shared.py`); which parts
    changed is each stream's own.
    """

    settle_seconds = 0.05  # one command's events come together; a board is read in ms

    def __init__(
        self, place_id: UUID, read: Callable[[], Drawn], key: Hashable, builds: SharedBuilds
    ) -> None:
        self.place_id, self.read, self.key, self.builds = place_id, read, key, builds
        self.shown: Drawn | None = None  # None: what the page shows is not known

    def touches(self, change: Change, now: datetime) -> bool:
        if isinstance(change, AttentionChanged | DeviceRevoked):
            return False
        if self.shown is None:
            return True
        if isinstance(change, PlaceChanged):
            return change.place_id == self.place_id
        return change.flow_id in self.shown.flow_ids or self.place_id in change.relations.units(now)

    async def at_once(self, change: Change) -> None:
        return None

    async def resume(self, after: int | None, upto: int) -> list[Sent]:
        if after is not None and after >= upto:
            return []
        sent = await self.settled(upto, time.monotonic())
        return [sent] if sent else []

    async def settled(self, position: int, heard: float) -> Sent | None:
        """The parts that changed; the log counts every patient the board then shows."""
        drawn = await self.builds.get(self.key, heard, self.read)
        before = self.shown.parts if self.shown else {}
        changed = [html for key, html in drawn.parts.items() if before.get(key) != html]
        self.shown = drawn
        if not changed:
            return None
        return Sent(sse.event("deler", "".join(changed), position), drawn.named)


def unit_parts(board: UnitBoard, language: str, role: str) -> Drawn:
    """The unit's parts, with the commands `role` gives on its beds and arrivals."""
    beds = {
        f"bed-{slot.bed}": fragment("_bed.html", language, slot=slot, role=role, oob=True)
        for slot in board.beds
    }
    sections: dict[str, str] = {
        name: draw(f"_{name}.html", language, board=board, role=role, oob=True)
        for name in ("unit_summary", "arrivals", "departures")
    }
    sections["tasks"] = task_lists_part(board.task_lists, language)
    shown = [
        *(slot.flow for slot in board.beds if slot.flow),
        *board.arrivals,
        *board.departures,
    ]
    flow_ids = frozenset(
        {card.flow_id for card in shown} | {t.flow_id for t in board.task_lists.rows}
    )
    return Drawn({**sections, **beds}, flow_ids, flow_ids)


def zone_parts(board: HomeCareBoard, language: str, role: str) -> Drawn:
    """The zone's parts, with the commands `role` gives on the patients coming home."""
    sections: dict[str, str] = {
        name: draw(f"_{name}.html", language, board=board, role=role, oob=True)
        for name in ("zone_summary", "homecomings")
    }
    sections["tasks"] = task_lists_part(board.task_lists, language)
    flow_ids = frozenset(
        {h.flow.flow_id for h in board.coming_home} | {t.flow_id for t in board.task_lists.rows}
    )
    return Drawn(sections, flow_ids, flow_ids)


def task_lists_part(lists: TaskLists, language: str) -> str:
    """A board's three lists of tasks, swapped in whole by their id (`#tasks`)."""
    return draw("_task_lists.html", language, lists=lists, oob=True)


def wall_parts(display: WallDisplay, language: str) -> Drawn:
    """Beds and initials only, and the counts over them."""
    beds = {
        f"bed-{bed.bed}": fragment("_wall_bed.html", language, bed=bed, oob=True)
        for bed in display.beds
    }
    summary = draw("_wall_summary.html", language, display=display, oob=True)
    return Drawn({"wall-summary": summary, **beds}, display.flow_ids)


def zone_wall_parts(wall: ZoneWall, language: str) -> Drawn:
    html = draw("_zone_wall.html", language, wall=wall, oob=True)
    return Drawn({"wall-homecomings": html}, wall.flow_ids)
