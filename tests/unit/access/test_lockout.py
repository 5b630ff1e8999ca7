"""Back-off after failed logins: five within fifteen minutes shut a username for fifteen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from access.database import connect
from access.lockout import Lockout, refusal_text

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def lockout(database_url: str) -> Iterator[Lockout]:
    engine = connect(database_url)
    yield Lockout(engine)
    engine.dispose()


def fail(lockout: Lockout, times: int, *, start: datetime = NOW, every: float = 10) -> datetime:
    """`times` failures `every` seconds apart; the moment of the last."""
    at = start
    for n in range(times):
        at = start + timedelta(seconds=n * every)
        lockout.record("kari", at, succeeded=False, client="10.0.0.1")
    return at


def test_four_failures_do_not_lock(lockout: Lockout) -> None:
    last = fail(lockout, 4)
    assert lockout.locked_until("kari", last) is None


def test_five_failures_within_the_window_lock_for_fifteen_minutes(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    assert lockout.locked_until("kari", last) == last + timedelta(minutes=15)
    assert lockout.minutes_left("kari", last) == 15


def test_the_minutes_left_are_rounded_up(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    assert lockout.minutes_left("kari", last + timedelta(minutes=14, seconds=1)) == 1
    assert lockout.minutes_left("kari", last + timedelta(minutes=9, seconds=59)) == 6


def test_the_lock_ends_after_fifteen_minutes(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    assert lockout.minutes_left("kari", last + timedelta(minutes=15)) == 0


def test_five_failures_spread_over_more_than_the_window_do_not_lock(lockout: Lockout) -> None:
    last = fail(lockout, 5, every=4 * 60)
    assert lockout.locked_until("kari", last) is None


def test_a_success_forgets_the_failures_before_it(lockout: Lockout) -> None:
    last = fail(lockout, 4)
    lockout.record("kari", last + timedelta(seconds=1), succeeded=True, client=None)
    last = fail(lockout, 4, start=last + timedelta(seconds=2))
    assert lockout.locked_until("kari", last) is None
    last = fail(lockout, 1, start=last + timedelta(seconds=1))
    assert lockout.locked_until("kari", last) is not None


def test_one_failure_after_a_lockout_does_not_lock_again(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    after = fail(lockout, 1, start=last + timedelta(minutes=15))
    assert lockout.locked_until("kari", after) is None


def test_another_username_is_not_locked(lockout: Lockout) -> None:
    last = fail(lockout, 5)
    assert lockout.locked_until("ola", last) is None


def test_the_refusal_says_how_long_to_wait() -> None:
    assert refusal_text(15).format(minutes=15) == (
        "For mange mislykkede forsøk. Prøv igjen om 15 minutter."
    )
    assert refusal_text(1) == "For mange mislykkede forsøk. Prøv igjen om ett minutt."


def test_a_success_forgets_failures_of_the_same_moment(lockout: Lockout) -> None:
    fail(lockout, 4, every=0)
    lockout.record("kari", NOW, succeeded=True, client=None)
    fail(lockout, 4, every=0)
    assert lockout.locked_until("kari", NOW) is None
