"""Decision support for the allocation office's planning (`projections/forecast`): the next
14 days of beds against need per unit kind, of homecomings and first visits per home-care
zone, and who fits the beds that free next.

A forecast is made again only when the log has moved (its position is the key), and is the
same for the same log and day: its draws are seeded by the municipality and the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from cachetools import LRUCache

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


_made: LRUCache[tuple[UUID, int, date], tuple[Forecast, list[ZoneForecast]]] = LRUCache(maxsize=256)


def planning(system: System, viewer: Viewer, board: AllocationBoard, now: datetime) -> Planning:
    """The office's planning beside its board (read at `now`, brought up to the log)."""
    authorise_board(viewer, None)
    municipality, day = viewer.municipality_id, oslo_day(now)
    position = system.flows.recorder.max_notification_id() or 0
    with system.engine.connect() as db:
        key = (municipality, position, day)
        made = _made.get(key)
        if made is None:
            seed = seed_of(municipality, day)
            situation = read_situation(db, municipality, now)
            history = read_history(db, municipality, now)
            beds = forecast(situation, history, seed=seed)
            made = _made[key] = (beds, zone_forecasts(db, municipality, now, seed=seed))
        waiting = [*board.ready, *board.waiting_for_bed, *board.in_hospital]
        return Planning(*made, suggest(db, municipality, day, waiting), RULE)


def seed_of(municipality: UUID, day: date) -> int:
    """The draws' seed: the same municipality and day, the same forecast."""
    return (municipality.int + day.toordinal()) % 2**32
