"""The daily rates: Helsedirektoratet's table, each day at its year's rate."""

from __future__ import annotations

from datetime import date

from flow.rates import NATIONAL_DAILY_RATES, daily_rate

RATES = NATIONAL_DAILY_RATES


def test_the_table_is_helsedirektoratets_from_2014_to_2024() -> None:
    assert (min(RATES), max(RATES)) == (2014, 2024)
    assert (RATES[2014], RATES[2019], RATES[2024]) == (4255, 4885, 5745)


def test_a_year_after_the_table_pays_the_latest_rate_and_before_it_the_first() -> None:
    assert daily_rate(date(2031, 6, 1), RATES) == 5745
    assert daily_rate(date(2012, 6, 1), RATES) == 4255
