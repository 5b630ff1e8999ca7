"""The waiting-day figures are the payment clock's days, month by month: over random
histories the months add up to what the cards say, a period cut in two adds up to the whole,
and every day in hospital after a ready day is either paid or avoided by an offer ready."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from flow.payment_clock import Answer, ReadyPeriod
from flow.rates import NATIONAL_DAILY_RATES, OSLO, daily_rate
from projections.figures.queries import month_key
from projections.figures.waiting import MonthWaits, offer_on_ready_day, waiting_by_month

RATES = NATIONAL_DAILY_RATES
FIRST = date(2023, 11, 20)  # the histories run over New Year and several months' ends


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=OSLO)


def offer(told: date, offer_from: date | None = None) -> Answer:
    return Answer(at(told, 11), can_receive=True, offer_from=offer_from or told)


def cannot(told: date) -> Answer:
    return Answer(at(told, 11), can_receive=False)


histories = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60),  # ready, days after FIRST
        st.lists(
            st.tuples(
                st.integers(min_value=-2, max_value=50),  # told, days after the ready day
                st.integers(min_value=0, max_value=23),  # hour
                st.booleans(),  # offer ready
                st.integers(min_value=0, max_value=8),  # offer from, days after told
            ),
            max_size=5,
        ),
        st.none() | st.integers(min_value=0, max_value=70),  # ended, days after ready
    ),
    min_size=1,
    max_size=6,
)


def periods_of(
    history: list[tuple[int, list[tuple[int, int, bool, int]], int | None]],
) -> list[ReadyPeriod]:
    periods = []
    for ready_after, told, ended_after in history:
        ready = FIRST + timedelta(days=ready_after)
        moments = sorted((ready + timedelta(days=d), h, o, f) for d, h, o, f in told)
        answers = tuple(
            Answer(at(day, hour), o, offer_from=day + timedelta(days=f) if o else None)
            for day, hour, o, f in moments
        )
        ended = at(ready + timedelta(days=ended_after)) if ended_after is not None else None
        periods.append(ReadyPeriod(at(ready, 8), answers=answers, ended_at=ended))
    return periods


def today_after(periods: list[ReadyPeriod], days: int) -> date:
    """A today no wait ended after (a wait's end is never in the future)."""
    ends = [p.ended_on for p in periods if p.ended_on is not None]
    return max([FIRST + timedelta(days=days), *ends])


def paid_of(sums: dict[str, MonthWaits]) -> tuple[int, int]:
    return sum(m.paid for m in sums.values()), sum(m.cost for m in sums.values())


@given(history=histories, days=st.integers(min_value=0, max_value=140))
def test_the_months_add_up_to_what_the_cards_say(
    history: list[tuple[int, list[tuple[int, int, bool, int]], int | None]], days: int
) -> None:
    periods = periods_of(history)
    today = today_after(periods, days)
    sums = waiting_by_month(periods, FIRST, today, today, RATES)
    clocks = [p.clock(today, RATES) for p in periods]
    assert paid_of(sums) == (sum(c.days for c in clocks), sum(c.cost for c in clocks))


@given(
    history=histories,
    days=st.integers(min_value=0, max_value=140),
    cut=st.integers(min_value=0, max_value=140),
)
def test_each_month_holds_the_clocks_paid_days_in_it_and_a_cut_period_adds_up(
    history: list[tuple[int, list[tuple[int, int, bool, int]], int | None]], days: int, cut: int
) -> None:
    periods = periods_of(history)
    today = today_after(periods, days)
    start = FIRST + timedelta(days=10)
    middle = min(start + timedelta(days=cut), today)
    whole = waiting_by_month(periods, start, today, today, RATES)
    paid: Counter[str] = Counter()
    cost: Counter[str] = Counter()
    for period in periods:
        for day in period.paid_days(today):
            if start <= day <= today:
                paid[month_key(day)] += 1
                cost[month_key(day)] += daily_rate(day, RATES)
    assert {m: (s.paid, s.cost) for m, s in whole.items() if s.paid} == {
        m: (paid[m], cost[m]) for m in paid
    }
    before = waiting_by_month(periods, start, middle, today, RATES)
    after = waiting_by_month(periods, middle + timedelta(days=1), today, today, RATES)
    for month, sum_ in whole.items():
        parts = [p[month] for p in (before, after) if month in p]
        assert sum(p.days for p in parts) == sum_.days
        assert sum(p.paid for p in parts) == sum_.paid
        assert sum(p.cost for p in parts) == sum_.cost
        assert sum(p.spared_cost for p in parts) == sum_.spared_cost


@given(history=histories, days=st.integers(min_value=0, max_value=140))
def test_a_wait_counts_in_each_month_it_spent_a_day_in_hospital_after_its_ready_day(
    history: list[tuple[int, list[tuple[int, int, bool, int]], int | None]], days: int
) -> None:
    """As the statement lists it, even with no day paid; its days are paid or avoided."""
    periods = periods_of(history)
    today = today_after(periods, days)
    sums = waiting_by_month(periods, FIRST, today, today, RATES)
    waits: Counter[str] = Counter()
    in_hospital: Counter[str] = Counter()
    for period in periods:
        stop = period.ended_on or today + timedelta(days=1)
        months = set()
        day = period.ready_on
        while day < stop:
            months.add(month_key(day))
            in_hospital[month_key(day)] += 1
            day += timedelta(days=1)
        waits.update(months)
    assert {m: (s.waits, s.days) for m, s in sums.items()} == {
        m: (waits[m], in_hospital[m]) for m in waits
    }
    for s in sums.values():
        assert 0 <= s.paid <= s.days and s.spared <= s.waits
        assert (s.unpaid > 0) == (s.spared > 0) and (s.spared_cost > 0) == (s.unpaid > 0)


def test_the_ministrys_example_in_the_month_three_days_at_the_years_rate() -> None:
    ready = date(2024, 3, 4)
    period = ReadyPeriod(at(ready), answers=(offer(ready + timedelta(days=3)),))
    today = date(2024, 3, 20)
    sums = waiting_by_month([period], date(2024, 3, 1), today, today, RATES)
    assert sums["2024-03"] == MonthWaits(
        waits=1, days=17, paid=3, cost=3 * 5745, spared=1, spared_cost=14 * 5745
    )


def test_an_offer_on_the_ready_day_is_one_in_force_that_day_stopping_the_clock_on_it() -> None:
    ready = date(2024, 3, 4)
    later = ready + timedelta(days=1)
    assert offer_on_ready_day(ReadyPeriod(at(ready), answers=(offer(ready),)))
    assert offer_on_ready_day(ReadyPeriod(at(ready), answers=(offer(ready - timedelta(days=1)),)))
    assert not offer_on_ready_day(ReadyPeriod(at(ready)))
    assert not offer_on_ready_day(ReadyPeriod(at(ready), answers=(offer(ready, later),)))
    assert not offer_on_ready_day(ReadyPeriod(at(ready), answers=(offer(later),)))
    withdrawn = (offer(ready), cannot(ready))
    assert not offer_on_ready_day(ReadyPeriod(at(ready), answers=withdrawn))
