"""A projector in a process of its own, for the crash tests, and a tally of what it applied.

    python projector_runner.py DATABASE_URL BATCH_SIZE PAUSE MODE [GO_FILE]

MODE "once": open the system, print "ready", wait for GO_FILE to exist if one is named,
catch up once and print how many events were applied. "forever": the same, then keep
catching up until killed. "rebuild": the same as "once" with a rebuild of every model, in
batches of BATCH_SIZE. "open at go": print "ready", wait for GO_FILE, and only then
open the system and catch up once, so that several processes open it at the same moment.
PAUSE is slept inside each batch's transaction, so that a kill likely lands in one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, Table, Uuid, func, select

from boards.services.system import System, open_system
from boards.settings import Settings
from projections.projection import Handler, Projection
from projections.projector import Projector
from projections.restating import FlowHistory
from projections.rows import Rows

metadata = MetaData()

applied = Table(
    "applied_events",
    metadata,
    Column("originator_id", Uuid, primary_key=True),
    Column("originator_version", Integer, primary_key=True),
    Column("times", Integer, nullable=False),
)


class Tally(Projection):
    """Counts how often each event was applied: once is the projector's promise."""

    name = "tally"
    tables = (applied,)

    def __init__(self, pause: float = 0.0) -> None:
        self.pause = pause

    def handlers(self) -> dict[type, Handler]:
        return {}

    def handles(self, event_class: type) -> bool:
        return True  # every event is counted

    def changes(
        self,
        db: Connection,
        domain_events: Iterable[Any],
        kept: Rows | None = None,
        history: FlowHistory | None = None,
    ) -> Rows:
        rows = kept or Rows(db)
        rows.db = db
        for e in domain_events:
            seen = rows.get(applied, e.originator_id, e.originator_version)
            rows.put(
                applied,
                {
                    "originator_id": e.originator_id,
                    "originator_version": e.originator_version,
                    "times": seen["times"] + 1 if seen else 1,
                },
            )
        return rows

    def write(self, rows: Rows) -> None:
        rows.flush()
        time.sleep(self.pause)


def tallying_projector(system: System, batch_size: int, pause: float = 0.0) -> Projector:
    """The system's read models and the tally, fed in batches of `batch_size`."""
    models = [*system.projector.projections.values(), Tally(pause)]
    return Projector(
        system.flows, system.engine, models, batch_size=batch_size, rebuild_batch_size=batch_size
    )


def tally(system: System) -> tuple[int, int, int]:
    """(events applied, of those more than once, total applications)."""
    query = select(
        func.count(),
        func.count().filter(applied.c.times != 1),
        func.coalesce(func.sum(applied.c.times), 0),
    )
    with system.engine.connect() as db:
        counted, repeated, total = db.execute(query).one()
    return counted, repeated, total


def main(url: str, batch_size: str, pause: str, mode: str, go: str | None = None) -> None:
    if mode == "open at go":
        print("ready", flush=True)
    while mode == "open at go" and go and not Path(go).exists():
        time.sleep(0.0005)
    system = open_system(Settings(database_url=url))
    projector = tallying_projector(system, int(batch_size), float(pause))
    if mode != "open at go":
        print("ready", flush=True)
    while go and not Path(go).exists():
        time.sleep(0.001)
    if mode == "rebuild":
        print(projector.rebuild(list(projector.projections)), flush=True)
    else:
        print(projector.catch_up(), flush=True)
    while mode == "forever":
        time.sleep(0.01)
        projector.catch_up()
    system.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
