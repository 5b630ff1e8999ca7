"""Back-off after failed logins: five failures for a username within fifteen minutes
shut it for fifteen minutes, before any password is checked; a success starts afresh.

An attempt is counted as failed before its password is checked, in one atomic statement
on the username's row, and only the attempts that count leaves under the allowance check
the password: guesses sent at once cannot all pass a check made before any was counted.
Attempts refused while shut do not move the lockout's end, so guessing cannot keep a user
locked out for longer than one lockout after the last counted failure.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Engine, Integer, String, Table, case, delete, literal, or_
from sqlalchemy.dialects import postgresql, sqlite

from access.accounts import metadata
from access.database import UTCDateTime

login_failures = Table(
    "login_failures",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),  # counted since the window began
    Column("window_ends", UTCDateTime, nullable=False),  # the first counted + the window
    Column("locked_until", UTCDateTime, nullable=False),  # the latest counted + the lockout
)

FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKED_FOR = timedelta(minutes=15)


def refusal_text(minutes: int) -> str:
    """What the login page says to a locked-out username; `{minutes}` is filled in after
    translation."""
    if minutes == 1:
        return "For mange mislykkede forsøk. Prøv igjen om ett minutt."
    return "For mange mislykkede forsøk. Prøv igjen om {minutes} minutter."


def minutes_left(until: datetime, at: datetime) -> int:
    """Whole minutes, rounded up, from `at` until a lockout ends."""
    return max(0, math.ceil((until - at) / timedelta(minutes=1)))


class Lockout:
    def __init__(
        self,
        engine: Engine,
        *,
        failures: int = FAILURES,
        window: timedelta = WINDOW,
        locked_for: timedelta = LOCKED_FOR,
    ) -> None:
        self.engine = engine
        self.failures, self.window, self.locked_for = failures, window, locked_for

    def attempt(self, username: str, at: datetime) -> datetime | None:
        """Count an attempt at the username's password as failed, before it is checked: None
        if the password may be checked now, or the end of the lockout that shuts it."""
        row, at = login_failures.c, at.astimezone(UTC)
        window_ends = literal(at + self.window, UTCDateTime())
        locked_until = literal(at + self.locked_for, UTCDateTime())
        locked = (row.failures >= self.failures) & (row.locked_until > at)
        afresh = or_(row.window_ends < at, row.failures >= self.failures)
        counted = (
            _insert(self.engine)
            .values(
                username=username[:64],
                failures=1,
                window_ends=window_ends,
                locked_until=locked_until,
            )
            .on_conflict_do_update(
                index_elements=[row.username],
                set_={
                    "failures": case((~locked & afresh, 1), else_=row.failures + 1),
                    "window_ends": case((~locked & afresh, window_ends), else_=row.window_ends),
                    "locked_until": case((locked, row.locked_until), else_=locked_until),
                },
            )
            .returning(row.failures, row.locked_until)
        )
        with self.engine.begin() as db:
            failures, until = db.execute(counted).one()
        return until if failures > self.failures else None

    def forget_past(self, at: datetime) -> int:
        """Let go of the rows whose window and lockout are both over: the next attempt
        starts afresh without them, and usernames tried once must not pile up."""
        row, at = login_failures.c, at.astimezone(UTC)
        with self.engine.begin() as db:
            forgotten = db.execute(
                delete(login_failures).where(row.window_ends < at, row.locked_until < at)
            )
        return forgotten.rowcount

    def succeeded(self, username: str) -> None:
        """The password checked after `attempt` was right: its failures are forgotten."""
        with self.engine.begin() as db:
            db.execute(delete(login_failures).where(login_failures.c.username == username[:64]))


def _insert(engine: Engine) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with ON CONFLICT in the store's dialect (both take RETURNING)."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(login_failures)
    return sqlite.insert(login_failures)
