"""A period a leader asks about: whole days in Oslo, both ends included."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flow.errors import UnusableTextError
from flow.rates import OSLO

LONGEST = timedelta(days=366)


def days(start: date | None, end: date | None, now: datetime, default: int) -> tuple[date, date]:
    """The days asked for; by default the `default` days up to and including today."""
    today = now.astimezone(OSLO).date()
    end = end or today
    start = start or end - timedelta(days=default - 1)
    if start > end:
        raise UnusableTextError("period_reversed")
    if end - start >= LONGEST:
        raise UnusableTextError("period_too_long")
    return start, end


def moments(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as [first moment, moment after) for queries on UTC times."""
    after = end + timedelta(days=1)
    return (
        datetime.combine(start, time(), tzinfo=OSLO),
        datetime.combine(after, time(), tzinfo=OSLO),
    )
