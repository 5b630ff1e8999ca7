"""Decision support for the allocation office's planning (`projections/forecast`): the next
14 days of beds against need per unit kind, of homecomings and first visits per home-care
zone, and who fits the beds that free next.

A forecast takes a tenth of a second or more (its draws are plain Python), too much for every
view of a live board: it is made at most every `FRESH_FOR` per municipality and database, and
says when it was made. It is the same for the same read models and day: its draws are seeded
by the municipality and the day.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date, datetime, timedelta
from uuid import UUID
from weakref import WeakKeyDictionary

from cachetools import LRUCache
from sqlalchemy import Engine

from access.forecast_log import KEPT_AHEAD, ForecastMade, record_first
from access.policy import Viewer
from boards.services.board_reads import authorise_board
from boards.services.system import System
from flow.payment_clock import oslo_day
from projections.allocation_board import AllocationBoard
from projections.forecast.inputs import read_history, read_situation
from projections.forecast.model import Forecast, forecast
from projections.forecast.suggestion import RULE, UnitSuggestion, suggest
from projections.forecast.zones import ZoneForecast, zone_forecasts


@dataclass(frozen=True)
class Planning:
    forecast: Forecast
    zones: list[ZoneForecast]
    suggestions: list[UnitSuggestion]
    rule: str
    #: When the forecasts were made (the suggestions are of now).
    made_at: datetime


#: How long a forecast is shown before it is made again.
FRESH_FOR = timedelta(minutes=10)


@dataclass(frozen=True)
class _Made:
    at: datetime
    beds: Forecast
    zones: list[ZoneForecast]


_made: WeakKeyDictionary[Engine, LRUCache[UUID, _Made]] = WeakKeyDictionary()


def planning(system: System, viewer: Viewer, board: AllocationBoard, now: datetime) -> Planning:
    """The office's planning beside its board (read at `now`, brought up to the log)."""
    authorise_board(viewer, None)
    municipality, day = viewer.municipality_id, oslo_day(now)
    kept = _made.setdefault(system.engine, LRUCache(maxsize=64))
    with system.engine.connect() as db:
        made = kept.get(municipality)
        if made is None or oslo_day(made.at) != day or not now - FRESH_FOR < made.at <= now:
            seed = seed_of(municipality, day)
            situation = read_situation(db, municipality, now)
            history = read_history(db, municipality, now)
            beds = forecast(situation, history, seed=seed)
            made = kept[municipality] = _Made(
                now, beds, zone_forecasts(db, municipality, now, seed=seed)
            )
            record_first(system.engine, municipality, _as_shown(beds, now))
        waiting = [*board.ready, *board.waiting_for_bed, *board.in_hospital]
        return Planning(
            made.beds, made.zones, suggest(db, municipality, day, waiting), RULE, made.at
        )


def _as_shown(beds: Forecast, now: datetime) -> list[ForecastMade]:
    """What is kept of a forecast for the leaders: per kind, the free beds now and those
    foreseen at the end of the day before each day `KEPT_AHEAD`."""
    return [
        ForecastMade(
            beds.made_on,
            k.kind,
            now,
            k.free_now,
            {h: astuple(k.days[h - 1].free_at_end) for h in KEPT_AHEAD},
        )
        for k in beds.kinds
    ]


def seed_of(municipality: UUID, day: date) -> int:
    """The draws' seed: the same municipality and day, the same forecast."""
    return (municipality.int + day.toordinal()) % 2**32
