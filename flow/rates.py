"""What a hospital waiting day costs the municipality (kommunal medfinansiering av
utskrivningsklare pasienter), and how the days are counted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

#: The national daily rates in NOK (Helsedirektoratet), by year.
NATIONAL_DAILY_RATES: Mapping[int, int] = {
    2020: 5036,
    2021: 5167,
    2022: 5306,
    2023: 5508,
    2024: 5745,
}


def daily_rate(day: date, rates: Mapping[int, int]) -> int:
    """The rate of the day's year; a year not yet in the table pays the latest known rate."""
    known = [year for year in rates if year <= day.year]
    return rates[max(known)] if known else rates[min(rates)]


def waiting_cost(ready_at: datetime, now: datetime, rates: Mapping[int, int]) -> tuple[int, int]:
    """(waiting days, NOK so far) for a patient still in hospital after being declared ready:
    the days from and including the day declared ready up to and including today, each at its
    year's rate."""
    first, last = ready_at.astimezone(OSLO).date(), now.astimezone(OSLO).date()
    if last < first:
        return 0, 0
    cost = 0
    for year in range(first.year, last.year + 1):
        start, end = max(first, date(year, 1, 1)), min(last, date(year, 12, 31))
        cost += ((end - start).days + 1) * daily_rate(start, rates)
    return (last - first).days + 1, cost
