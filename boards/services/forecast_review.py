"""The bed forecast against what happened, per week, for the leaders' page (issue 29): each
day's kept forecast (`access/forecast_log.py`) against the free beds the first forecast of
the day 1, 3 or 7 days later found, beside "as today" (the free beds when it was made, for
every day ahead), and how often what came lay within the forecast's range. All unit kinds
together; counts only, no patient. A day without a kept forecast (no one opened the
allocation board) gives no pair."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from sqlalchemy import Engine

from access.forecast_log import ForecastMade, made_between

#: The days ahead shown, and the weeks.
REVIEWED_AHEAD = (1, 3, 7)
WEEKS = 8


@dataclass(frozen=True)
class Score:
    pairs: int
    forecast_error: float  # mean absolute error of free beds per kind and day
    as_today_error: float
    within_range: float  # the share of pairs whose free beds lay within the range


@dataclass(frozen=True)
class WeekReview:
    monday: date
    days: int  # days of the week with a kept forecast
    scores: dict[int, Score]  # by days ahead; absent without a pair


def weekly(engine: Engine, municipality_id: UUID, today: date) -> list[WeekReview]:
    """The last `WEEKS` weeks before today's, newest first, with what can be scored of them."""
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=WEEKS)
    kept = made_between(engine, municipality_id, first, today)
    free = {(m.day, m.kind): m.free_now for m in kept}
    by_week: defaultdict[date, list[ForecastMade]] = defaultdict(list)
    for m in kept:
        by_week[m.day - timedelta(days=m.day.weekday())].append(m)
    reviews = []
    for n in range(1, WEEKS + 1):
        monday = this_monday - timedelta(weeks=n)
        made = by_week.get(monday, [])
        scores = {}
        for ahead in REVIEWED_AHEAD:
            pairs = [
                (m, free[(m.day + timedelta(days=ahead), m.kind)])
                for m in made
                if (m.day + timedelta(days=ahead), m.kind) in free and ahead in m.ahead
            ]
            if pairs:
                scores[ahead] = Score(
                    len(pairs),
                    sum(abs(m.ahead[ahead][1] - came) for m, came in pairs) / len(pairs),
                    sum(abs(m.free_now - came) for m, came in pairs) / len(pairs),
                    sum(m.ahead[ahead][0] <= came <= m.ahead[ahead][2] for m, came in pairs)
                    / len(pairs),
                )
        reviews.append(WeekReview(monday, len({m.day for m in made}), scores))
    return reviews
