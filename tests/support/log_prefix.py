"""The read models of a store holding only the log up to a notification: the live projector
over the log cut there, which the past boards (`projections/past.py`) must equal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from access.database import connect
from flow.application import Pasientflyt
from projections.bed_grid import BedGrid
from projections.flow_cards import FlowCards
from projections.past import event_at
from projections.projector import Projector
from projections.task_list import TaskList

Rows = dict[str, list[dict[str, Any]]]


class _PrefixRecorder:
    """The log's recorder, with nothing after notification `stop`."""

    def __init__(self, app: Pasientflyt, stop: int) -> None:
        self.app, self.stop = app, stop

    def select_notifications(
        self, start: int | None, limit: int, stop: int | None = None, **options: Any
    ) -> Sequence[Any]:
        capped = self.stop if stop is None else min(stop, self.stop)
        if capped < 1:
            return []
        return self.app.recorder.select_notifications(start, limit, capped, **options)


class _Prefix:
    """The application as a store holding only the events up to `stop` would be."""

    def __init__(self, app: Pasientflyt, stop: int) -> None:
        self.recorder = _PrefixRecorder(app, stop)
        self.mapper, self.repository = app.mapper, app.repository


def log_times(app: Pasientflyt) -> list[tuple[int, datetime]]:
    """Each notification of the log and when its event happened."""
    found: list[tuple[int, datetime]] = []
    while notifications := app.recorder.select_notifications(
        found[-1][0] if found else None, 10_000, inclusive_of_start=not found
    ):
        domain_events = app.mapper.to_domain_events(notifications)
        found += [(n.id, event_at(e)) for n, e in zip(notifications, domain_events, strict=True)]
    return found


def cut_of(log: list[tuple[int, datetime]], moment: datetime) -> int:
    """The last notification before the first event that happened later than `moment`."""
    cut = 0
    for notification_id, at in log:
        if at > moment:
            break
        cut = notification_id
    return cut


def store_up_to(app: Pasientflyt, stop: int, path: Path) -> Engine:
    """The live projector's read models over the log up to `stop`, in a database of their own."""
    engine = connect(f"sqlite:///{path}")
    projector = Projector(_Prefix(app, stop), engine, [FlowCards(), BedGrid(), TaskList()])  # type: ignore[arg-type]
    projector.catch_up()
    return engine


def rows_of(engine: Engine) -> Rows:
    tables = [t for m in (FlowCards(), BedGrid(), TaskList()) for t in m.tables]
    with engine.connect() as db:
        return {
            t.name: [
                dict(r._mapping) for r in db.execute(select(t).order_by(*t.primary_key.columns))
            ]
            for t in tables
        }
