"""Back-off after failed logins: five failures for a username within fifteen minutes
shut it for fifteen minutes, before any password is checked; a success starts afresh.

Every attempt that reached the password check is kept, with its client's address.
Attempts refused while shut are not counted, so guessing cannot keep a user locked out
for longer than one lockout after the last counted failure.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
)

from access.accounts import metadata
from access.database import create_tables

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("client", String(64), nullable=True),
    Index("login_attempts_by_username", "username", "at"),
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
        create_tables(engine, [login_attempts])

    def locked_until(self, username: str, at: datetime) -> datetime | None:
        """The end of the username's lockout, or None when it may try now."""
        at = at.astimezone(UTC)
        recent = self._failures_since_last_success(username, at - self.window - self.locked_for)
        if len(recent) < self.failures:
            return None
        latest, earliest = recent[0], recent[self.failures - 1]
        if latest - earliest > self.window:
            return None
        until = latest + self.locked_for
        return until if at < until else None

    def minutes_left(self, username: str, at: datetime) -> int:
        """Whole minutes, rounded up, until the username may try again; 0 if it may now."""
        until = self.locked_until(username, at)
        return math.ceil((until - at) / timedelta(minutes=1)) if until else 0

    def record(self, username: str, at: datetime, *, succeeded: bool, client: str | None) -> None:
        with self.engine.begin() as db:
            db.execute(
                insert(login_attempts).values(
                    username=username[:64],
                    at=at.astimezone(UTC),
                    succeeded=succeeded,
                    client=client[:64] if client else None,
                )
            )

    def _failures_since_last_success(self, username: str, since: datetime) -> list[datetime]:
        """The newest failures after `since` and recorded after the last success, newest
        first (by insertion, since a success and a failure may share a moment)."""
        attempts = login_attempts.c
        last_success = (
            select(func.coalesce(func.max(attempts.id), 0))
            .where(attempts.username == username, attempts.succeeded.is_(True))
            .scalar_subquery()
        )
        query = (
            select(attempts.at)
            .where(
                attempts.username == username,
                attempts.succeeded.is_(False),
                attempts.at > since,
                attempts.id > last_success,
            )
            .order_by(attempts.at.desc(), attempts.id.desc())
            .limit(self.failures)
        )
        with self.engine.connect() as db:
            return [_aware(at) for at in db.scalars(query)]


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were written as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
