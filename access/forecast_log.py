"""The bed forecasts as the allocation office was shown them (issue 29): per municipality
and day, the first forecast made that day, per unit kind: the free beds when it was made
and the free beds foreseen 1, 3, 7 and 14 days on (low, most likely, high). The leaders'
page lays them against the free beds the later days' first forecasts found: the forecast
against what happened, per week. Counts only, no patient.

Kept, not rebuilt: it records what was shown, which the code of a later version would not
make again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import JSON, Column, Date, Engine, Integer, String, Table, Uuid, select
from sqlalchemy.exc import IntegrityError

from access.accounts import metadata
from access.database import UTCDateTime, insert_rows

#: The days ahead a forecast is kept for.
KEPT_AHEAD = (1, 3, 7, 14)

forecasts_made = Table(
    "forecasts_made",
    metadata,
    Column("municipality_id", Uuid, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("made_at", UTCDateTime, nullable=False),
    Column("free_now", Integer, nullable=False),
    #: {"1": [low, mid, high], "3": …, "7": …, "14": …}
    Column("ahead", JSON, nullable=False),
)


@dataclass(frozen=True)
class ForecastMade:
    day: date
    kind: str
    made_at: datetime
    free_now: int
    #: Days ahead → (low, most likely, high) free beds.
    ahead: dict[int, tuple[int, int, int]]


def record_first(engine: Engine, municipality_id: UUID, made: Sequence[ForecastMade]) -> bool:
    """Keep `made` as the day's forecast unless one was kept that day already (by this
    process or another at the same moment); whether these were kept."""
    if not made:
        return False
    day = made[0].day
    with engine.begin() as db:
        kept = db.scalar(
            select(forecasts_made.c.day)
            .where(forecasts_made.c.municipality_id == municipality_id, forecasts_made.c.day == day)
            .limit(1)
        )
        if kept is not None:
            return False
    rows = [
        {
            "municipality_id": municipality_id,
            "day": m.day,
            "kind": m.kind,
            "made_at": m.made_at,
            "free_now": m.free_now,
            "ahead": {str(h): list(spread) for h, spread in m.ahead.items()},
        }
        for m in made
    ]
    try:
        with engine.begin() as db:
            insert_rows(db, forecasts_made, rows)
    except IntegrityError:
        return False  # another process kept the day's first
    return True


def made_between(
    engine: Engine, municipality_id: UUID, first: date, last: date
) -> list[ForecastMade]:
    """The forecasts kept from `first` to `last`, by day and kind."""
    query = (
        select(forecasts_made)
        .where(
            forecasts_made.c.municipality_id == municipality_id,
            forecasts_made.c.day.between(first, last),
        )
        .order_by(forecasts_made.c.day, forecasts_made.c.kind)
    )
    with engine.connect() as db:
        return [
            ForecastMade(
                row.day,
                row.kind,
                row.made_at,
                row.free_now,
                {int(h): (low, mid, high) for h, (low, mid, high) in row.ahead.items()},
            )
            for row in db.execute(query)
        ]
