"""The rows of every read model, to compare one state of the tables with another."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from boards.services.system import System

Snapshot = dict[str, list[dict[str, Any]]]


def snapshot(system: System) -> Snapshot:
    """Every row of every table of the system's read models, in primary-key order."""
    tables = [t for p in system.projector.projections.values() for t in p.tables]
    with system.engine.connect() as db:
        return {
            table.name: [
                dict(row._mapping)
                for row in db.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in tables
        }


def rebuilt(system: System) -> Snapshot:
    """The read models made anew from the whole log."""
    system.projector.rebuild(list(system.projector.projections))
    return snapshot(system)
