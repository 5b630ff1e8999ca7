"""Feeds the read models from the event log, in batches, crash-safe and at most once.

Each read model keeps its position (the last notification id it applied) in
`projection_positions`. A batch writes the rows of every model and their new
positions in one transaction, after a compare-and-set on each position, so a crash
loses nothing and two processes never apply the same event twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from access.database import create_tables
from flow.application import Pasientflyt
from projections.rows import Rows

metadata = MetaData()

positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

Handler = Callable[[Rows, Any], None]


class Projection:
    """A read model: tables of its own, and a handler per event class it needs."""

    name: ClassVar[str]
    tables: ClassVar[Sequence[Table]]

    def handlers(self) -> dict[type, Handler]:
        raise NotImplementedError

    #: Columns holding the id of the aggregate whose events change their rows: a batch
    #: reads those rows of all its aggregates at once.
    by_originator: ClassVar[Sequence[Column[Any]]] = ()

    def apply(self, db: Connection, domain_events: Iterable[Any]) -> None:
        handled = [(h, e) for e in domain_events if (h := self._handlers.get(type(e)))]
        rows = Rows(db)
        originators = {e.originator_id for _, e in handled}
        for column in self.by_originator:
            rows.prefetch(column, originators)
        for handler, domain_event in handled:
            handler(rows, domain_event)
        rows.flush()

    @cached_property
    def _handlers(self) -> dict[type, Handler]:
        return self.handlers()


class _Raced(Exception):
    """Another process applied this batch first."""


class Projector:
    def __init__(
        self,
        app: Pasientflyt,
        engine: Engine,
        projections: Iterable[Projection],
        batch_size: int = 1000,
    ) -> None:
        self.app, self.engine, self.batch_size = app, engine, batch_size
        self.projections = {p.name: p for p in projections}
        self._lock = threading.Lock()
        tables = [table for p in self.projections.values() for table in p.tables]
        create_tables(engine, [positions, *tables])
        for name in self.projections:
            self._start_position(name)

    def _start_position(self, name: str) -> None:
        """Position 0 for a new model; a process starting beside us may insert it first."""
        known = select(positions.c.name).where(positions.c.name == name)
        try:
            with self.engine.begin() as db:
                if db.scalar(known) is None:
                    db.execute(insert(positions).values(name=name, position=0))
        except IntegrityError:
            with self.engine.connect() as db:
                if db.scalar(known) is None:
                    raise

    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
        """Apply every event recorded since each model's position; return how many."""
        applied = 0
        with self._lock:
            while True:
                try:
                    count = self._apply_batch()
                except _Raced:
                    continue
                if count == 0:
                    return applied
                applied += count
                if on_batch:
                    on_batch(count)

    def rebuild(self, names: Iterable[str], on_batch: Callable[[int], None] | None = None) -> int:
        """Make the named models anew (tables too, so a changed schema takes effect) and
        apply the whole log to them again."""
        with self._lock, self.engine.begin() as db:
            for name in names:
                for table in reversed(self.projections[name].tables):
                    table.drop(db, checkfirst=True)
                    table.create(db)
                db.execute(update(positions).where(positions.c.name == name).values(position=0))
        return self.catch_up(on_batch)

    def positions(self) -> dict[str, int]:
        with self.engine.connect() as db:
            rows = db.execute(select(positions.c.name, positions.c.position)).all()
        return {name: position for name, position in rows if name in self.projections}

    def _apply_batch(self) -> int:
        current = self.positions()
        start = min(current.values(), default=0)
        notifications = self.app.recorder.select_notifications(
            start, self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        last = notifications[-1].id
        events = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
        with self.engine.begin() as db:
            for name, projection in self.projections.items():
                seen = current[name]
                if seen >= last:
                    continue
                moved = db.execute(
                    update(positions)
                    .where(positions.c.name == name, positions.c.position == seen)
                    .values(position=last)
                )
                if moved.rowcount != 1:
                    raise _Raced
                projection.apply(db, (e for n, e in events if n > seen))
        return len(notifications)
