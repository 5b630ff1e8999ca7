"""Live boards: every process follows the log and tells its open streams what changed.

A follower thread per process applies new events to the read models (`catch_up`), then
publishes one message per recorded flow event to every stream of the process, numbered by
the event's notification id: that number is the SSE `id:`, so a stream that reconnects with
`Last-Event-ID` gets exactly the messages it missed (`since`). The thread wakes after a
commit in this process (`Pasientflyt.on_recorded`), on PostgreSQL's NOTIFY from any process
(LISTEN on the event table's channel), and at the latest after `follow_seconds`. Every
`deadline_seconds` it also runs the deadline process (loops turning overdue), whose events
reach the boards like any other, and at midnight in Oslo it tells every stream the day turned.
Every `index_seconds` it indexes the access log's new looks by flow (`AccessLog.index_by_flow`),
lets go of failed logins whose lockout is over, and gives the read models' tables the indexes a
rebuild that died left out.
Every round it also tells the streams of a display device revoked in any process, which end,
and the streams whose municipality's list of hospital messages to follow up changed (a
refused message records no event; a message taken in this process wakes the thread at once,
one of another process is seen within `follow_seconds`).

Each message is made once, with the flow's card (and its JSON) and care relations, and
fanned out; each stream only filters it through the access policy for its viewer. What the
boards' streams draw of it is built once per board and viewer class (`builds`). A bed
blocked or unblocked (no patient in it) is told as a `PlaceChanged`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import psycopg
from pydantic import TypeAdapter

from access.policy import CareRelations, Viewer, may_see
from boards.live.shared import SharedBuilds
from boards.services.system import System
from flow.errors import TooManyError
from projections.cards import FlowCard, load_cards, today
from projections.care_relations import care_relations
from projections.flow_cards import cards

log = logging.getLogger(__name__)

#: Topics of the events of flows (tasks, hospital notices and corrections are events of their
#: flow, stored under the class that declares them).
_FLOW_TOPICS = (
    "flow.patient_flow:PatientFlow.",
    "flow.closed_loops:ClosedLoops.",
    "flow.hospital_notices:HospitalNotices.",
    "flow.corrections:Corrections.",
)
#: Topics of a unit's events that no flow event comes with.
_PLACE_TOPICS = ("flow.care_unit:CareUnit.BedBlocked", "flow.care_unit:CareUnit.BedUnblocked")
_BATCH = 1000
#: Live streams one user (or display device) may have open at once: a few tabs and screens
#: each; a hundred cost every command a second of the server's time.
MOST_STREAMS = 10
_MOST_QUEUED = 10_000  # a stream that falls this far behind is ended; it resumes by its id
_CARD_JSON = TypeAdapter(FlowCard)


@dataclass(frozen=True)
class Message:
    """A flow changed: its card and relations as they are after the event."""

    id: int  # the event's notification id
    event: str  # the event's name, e.g. "BedReserved"
    flow_id: UUID
    relations: CareRelations
    card: FlowCard
    card_json: str  # the card as the JSON stream sends it, serialised once for every stream

    def visible_to(self, viewer: Viewer, now: datetime) -> bool:
        return may_see(viewer, self.relations, now)


@dataclass(frozen=True)
class PlaceChanged:
    """A unit's beds changed by themselves: a bed blocked or unblocked."""

    id: int  # the event's notification id
    place_id: UUID


@dataclass(frozen=True)
class AttentionChanged:
    """The municipality's list of hospital messages to follow up grew or shrank. No event
    tells it (a refused message changes no flow), so it has no place in the log: id 0, it
    is never replayed and moves no stream's position."""

    municipality_id: UUID
    id: int = 0


@dataclass(frozen=True)
class DeviceRevoked:
    """A display device was revoked, in this process or another: its streams end at once.
    Not of the log either: id 0."""

    device_id: UUID
    id: int = 0


Change = Message | PlaceChanged | AttentionChanged | DeviceRevoked


class Subscription:
    """One stream's queue of messages, filled from the follower thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, owner: UUID | None = None) -> None:
        self.loop, self.owner = loop, owner
        self.queue: asyncio.Queue[Change | None] = asyncio.Queue()
        self.ended = False
        self.new_day = False  # the day turned in Oslo: waiting days, horizons, everything

    def put(self, changes: list[Change]) -> None:
        """From any thread: one wake-up of the stream's loop for a whole batch."""
        self.loop.call_soon_threadsafe(self._put_each, changes)

    def _put_each(self, changes: list[Change]) -> None:
        for change in changes:
            self.queue.put_nowait(change)

    def turn_day(self) -> None:
        """From any thread."""
        self.new_day = True
        self.loop.call_soon_threadsafe(self.queue.put_nowait, None)

    def end(self) -> None:
        """From any thread: the stream ends (server stopping, or the client too slow)."""
        self.ended = True
        self.loop.call_soon_threadsafe(self.queue.put_nowait, None)

    async def next(self, timeout: float) -> Change | None:
        try:
            async with asyncio.timeout(timeout):
                return await self.queue.get()
        except TimeoutError:
            return None


class Live:
    def __init__(
        self,
        system: System,
        clock: Callable[[], datetime],
        *,
        follow_seconds: float,
        deadline_seconds: float,
        index_seconds: float,
    ) -> None:
        self.system, self.clock = system, clock
        self.follow_seconds, self.deadline_seconds = follow_seconds, deadline_seconds
        self.index_seconds = index_seconds
        self.stopping = threading.Event()
        self._woken = threading.Event()
        self._subscriptions: set[Subscription] = set()
        self._streams_ended = False
        self._lock = threading.Lock()
        self.position = system.flows.recorder.max_notification_id() or 0
        self.builds = SharedBuilds()  # what a change makes the boards show, built once
        self.day = today(clock())
        self._threads = [threading.Thread(target=self._follow, name="pasientflyt-live")]
        if system.engine.dialect.name == "postgresql":
            self._threads.append(threading.Thread(target=self._listen, name="pasientflyt-listen"))
        system.flows.on_recorded.append(self.wake)
        self._attention = system.hospital_messages.attention_counts()
        self._revoked = system.devices.revoked_ids()
        system.hospital_messages.on_attention_changed.append(self.wake)

    def start(self) -> None:
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    def end_streams(self) -> None:
        """The server is stopping: every open stream ends now, and any opened later at once."""
        with self._lock:
            self._streams_ended = True
            for subscription in self._subscriptions:
                subscription.end()

    def stop(self) -> None:
        """Streams end cleanly, then the threads stop."""
        self.end_streams()
        self.stopping.set()
        self._woken.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def wake(self) -> None:
        self._woken.set()

    @contextmanager
    def subscribe(self, owner: UUID | None = None) -> Iterator[Subscription]:
        """A stream's subscription, of `owner` (a user or a display device): one past the
        owner's `MOST_STREAMS` ends at once (streams opened together all passed the check
        before any was counted)."""
        subscription = Subscription(asyncio.get_running_loop(), owner)
        with self._lock:
            self._subscriptions.add(subscription)
            if self._streams_ended or self._count(owner) > MOST_STREAMS:
                subscription.end()
        try:
            yield subscription
        finally:
            with self._lock:
                self._subscriptions.discard(subscription)

    def check_room(self, owner: UUID) -> None:
        """Refuse (429) a stream its owner has no room for."""
        if self.open_streams(owner) >= MOST_STREAMS:
            raise TooManyError("too_many_streams", most=MOST_STREAMS)

    def stream_count(self) -> int:
        """Every live stream open in this process."""
        with self._lock:
            return len(self._subscriptions)

    def open_streams(self, owner: UUID) -> int:
        """The streams of a user or display device open in this process."""
        with self._lock:
            return self._count(owner)

    def _count(self, owner: UUID | None) -> int:
        if owner is None:
            return 0
        return sum(1 for s in self._subscriptions if s.owner == owner)

    def since(self, after: int, upto: int) -> list[Change]:
        """The changes the events after `after`, up to and including `upto`, made."""
        changes: list[Change] = []
        while after < upto:
            notifications = self.system.flows.recorder.select_notifications(
                after, _BATCH, stop=upto, inclusive_of_start=False
            )
            if not notifications:
                break
            flow_events = [
                (n.id, UUID(str(n.originator_id)), n.topic.rsplit(".", 1)[-1])
                for n in notifications
                if n.topic.startswith(_FLOW_TOPICS)
            ]
            places = [
                PlaceChanged(n.id, UUID(str(n.originator_id)))
                for n in notifications
                if n.topic in _PLACE_TOPICS
            ]
            changes += sorted([*self._messages(flow_events), *places], key=lambda c: c.id)
            after = notifications[-1].id
        return changes

    def _messages(self, flow_events: list[tuple[int, UUID, str]]) -> list[Message]:
        flow_ids = {flow_id for _, flow_id, _ in flow_events}
        if not flow_ids:
            return []
        with self.system.engine.connect() as db:
            relations = care_relations(db, flow_ids)
            by_municipality: dict[UUID, list[UUID]] = defaultdict(list)
            for flow_id, related in relations.items():
                by_municipality[related.municipality_id].append(flow_id)
            found = [  # a card's cost at its own municipality's daily rates
                card
                for municipality_id, ids in by_municipality.items()
                for card in load_cards(
                    db,
                    cards.c.flow_id.in_(ids),
                    self.clock(),
                    self.system.rates.of(municipality_id),
                )
            ]
        by_id = {card.flow_id: card for card in found}
        as_json = {i: _CARD_JSON.dump_json(card).decode() for i, card in by_id.items()}
        return [
            Message(n, name, flow_id, relations[flow_id], by_id[flow_id], as_json[flow_id])
            for n, flow_id, name in flow_events
            if flow_id in relations and flow_id in by_id
        ]

    def _follow(self) -> None:
        next_deadlines = next_index = 0.0
        while not self.stopping.is_set():
            self._woken.wait(self.follow_seconds)
            self._woken.clear()
            if self.stopping.is_set():
                return
            try:
                if time.monotonic() >= next_deadlines:
                    self.system.record_overdue_loops(self.clock())
                    next_deadlines = time.monotonic() + self.deadline_seconds
                self._publish()
                self._tell_attention()
                self._tell_revocations()
                if time.monotonic() >= next_index:
                    self.system.access_log.index_by_flow()
                    self.system.lockout.forget_past(self.clock())
                    self.system.projector.repair_indexes()
                    self.system.projector.retire_unkept(time.monotonic())
                    next_index = time.monotonic() + self.index_seconds
                self._turn_day()
            except Exception:
                # The next round retries; a failing store must not end the thread.
                log.exception("Direkteoppdatering feilet; prøver igjen")

    def _publish(self) -> None:
        self.system.projector.catch_up()
        upto = min(self.system.projector.positions().values(), default=0)
        if upto <= self.position:
            return
        changes = self.since(self.position, upto)
        self.position = upto
        self._tell(changes)

    def _tell_revocations(self) -> None:
        """The display devices revoked since the last round, in any process (asked every
        round: the devices are few)."""
        revoked = self.system.devices.revoked_ids()
        fresh, self._revoked = revoked - self._revoked, revoked
        if fresh:
            self._tell([DeviceRevoked(device_id) for device_id in sorted(fresh)])

    def _tell_attention(self) -> None:
        """The lists to follow up that changed since the last round, in any process (asked
        every round: one indexed count)."""
        counts = self.system.hospital_messages.attention_counts()
        changed: list[Change] = [
            AttentionChanged(municipality_id)
            for municipality_id in counts.keys() | self._attention.keys()
            if counts.get(municipality_id) != self._attention.get(municipality_id)
        ]
        self._attention = counts
        if changed:
            self._tell(changed)

    def _tell(self, changes: list[Change]) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            if subscription.queue.qsize() > _MOST_QUEUED:
                subscription.end()
            elif changes:
                subscription.put(changes)

    def _turn_day(self) -> None:
        """At midnight in Oslo every board changes without any event: tell the streams."""
        day = today(self.clock())
        if day == self.day:
            return
        self.day = day
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.turn_day()

    def _listen(self) -> None:
        """PostgreSQL: any process's commit of events NOTIFYs the event table's channel."""
        channel = getattr(self.system.flows.recorder, "channel_name", "")
        url = self.system.engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        while not self.stopping.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute(f'LISTEN "{channel}"')
                    while not self.stopping.is_set():
                        for _ in connection.notifies(timeout=0.5, stop_after=1):
                            self.wake()
            except psycopg.Error:
                log.exception("LISTEN på hendelsene feilet; kobler til på nytt")
                self.stopping.wait(1.0)
