"""Back-off after failed logins: five within fifteen minutes shut a username for fifteen;
each attempt is counted before its password is checked."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from support.stores import migrated

from access.lockout import FAILURES, Lockout, minutes_left, refusal_text

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def lockout(database_url: str) -> Iterator[Lockout]:
    engine = migrated(database_url)
    yield Lockout(engine)
    engine.dispose()


def fail(lockout: Lockout, times: int, *, start: datetime = NOW, every: float = 10) -> datetime:
    """`times` attempts `every` seconds apart, each allowed and failed; the moment of the last."""
    at = start
    for n in range(times):
        at = start + timedelta(seconds=n * every)
        assert lockout.attempt("kari", at) is None
    return at


def test_four_failures_do_not_lock(lockout: Lockout) -> None:
    last = fail(lockout, 4)
    assert lockout.attempt("kari", last) is None


def test_five_failures_within_the_window_lock_for_fifteen_minutes(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    assert lockout.attempt("kari", last) == last + timedelta(minutes=15)


def test_the_minutes_left_are_rounded_up(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    until = lockout.attempt("kari", last + timedelta(minutes=14, seconds=1))
    assert until is not None
    assert minutes_left(until, last + timedelta(minutes=14, seconds=1)) == 1
    assert minutes_left(until, last + timedelta(minutes=9, seconds=59)) == 6
    assert minutes_left(until, last) == 15


def test_a_refused_attempt_does_not_move_the_end_of_the_lockout(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    for minutes in (1, 7, 14):
        assert lockout.attempt("kari", last + timedelta(minutes=minutes)) == last + timedelta(
            minutes=15
        )


def test_the_lock_ends_after_fifteen_minutes(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    assert lockout.attempt("kari", last + timedelta(minutes=15)) is None


def test_five_failures_spread_over_more_than_the_window_do_not_lock(lockout: Lockout) -> None:
    last = fail(lockout, 5, every=4 * 60)
    assert lockout.attempt("kari", last) is None


def test_a_success_forgets_the_failures_before_it(lockout: Lockout) -> None:
    last = fail(lockout, 4)
    assert lockout.attempt("kari", last + timedelta(seconds=1)) is None
    lockout.succeeded("kari")
    last = fail(lockout, 5, start=last + timedelta(seconds=2))
    assert lockout.attempt("kari", last) is not None


def test_one_failure_after_a_lockout_does_not_lock_again(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    after = fail(lockout, 1, start=last + timedelta(minutes=15))
    assert lockout.attempt("kari", after) is None


def test_another_username_is_not_locked(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    assert lockout.attempt("ola", last) is None


def test_the_refusal_says_how_long_to_wait() -> None:
    assert refusal_text(15).format(minutes=15) == (
        "For mange mislykkede forsøk. Prøv igjen om 15 minutter."
    )
    assert refusal_text(1) == "For mange mislykkede forsøk. Prøv igjen om ett minutt."


def test_a_success_forgets_failures_of_the_same_moment(lockout: Lockout) -> None:
    fail(lockout, 4, every=0)
    lockout.succeeded("kari")
    fail(lockout, 5, every=0)
    assert lockout.attempt("kari", NOW) is not None


def test_attempts_made_at_once_leave_only_the_allowance_to_check(lockout: Lockout) -> None:
    """Thirty guesses at the same moment, each in its own connection: five may check the
    password, the rest are refused, as if they had come one after another."""
    start = Barrier(30)

    def guess(_: int) -> datetime | None:
        start.wait()
        return lockout.attempt("kari", NOW)

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(guess, range(30)))
    assert answers.count(None) == FAILURES
    assert set(answers) - {None} == {NOW + timedelta(minutes=15)}


def test_failures_whose_window_and_lockout_are_over_are_let_go(lockout: Lockout) -> None:
    """Usernames tried once must not pile up for ever: their rows go once they mean nothing."""
    last = fail(lockout, 5)  # kari: shut until last + 15 min
    assert lockout.attempt("ola", last) is None  # one failure, its window ends at last + 15
    lockout.attempt("kari", last)  # refused while shut
    assert lockout.forget_past(last + timedelta(minutes=14)) == 0
    assert lockout.attempt("kari", last + timedelta(minutes=14)) is not None, "still shut"
    assert lockout.forget_past(last + timedelta(minutes=15, seconds=1)) == 2
    assert lockout.forget_past(last + timedelta(minutes=16)) == 0
    assert lockout.attempt("kari", last + timedelta(minutes=16)) is None, "afresh"
