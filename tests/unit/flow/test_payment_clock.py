"""The payment clock at its edges (forskrift § 13 as the ministry reads it; the sources are
cited in `flow/payment_clock.py`), and as a property over random histories of answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from flow.payment_clock import Answer, ClockState, ReadyPeriod, WaitEnd
from flow.rates import NATIONAL_DAILY_RATES, OSLO, daily_rate

RATES = NATIONAL_DAILY_RATES
DAY1 = date(2024, 3, 4)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=OSLO)


def plus(days: int) -> date:
    return DAY1 + timedelta(days=days)


def offer(told: date, offer_from: date | None = None, hour: int = 11) -> Answer:
    return Answer(at(told, hour), can_receive=True, offer_from=offer_from or told)


def cannot(told: date, expected_on: date | None = None, hour: int = 11) -> Answer:
    return Answer(at(told, hour), can_receive=False, expected_on=expected_on)


def test_the_ministrys_example_ready_on_day_1_offer_told_on_day_4_is_three_days() -> None:
    period = ReadyPeriod(at(DAY1), answers=(cannot(DAY1), offer(plus(3))))
    clock = period.clock(plus(3), RATES)
    assert (clock.state, clock.days, clock.cost) == (ClockState.STOPPED, 3, 3 * 5745)
    assert clock.since == plus(3)
    assert period.clock(plus(20), RATES).days == 3  # and it stays stopped


def test_no_answer_pays_from_the_ready_day_and_is_the_cue_to_answer() -> None:
    clock = ReadyPeriod(at(DAY1)).clock(plus(2), RATES)
    assert (clock.state, clock.days, clock.since, clock.unanswered) == (
        ClockState.RUNNING,
        3,
        DAY1,
        True,
    )


def test_an_offer_ready_on_the_ready_day_pays_nothing() -> None:
    clock = ReadyPeriod(at(DAY1), answers=(offer(DAY1),)).clock(plus(5), RATES)
    assert (clock.state, clock.days, clock.cost, clock.unanswered) == (
        ClockState.STOPPED,
        0,
        0,
        False,
    )


def test_an_answer_before_the_ready_notice_still_holds_on_the_ready_day() -> None:
    early_offer = ReadyPeriod(at(plus(2)), answers=(offer(DAY1),))
    assert early_offer.clock(plus(4), RATES).days == 0
    early_refusal = ReadyPeriod(at(plus(2)), answers=(cannot(DAY1),))
    assert early_refusal.clock(plus(4), RATES).days == 3
    assert early_refusal.clock(plus(1), RATES).state == ClockState.NOT_STARTED


def test_cannot_receive_then_an_offer_pays_until_the_offer() -> None:
    period = ReadyPeriod(at(DAY1), answers=(cannot(DAY1, expected_on=plus(2)), offer(plus(2))))
    running = period.clock(plus(1), RATES)
    assert (running.state, running.days, running.answer.expected_on) == (
        ClockState.RUNNING,
        2,
        plus(2),
    )
    assert period.clock(plus(9), RATES).days == 2


def test_an_expected_day_gone_by_without_an_offer_is_marked() -> None:
    period = ReadyPeriod(at(DAY1), answers=(cannot(DAY1, expected_on=plus(2)),))
    assert [period.clock(plus(n), RATES).expected_passed for n in (1, 2, 3)] == [
        False,
        False,
        True,
    ]


def test_an_offer_for_a_later_day_stops_the_clock_on_that_day() -> None:
    period = ReadyPeriod(at(DAY1), answers=(offer(DAY1, offer_from=plus(3)),))
    assert period.clock(plus(1), RATES).state == ClockState.RUNNING
    assert period.clock(plus(9), RATES).days == 3


def test_an_offer_cannot_stop_days_before_it_was_told() -> None:
    backdated = Answer(at(plus(2)), can_receive=True, offer_from=DAY1)
    assert ReadyPeriod(at(DAY1), answers=(backdated,)).clock(plus(9), RATES).days == 2


def test_an_offer_withdrawn_starts_the_clock_again_from_that_day() -> None:
    period = ReadyPeriod(at(DAY1), answers=(offer(plus(1)), cannot(plus(4))))
    clock = period.clock(plus(5), RATES)
    assert (clock.state, clock.since, clock.days) == (ClockState.RUNNING, plus(4), 1 + 2)


def test_the_last_answer_of_a_day_is_the_days_answer() -> None:
    same_day = ReadyPeriod(at(DAY1), answers=(offer(plus(1), hour=9), cannot(plus(1), hour=15)))
    assert same_day.clock(plus(1), RATES).days == 2
    back = ReadyPeriod(at(DAY1), answers=(cannot(plus(1), hour=9), offer(plus(1), hour=15)))
    assert back.clock(plus(1), RATES).days == 1


def test_new_illness_after_n_days_pays_the_n_days_before_it() -> None:
    for n in (0, 1, 4, 30):
        period = ReadyPeriod(at(DAY1), ended_at=at(plus(n), 14), ended_by=WaitEnd.WITHDRAWAL)
        clock = period.clock(plus(n + 10), RATES)
        assert (clock.state, clock.days, clock.ended_by) == (ClockState.ENDED, n, "withdrawal")


def test_a_wait_across_new_year_pays_each_day_at_its_years_rate() -> None:
    period = ReadyPeriod(at(date(2022, 12, 30)), ended_at=at(date(2023, 1, 3)))
    assert period.clock(date(2023, 1, 9), RATES).cost == 2 * 5306 + 2 * 5508


def test_the_days_of_the_daylight_saving_changes_are_one_day_each() -> None:
    for change in (date(2024, 3, 31), date(2024, 10, 27)):
        ready = datetime.combine(change, time(0, 30), tzinfo=OSLO)
        period = ReadyPeriod(ready, ended_at=datetime.combine(change, time(23, 30), tzinfo=OSLO))
        assert period.clock(change + timedelta(days=3), RATES).days == 0
        gone = datetime.combine(change + timedelta(days=1), time(0, 30), tzinfo=OSLO)
        assert ReadyPeriod(ready, ended_at=gone).clock(change, RATES).days == 1
        # The moments in UTC do not decide the day: 00:30 in Oslo is the day before in UTC.
        assert ReadyPeriod(ready.astimezone(UTC)).clock(change, RATES).days == 1


def test_a_change_moving_the_ready_day_moves_the_first_paid_day() -> None:
    answers = (offer(plus(4)),)
    assert ReadyPeriod(at(plus(2)), answers=answers).clock(plus(9), RATES).days == 2
    assert ReadyPeriod(at(DAY1), answers=answers).clock(plus(9), RATES).days == 4  # earlier
    assert ReadyPeriod(at(plus(3)), answers=answers).clock(plus(9), RATES).days == 1  # later


def test_an_estimated_ready_day_counts_provisionally() -> None:
    clock = ReadyPeriod(at(DAY1), estimate=True).clock(plus(1), RATES)
    assert (clock.days, clock.provisional) == (2, True)


answers = st.lists(
    st.tuples(
        st.integers(min_value=-3, max_value=40),  # told, days after the ready day
        st.integers(min_value=0, max_value=23),  # hour
        st.booleans(),  # offer ready
        st.integers(min_value=0, max_value=10),  # offer from, days after told
    ),
    max_size=6,
)


@given(
    ready=st.dates(min_value=date(2019, 11, 1), max_value=date(2026, 2, 1)),
    told=answers,
    ends_after=st.none() | st.integers(min_value=0, max_value=60),
    today_after=st.integers(min_value=-2, max_value=70),
)
def test_the_paid_days_are_those_the_answer_in_force_leaves_paid(
    ready: date,
    told: list[tuple[int, int, bool, int]],
    ends_after: int | None,
    today_after: int,
) -> None:
    """Day by day: a day is paid when it is in the wait (from the ready day, before the
    end, not after today) and the last answer told by then is none, "cannot", or an offer
    from a later day. The spans, the count and the cost agree with that reading."""
    moments = sorted((ready + timedelta(days=d), h, o, f) for d, h, o, f in told)
    given_answers = tuple(
        Answer(at(day, hour), o, offer_from=day + timedelta(days=f) if o else None)
        for day, hour, o, f in moments
    )
    ended = at(ready + timedelta(days=ends_after)) if ends_after is not None else None
    period = ReadyPeriod(at(ready, 8), answers=given_answers, ended_at=ended)
    today = ready + timedelta(days=today_after)
    stop = ready + timedelta(days=ends_after) if ends_after is not None else today
    expected = []
    day = ready
    while day < stop or (ends_after is None and day <= today):
        in_force = [a for a in given_answers if a.told_on <= day]
        last = in_force[-1] if in_force else None
        if last is None or not last.can_receive or (last.offer_from or day) > day:
            expected.append(day)
        day += timedelta(days=1)
    clock = period.clock(today, RATES)
    assert list(period.paid_days(today)) == expected
    assert clock.days == len(expected)
    assert clock.cost == sum(daily_rate(d, RATES) for d in expected)
