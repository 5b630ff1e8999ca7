"""Waiting days and their cost: from and including the day declared ready, each day at its
year's rate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from flow.rates import NATIONAL_DAILY_RATES, OSLO, daily_rate, waiting_cost

RATES = NATIONAL_DAILY_RATES


def test_the_day_declared_ready_is_paid_for() -> None:
    ready = datetime(2024, 3, 1, 23, 30, tzinfo=OSLO)
    assert waiting_cost(ready, ready, RATES) == (1, 5745)


def test_days_across_new_year_are_paid_at_each_year_s_rate() -> None:
    ready = datetime(2022, 12, 30, 12, tzinfo=OSLO)
    now = datetime(2023, 1, 2, 9, tzinfo=OSLO)
    assert waiting_cost(ready, now, RATES) == (4, 2 * 5306 + 2 * 5508)


def test_a_year_after_the_table_pays_the_latest_rate_and_before_it_the_first() -> None:
    assert daily_rate(date(2031, 6, 1), RATES) == 5745
    assert daily_rate(date(2019, 6, 1), RATES) == 5036


def test_a_readiness_in_the_future_costs_nothing_yet() -> None:
    now = datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert waiting_cost(now + timedelta(days=2), now, RATES) == (0, 0)


@given(
    ready=st.datetimes(min_value=datetime(2018, 1, 1), max_value=datetime(2027, 1, 1)),
    days=st.integers(min_value=0, max_value=3 * 366),
)
def test_the_cost_is_the_sum_over_the_days(ready: datetime, days: int) -> None:
    ready_at = ready.replace(tzinfo=UTC)
    now = ready_at + timedelta(days=days)
    first, last = ready_at.astimezone(OSLO).date(), now.astimezone(OSLO).date()
    paid = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert waiting_cost(ready_at, now, RATES) == (
        len(paid),
        sum(daily_rate(d, RATES) for d in paid),
    )
