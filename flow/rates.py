"""What a hospital waiting day costs the municipality (kommunal betaling for
utskrivningsklare pasienter); which days are paid is the payment clock's
(`flow/payment_clock.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

#: The national daily rates in NOK, by year, as Helsedirektoratet lists them
#: (helsedirektoratet.no, «Utskrivningsklare pasienter», «Døgnpris og pasientgrunnlag»,
#: 2014 to 2024). A later year pays the latest until the administrator sets its rate.
NATIONAL_DAILY_RATES: Mapping[int, int] = {
    2014: 4255,
    2015: 4387,
    2016: 4505,
    2017: 4622,
    2018: 4747,
    2019: 4885,
    2020: 5036,
    2021: 5167,
    2022: 5306,
    2023: 5508,
    2024: 5745,
}


def daily_rate(day: date, rates: Mapping[int, int]) -> int:
    """The rate of the day's year; a year not yet in the table pays the latest known rate."""
    return rates[rate_year(day, rates)]


def rate_year(day: date, rates: Mapping[int, int]) -> int:
    """The year whose rate the day pays: its own, the latest before it while its own is not
    in the table (carried forward), or the table's first for a day before it."""
    known = [year for year in rates if year <= day.year]
    return max(known) if known else min(rates)
