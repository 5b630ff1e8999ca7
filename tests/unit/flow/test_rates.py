"""The daily rates: Helsedirektoratet's table, each day at its year's rate."""

from __future__ import annotations

from datetime import date

from flow.rates import NATIONAL_DAILY_RATES, daily_rate, rate_year

RATES = NATIONAL_DAILY_RATES


def test_the_table_is_helsedirektoratets_from_2014_to_2024() -> None:
    assert (min(RATES), max(RATES)) == (2014, 2024)
    assert (RATES[2014], RATES[2019], RATES[2024]) == (4255, 4885, 5745)


def test_a_year_after_the_table_pays_the_latest_rate_and_before_it_the_first() -> None:
    assert daily_rate(date(2031, 6, 1), RATES) == 5745
    assert daily_rate(date(2012, 6, 1), RATES) == 4255


def test_the_rate_year_says_which_years_rate_a_day_pays() -> None:
    assert rate_year(date(2024, 12, 31), RATES) == 2024
    assert rate_year(date(2026, 1, 1), RATES) == 2024  # carried forward
    assert rate_year(date(2026, 1, 1), {**RATES, 2026: 6000}) == 2026
    assert rate_year(date(2012, 6, 1), RATES) == 2014
