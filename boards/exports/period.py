"""A period a leader asks about: whole days in Oslo, both ends included (what one user
looked at), or whole months (the figures)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flow.errors import UnusableTextError
from flow.rates import OSLO

LONGEST = timedelta(days=366)
#: The figures show at most twelve months that are over: by default those with data.
MOST_MONTHS = 12


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


def months(start: date | None, end: date | None, now: datetime) -> tuple[date, date]:
    """The months asked for, as the first days of the first and the last. From `start`'s
    month alone: up to the last month that is over (or `start`'s own, if it is not over
    yet); up to `end`'s alone, or neither: the twelve months ending with the last of them
    that is over. Of these the figures count the months over (`Period.whole_months`), which
    may be none yet, and at most `MOST_MONTHS` of them."""
    last_over = _months_after(now.astimezone(OSLO).date().replace(day=1), -1)
    last = (end or max(start or last_over, last_over)).replace(day=1)
    first = (start or _months_after(min(last, last_over), 1 - MOST_MONTHS)).replace(day=1)
    if first > last:
        raise UnusableTextError("months_reversed")
    if _count(first, min(last, last_over)) > MOST_MONTHS:
        raise UnusableTextError("period_too_long")
    return first, last


def first_with_data(first_data: date | None, now: datetime) -> date:
    """The first month the figures show by default: the month of `first_data` (the first
    day anything was counted), or the first of the last `MOST_MONTHS` months over if that
    is later; the month in progress when nothing was counted before it."""
    this_month = now.astimezone(OSLO).date().replace(day=1)
    if first_data is None or first_data >= this_month:
        return this_month
    earliest = _months_after(this_month, -MOST_MONTHS)
    return max(first_data.replace(day=1), earliest)


def moments(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as [first moment, moment after) for queries on UTC times."""
    after = end + timedelta(days=1)
    return (
        datetime.combine(start, time(), tzinfo=OSLO),
        datetime.combine(after, time(), tzinfo=OSLO),
    )


def _months_after(month: date, count: int) -> date:
    """The first day of the month `count` months after `month`'s (before, if negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _count(first: date, last: date) -> int:
    """How many months from `first`'s to `last`'s, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1
