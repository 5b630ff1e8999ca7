"""Feeds the read models from the event log, in batches, crash-safe and at most once.

Each read model keeps its position (the last notification id it applied) in
`projection_positions`. A batch writes the rows of every model and their new
positions in one transaction, after a compare-and-set on each position, so a crash
loses nothing and two processes never apply the same event twice.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    delete,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Inspector
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from access.database import create_tables, match_indexes, startup_lock
from access.rebuild_lease import rebuild_lease, rebuilding
from flow.application import Pasientflyt
from projections.projection import Projection
from projections.rows import Rows
from projections.versions import base_of, of_key, position_key, versioned

log = logging.getLogger(__name__)
metadata = MetaData()

positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)


class _Raced(Exception):
    """Another process applied this batch first."""


class Projector:
    def __init__(
        self,
        app: Pasientflyt,
        engine: Engine,
        projections: Iterable[Projection],
        batch_size: int = 1000,
        rebuild_batch_size: int = 100_000,
        retire_after: float = 600.0,
    ) -> None:
        self.app, self.engine = app, engine
        self.batch_size, self.rebuild_batch_size = batch_size, rebuild_batch_size
        self.projections = {p.name: p for p in projections}
        self.retire_after = retire_after
        self._unkept: dict[str, tuple[int, float]] = {}  # old versions: position, still since
        self._lock = threading.Lock()
        tables = [table for p in self.projections.values() for table in p.tables]
        create_tables(engine, [positions])
        self._reset_changed()
        create_tables(engine, tables)  # with the indexes a dead rebuild left out
        for name in self.projections:
            self._start_position(name)

    def _reset_changed(self) -> None:
        """A model whose tables in the database are not those it declares (a new release
        added a table or changed a table's columns) starts again from the start of the log,
        with its tables made anew: a read model is the log's to make again, never migrated.
        Processes starting together do this one at a time under the startup lock, which
        their start holds (`open_system`), so only the first does it."""
        inspector = inspect(self.engine)
        known = set(inspector.get_table_names())
        at = self.positions()
        changed = [
            name
            for name, model in self.projections.items()
            if any(_differs(inspector, table, known, at.get(name, 0)) for table in model.tables)
        ]
        if not changed:
            return
        log.warning("Lesemodeller bygges på nytt fra loggen (nye tabeller): %s", changed)
        with self.engine.begin() as db:
            for name in changed:
                model = self.projections[name]
                for table in reversed(model.tables):
                    table.drop(db, checkfirst=True)
                for old in model.retired:
                    Table(old, MetaData()).drop(db, checkfirst=True)
            keys = [self.projections[name].key for name in changed]
            db.execute(update(positions).where(positions.c.name.in_(keys)).values(position=0))

    def _start_position(self, name: str) -> None:
        """Position 0 for a new model or version; a process starting beside us may insert
        it first."""
        key = self.projections[name].key
        known = select(positions.c.name).where(positions.c.name == key)
        try:
            with self.engine.begin() as db:
                if db.scalar(known) is None:
                    db.execute(insert(positions).values(name=key, position=0))
        except IntegrityError:
            with self.engine.connect() as db:
                if db.scalar(known) is None:
                    raise

    def catch_up(self, *names: str, on_batch: Callable[[int], None] | None = None) -> int:
        """Apply every event recorded since each model's position; return how many. Only
        the named models, if any are named: a lookup in one model need not wait for the
        others, which catch up later in larger batches, at less cost per event."""
        with self._lock, self.engine.connect() as db:
            return self._catch_up(
                db, self.batch_size, {}, on_batch, names or tuple(self.projections)
            )

    def rebuild(self, names: Iterable[str], on_batch: Callable[[int], None] | None = None) -> int:
        """Make the named models anew (tables too, so a changed schema takes effect) and
        apply the whole log to them again, in large batches, keeping their rows in memory
        until finished. Their secondary indexes are made at the end, once over all rows,
        not kept up to date row by row."""
        names = list(names)
        tables = [table for name in names for table in self.projections[name].tables]
        with (
            rebuild_lease(self.engine),
            self._lock,
            self.engine.connect() as db,
            _page_cache_for_rebuild(db),
        ):
            with db.begin():
                for table in reversed(tables):
                    table.drop(db, checkfirst=True)
                    db.execute(CreateTable(table))
                keys = [self.projections[name].key for name in names]
                db.execute(update(positions).where(positions.c.name.in_(keys)).values(position=0))
            kept = {name: Rows(kept=True) for name in names}
            with _without_cycle_collector():
                applied = self._catch_up(db, self.rebuild_batch_size, kept, on_batch, tuple(names))
            with startup_lock(self.engine), db.begin():  # not while a process starts
                for table in tables:
                    match_indexes(db, table)
            return applied

    def repair_indexes(self) -> None:
        """Give every table the indexes it declares, unless a rebuild is running (it makes
        them at its end): one that died left them out, and every lookup would scan."""
        if rebuilding(self.engine):
            return
        tables = [table for model in self.projections.values() for table in model.tables]
        with startup_lock(self.engine), self.engine.begin() as db:
            for table in tables:
                match_indexes(db, table)

    def _catch_up(
        self,
        db: Connection,
        batch_size: int,
        kept: dict[str, Rows],
        on_batch: Callable[[int], None] | None,
        names: Sequence[str],
    ) -> int:
        applied = 0
        while True:
            try:
                count = self._apply_batch(db, batch_size, kept, names)
            except _Raced:
                kept.clear()  # another process wrote too: what we kept may be stale
                continue
            applied += count
            if count and on_batch:
                on_batch(count)
            if count < batch_size:  # the end of the log as it was when the batch was read
                return applied

    def positions(self) -> dict[str, int]:
        """Each model's position, in the version this release builds."""
        names = {model.key: name for name, model in self.projections.items()}
        with self.engine.connect() as db:
            rows = db.execute(select(positions.c.name, positions.c.position)).all()
        return {names[key]: position for key, position in rows if key in names}

    def retire_unkept(self, now: float) -> list[str]:
        """Drop the versions of this release's models that other releases built and nothing
        keeps current any more: their position has stood still for `retire_after` seconds
        (by the monotonic clock `now`) while the log went on. Until then a process of the
        old release may be serving them. The versions dropped, as their keys."""
        head = self.app.recorder.max_notification_id() or 0
        with self.engine.connect() as db:
            rows = db.execute(select(positions.c.name, positions.c.position)).all()
        current = {model.key for model in self.projections.values()}
        dropped = []
        for key, position in rows:
            name, version = of_key(key)
            if name not in self.projections or key in current:
                continue
            seen, since = self._unkept.get(key, (position, now))
            if position != seen or position >= head:
                seen, since = position, now
            self._unkept[key] = (seen, since)
            if now - since >= self.retire_after:
                self._drop_version(name, version)
                dropped.append(key)
        return dropped

    def _drop_version(self, name: str, version: int) -> None:
        model = self.projections[name]
        bases = [*(base_of(table.name) for table in model.tables), *model.retired]
        log.warning("Lesemodellen %s i versjon %d er ikke i bruk lenger; slettes", name, version)
        with startup_lock(self.engine), self.engine.begin() as db:
            for base in reversed(bases):
                Table(versioned(base, version), MetaData()).drop(db, checkfirst=True)
            db.execute(delete(positions).where(positions.c.name == position_key(name, version)))
        self._unkept.pop(position_key(name, version), None)

    def _flow_events(self, flow_id: UUID, version: int) -> list[Any]:
        return list(self.app.repository.event_store.get(flow_id, lte=version))

    def _apply_batch(
        self, db: Connection, batch_size: int, kept: dict[str, Rows], names: Sequence[str]
    ) -> int:
        current = {name: at for name, at in self.positions().items() if name in names}
        start = min(current.values(), default=0)
        notifications = self.app.recorder.select_notifications(
            start, batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        first, last = notifications[0].id, notifications[-1].id
        behind = {name: seen for name, seen in current.items() if seen < last}
        models = [self.projections[name] for name in behind]
        topics = {n.topic for n in notifications}
        wanted = {t for t in topics if any(m.handles(resolve_topic(t)) for m in models)}
        needed = [n for n in notifications if n.topic in wanted]
        events = self.app.mapper.to_domain_events(needed)
        # The handlers run before the write transaction, so that while they run another
        # process (a rebuild of other models) can write. The compare-and-set on each
        # position then tells whether the rows they read were still those of `seen`.
        changes = []
        with db.begin():
            for name, seen in behind.items():
                unseen = events if seen < first else _after(seen, needed, events)
                model = self.projections[name]
                rows = model.changes(db, unseen, kept.get(name), self._flow_events)
                changes.append((name, seen, rows))
        with db.begin():
            for name, seen, rows in changes:
                moved = db.execute(
                    update(positions)
                    .where(positions.c.name == self.projections[name].key)
                    .where(positions.c.position == seen)
                    .values(position=last)
                )
                if moved.rowcount != 1:
                    raise _Raced
                self.projections[name].write(rows)
        return len(notifications)


def _differs(inspector: Inspector, table: Table, known: set[str], position: int) -> bool:
    """The table is not as declared: missing from a model that has read part of the log
    already, or with other columns."""
    if table.name not in known:
        return position > 0
    found = {column["name"] for column in inspector.get_columns(table.name)}
    return found != set(table.columns.keys())


def _after(seen: int, notifications: Sequence[Notification], events: list[Any]) -> list[Any]:
    """The events of the batch after position `seen`."""
    return [e for n, e in zip(notifications, events, strict=True) if n.id > seen]


#: SQLite's page cache for a rebuild's connection, in KiB (the default is 2 MB): about the
#: read models of a million events.
REBUILD_PAGE_CACHE_KIB = 131_072


@contextmanager
def _page_cache_for_rebuild(db: Connection) -> Iterator[None]:
    """A rebuild inserts rows by random keys (UUIDs) into tables that grow to a hundred MB:
    with SQLite's default 2 MB of cache each batch read and wrote their pages again, and
    the last batches of a million events took a quarter more time than the first."""
    if db.dialect.name != "sqlite":
        yield
        return
    before = db.exec_driver_sql("PRAGMA cache_size").scalar()
    db.exec_driver_sql(f"PRAGMA cache_size = -{REBUILD_PAGE_CACHE_KIB}")
    db.commit()
    try:
        yield
    finally:
        db.exec_driver_sql(f"PRAGMA cache_size = {before}")
        db.commit()


@contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """A rebuild makes millions of objects (events, rows) that form no reference cycles;
    reference counting frees them, and the cyclic garbage collector would only walk them
    again and again: 40 % of the time of a rebuild of 1,000,000 events."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
