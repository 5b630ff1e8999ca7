"""Browser sessions: server-side, with a CSRF token each, ended by idleness or age.

The cookie holds a random id; the table holds only its SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    String,
    Table,
    Uuid,
    delete,
    insert,
    select,
    update,
)

from access.accounts import Accounts, User, metadata, users

#: How seldom a session's last use is written: idle time is counted to the minute, so most
#: requests read their session without writing it.
TOUCH_EVERY = timedelta(minutes=1)

sessions = Table(
    "sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    def __init__(
        self, engine: Engine, accounts: Accounts, *, idle: timedelta, lifetime: timedelta
    ) -> None:
        self.engine, self.accounts = engine, accounts
        self.idle, self.lifetime = idle, lifetime

    def start(self, user: User, at: datetime) -> str:
        """A new session id for every login, so an id known before login is worthless."""
        session_id = secrets.token_urlsafe(32)
        with self.engine.begin() as db:
            db.execute(
                insert(sessions).values(
                    id_sha256=_digest(session_id),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    started_at=at,
                    seen_at=at,
                )
            )
        return session_id

    def find(self, session_id: str, at: datetime) -> Session | None:
        key = _digest(session_id)
        query = (
            select(
                sessions.c.user_id, sessions.c.csrf_token, sessions.c.started_at, sessions.c.seen_at
            )
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.id_sha256 == key, users.c.active.is_(True))
        )
        with self.engine.begin() as db:
            row = db.execute(query).first()
            if row is None:
                return None
            if _aware(row.seen_at) + self.idle < at or _aware(row.started_at) + self.lifetime < at:
                db.execute(delete(sessions).where(sessions.c.id_sha256 == key))
                return None
            if at - _aware(row.seen_at) >= TOUCH_EVERY:  # a write, and its fsync, a minute
                db.execute(update(sessions).where(sessions.c.id_sha256 == key).values(seen_at=at))
        user = self.accounts.get(row.user_id)
        return Session(user, row.csrf_token) if user else None

    def end(self, session_id: str) -> None:
        with self.engine.begin() as db:
            db.execute(delete(sessions).where(sessions.c.id_sha256 == _digest(session_id)))

    def end_all(self, user_id: UUID) -> int:
        """End every session of a user, as when an administrator disables the account;
        the number ended."""
        with self.engine.begin() as db:
            ended = db.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount
        return int(ended)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were written as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
