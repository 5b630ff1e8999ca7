"""The what-if comparisons a simulation run stored (`pasientflyt simulate --scenario`), for
the leaders' page: per municipality, when each was run, on which seed and size, and its
outcomes as JSON (their shape is `fixtures.simulation.comparison`'s). Figures only, no
patient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Column, Date, Engine, Integer, Table, Uuid, insert, select

from access.accounts import metadata
from access.database import UTCDateTime

scenario_comparisons = Table(
    "scenario_comparisons",
    metadata,
    Column("municipality_id", Uuid, primary_key=True),
    Column("run_at", UTCDateTime, primary_key=True),
    Column("seed", Integer, nullable=False),
    Column("days", Integer, nullable=False),
    Column("inhabitants", Integer, nullable=False),
    Column("start", Date, nullable=False),
    Column("outcomes", JSON, nullable=False),
)


@dataclass(frozen=True)
class StoredComparison:
    run_at: datetime
    seed: int
    days: int
    inhabitants: int
    start: date
    outcomes: dict[str, Any]


def store_comparison(engine: Engine, municipality_id: UUID, comparison: StoredComparison) -> None:
    with engine.begin() as db:
        db.execute(
            insert(scenario_comparisons).values(
                municipality_id=municipality_id,
                run_at=comparison.run_at,
                seed=comparison.seed,
                days=comparison.days,
                inhabitants=comparison.inhabitants,
                start=comparison.start,
                outcomes=comparison.outcomes,
            )
        )


def latest_comparison(engine: Engine, municipality_id: UUID) -> StoredComparison | None:
    """The municipality's comparison run last, if any."""
    table = scenario_comparisons
    query = (
        select(table)
        .where(table.c.municipality_id == municipality_id)
        .order_by(table.c.run_at.desc())
        .limit(1)
    )
    with engine.connect() as db:
        row = db.execute(query).first()
    if row is None:
        return None
    return StoredComparison(
        row.run_at, row.seed, row.days, row.inhabitants, row.start, dict(row.outcomes)
    )
