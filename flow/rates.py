"""What a hospital waiting day costs the municipality (kommunal medfinansiering av
utskrivningsklare pasienter), and how the days are counted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
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


def waiting_days(ready_at: datetime, now: datetime) -> list[date]:
    """Days paid for: from and including the day declared ready, up to and including today."""
    first, today = ready_at.astimezone(OSLO).date(), now.astimezone(OSLO).date()
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def waiting_cost(ready_at: datetime, now: datetime, rates: Mapping[int, int]) -> tuple[int, int]:
    """(waiting days, NOK so far) for a patient still in hospital after being declared ready."""
    days = waiting_days(ready_at, now)
    return len(days), sum(daily_rate(day, rates) for day in days)
