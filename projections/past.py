"""The boards' read models as they stood at a past moment, made from the log (issue 28).

The moment's cut: the events of the log, in its order, before the first whose `at` (when it
happened, as its command said) is later than the moment. An event later than the moment
was recorded after it, and so was everything after it; the cut is a prefix of the log and
moves only forward as the moment does. (Commands are given `at=now`; the simulated year
has the simulated times, so its log can be asked about too.)

The design, measured on the simulated year (docs/benchmarks.md): the flow cards, the bed
grid and the task list — every table a board or a patient's page reads — are made in a
private in-memory SQLite database by the same `Table` objects and the same handlers as the
live projector's (`Projection.changes`, `Projection.write`), from the events up to the cut;
the board's own read (`AllocationBoard.read` and its kind) then runs on that database. No
second copy of the state is kept that could drift: what makes a past board faster is a
snapshot of those in-memory tables at a day boundary (Europe/Oslo midnight), the whole
database serialised and compressed (`sqlite3.Connection.serialize`), keyed by the log
position it is at and by the models' versions and columns (a changed model never loads an
old snapshot). A read loads the nearest snapshot at or before its moment and replays what
lies between; as it replays it stores a snapshot at each day boundary it crosses, once
`SNAPSHOT_EVERY` events have passed since the last, so a read replays at most that many
events and a day. Snapshots are made by the same handlers from the same log, so they are
rebuildable: `forget_snapshots` drops them all, which `pasientflyt rebuild` and every
erasure of an identity do. A snapshot holds names as the boards did (it is the board's own
tables); the erasure's dropping them is what keeps an erased identity erased in every past
view: made again from the log, whose personal fields are sealed with the flow's erased key
(`flow/personal_data.py`), the flow reads as erased at every moment.

Snapshots hold every municipality's rows (the log is shared, and a handler of one
municipality's flow may read a unit's row): each board's read filters by municipality as the
live read does. The leaders' figures are not made here: no past view reads them.

Measured on the simulated year of 100,000 inhabitants (156,167 events): a past allocation
board in 312 ms at p50, 590 ms at p95; the snapshots, every 2,000 events, 69 of them, 250 MB, each
the whole read models (7.4 MB compressed at the year's end). Their size is what is left to
do: the rows no event changes again (`Projection.finished`) could be stored once, beside
small snapshots of the rest.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from access.database import UTCDateTime, create_tables
from flow.application import Pasientflyt
from projections.bed_grid import BedGrid
from projections.flow_cards import FlowCards
from projections.projection import Projection
from projections.task_list import TaskList
from projections.versions import VERSIONS

OSLO = ZoneInfo("Europe/Oslo")

#: Events, at least, between two stored snapshots: a read replays at most these and a day.
SNAPSHOT_EVERY = 2_000

#: Notifications read from the log at once while replaying, and applied together; decoded
#: `_DECODED` at a time, so that a read decodes few past its moment.
_BATCH = 5_000
_DECODED = 250

metadata = MetaData()

snapshots = Table(
    "past_snapshots",
    metadata,
    #: The models' versions and columns the snapshot was made by (`_models_key`).
    Column("models", String(64), primary_key=True),
    #: The last notification id applied: the cut of the moment `at`.
    Column("position", BigInteger, primary_key=True),
    #: The day boundary (midnight in Oslo) the snapshot is the state of.
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("data", LargeBinary, nullable=False),
)


@dataclass
class PastState:
    """The read models at a moment's cut: `engine` is the private database the boards read
    from; `position` the last notification applied (0: none)."""

    engine: Engine
    position: int
    moment: datetime


def midnight_from(at: datetime) -> datetime:
    """The first midnight in Oslo at or after `at`."""
    local = at.astimezone(OSLO)
    midnight = datetime.combine(local.date(), time(), OSLO)
    return (
        midnight
        if midnight >= local
        else datetime.combine(local.date() + timedelta(days=1), time(), OSLO)
    )


def event_at(domain_event: Any) -> datetime:
    """When the event happened: its `at`, or when it was recorded if it has none."""
    at = getattr(domain_event, "at", None)
    return at if isinstance(at, datetime) else domain_event.timestamp


class PastModels:
    """The boards' read models as of any moment, from the log (see the module)."""

    def __init__(
        self,
        app: Pasientflyt,
        engine: Engine,
        snapshot_every: int = SNAPSHOT_EVERY,
        batch: tuple[int, int] = (_BATCH, _DECODED),
    ) -> None:
        self.app, self.engine, self.snapshot_every = app, engine, snapshot_every
        self.batch_size, self.decoded = batch
        self.models: list[Projection] = [FlowCards(), BedGrid(), TaskList()]
        self.models_key = _models_key(self.models)
        create_tables(engine, [snapshots])

    @contextmanager
    def as_of(self, moment: datetime) -> Iterator[PastState]:
        """The read models as of `moment` (timezone-aware), in a database of their own
        that is gone when the block ends."""
        found = self._nearest_snapshot(moment)
        if found is None:
            state, boundary = PastState(_empty(self.models), 0, moment), None
        else:
            position, at, data = found
            state = PastState(_loaded(data), position, moment)
            boundary = midnight_from(at + timedelta(hours=1))
        try:
            self._replay(state, boundary)
            yield state
        finally:
            state.engine.dispose()

    def forget_snapshots(self) -> int:
        """Drop every snapshot (a rebuild, an erasure): they are made again from the log."""
        with self.engine.begin() as db:
            return db.execute(delete(snapshots)).rowcount

    def snapshot_positions(self) -> list[tuple[int, datetime]]:
        """The stored snapshots of this release's models: position and day, in order."""
        query = (
            select(snapshots.c.position, snapshots.c.at)
            .where(snapshots.c.models == self.models_key)
            .order_by(snapshots.c.position)
        )
        with self.engine.connect() as db:
            return [(row.position, row.at) for row in db.execute(query)]

    def _nearest_snapshot(self, moment: datetime) -> tuple[int, datetime, bytes] | None:
        query = (
            select(snapshots.c.position, snapshots.c.at, snapshots.c.data)
            .where(snapshots.c.models == self.models_key, snapshots.c.at <= moment)
            .order_by(snapshots.c.position.desc())
            .limit(1)
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return (row.position, row.at, row.data) if row else None

    def _replay(self, state: PastState, boundary: datetime | None) -> None:
        """Apply the events from the state's position up to the moment's cut, storing a
        snapshot at each day boundary crossed once enough events have passed since the
        last (`boundary`: the next midnight, None before the first event)."""
        last_snapshot = state.position
        while True:
            notifications = self.app.recorder.select_notifications(
                state.position, self.batch_size, inclusive_of_start=False
            )
            if not notifications:
                return
            segment: list[tuple[int, Any]] = []
            for start in range(0, len(notifications), self.decoded):
                # Decoded a few at a time: the moment's cut may come early in the batch.
                chunk = notifications[start : start + self.decoded]
                events = self.app.mapper.to_domain_events(chunk)
                for notification, domain_event in zip(chunk, events, strict=True):
                    at = event_at(domain_event)
                    boundary = boundary or midnight_from(at)
                    while at > boundary and boundary <= state.moment:
                        # What is applied and pending is the cut of the boundary: this
                        # event is after it. A snapshot is stored there if enough events
                        # have passed since the last.
                        pending = segment[-1][0] if segment else state.position
                        if pending - last_snapshot >= self.snapshot_every:
                            self._apply(state, segment)
                            segment = []
                            self._store(state, boundary)
                            last_snapshot = state.position
                        boundary = midnight_from(boundary + timedelta(hours=1))
                    if at > state.moment:
                        self._apply(state, segment)
                        return
                    segment.append((notification.id, domain_event))
            self._apply(state, segment)
            if len(notifications) < self.batch_size:
                return

    def _apply(self, state: PastState, segment: Sequence[tuple[int, Any]]) -> None:
        if not segment:
            return
        domain_events = [e for _, e in segment]
        with state.engine.begin() as db:
            for model in self.models:
                rows = model.changes(db, domain_events, None, self._flow_events)
                model.write(rows)
        state.position = segment[-1][0]

    def _flow_events(self, flow_id: UUID, version: int) -> list[Any]:
        return list(self.app.repository.event_store.get(flow_id, lte=version))

    def _store(self, state: PastState, boundary: datetime) -> None:
        raw = state.engine.raw_connection()
        try:
            data = zlib.compress(raw.driver_connection.serialize(), 6)  # type: ignore[union-attr]
        finally:
            raw.close()
        row = {"models": self.models_key, "position": state.position, "at": boundary}
        known = select(snapshots.c.position).where(
            snapshots.c.models == self.models_key, snapshots.c.position == state.position
        )
        try:
            with self.engine.begin() as db:
                if db.scalar(known) is None:
                    db.execute(insert(snapshots).values(**row, data=data))
        except IntegrityError:  # a read beside this one stored the same snapshot first
            pass


def _models_key(models: Sequence[Projection]) -> str:
    """The models' versions and their tables' columns, as a short key: a snapshot made by
    other models is never loaded."""
    parts = [
        f"{model.name}@{VERSIONS.get(model.name, 1)}:"
        + ";".join(f"{t.name}({','.join(t.columns.keys())})" for t in model.tables)
        for model in models
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _memory_engine(connection: sqlite3.Connection) -> Engine:
    return create_engine("sqlite://", creator=lambda: connection, poolclass=StaticPool)


def _empty(models: Sequence[Projection]) -> Engine:
    engine = _memory_engine(sqlite3.connect(":memory:", check_same_thread=False))
    with engine.begin() as db:
        for model in models:
            for table in model.tables:
                table.create(db)
    return engine


def _loaded(data: bytes) -> Engine:
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.deserialize(zlib.decompress(data))
    return _memory_engine(connection)
