"""One-time links where a new user, or one whose password an admin reset, sets her own
password: the admin hands the link over and never learns the password.

The link's token is 32 random bytes; only its SHA-256 is stored. It expires after
`LINK_LASTS` and is spent by its first use; a newer link of the same user makes the older
ones void. Whoever holds the link can set the password, the admin too: so what the account
opens of patient data waits for a leader's approval after every link (access/grants.py), and
the leader sees whether and when the password was set.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Column, Connection, Engine, String, Table, Uuid, func, insert, select, update

from access.accounts import Accounts, User, metadata, within
from access.database import UTCDateTime
from flow.errors import NotFoundError, UnusableTextError

#: How long a link may wait for its user.
LINK_LASTS = timedelta(hours=72)
#: The shortest and the longest password one may set (the login form takes 200 characters).
SHORTEST, LONGEST = 12, 200

setup_links = Table(
    "password_setup_links",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("user_id", Uuid, nullable=False, index=True),
    Column("created_by", Uuid, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str, again: str, username: str) -> None:
    """The rules of a password one sets: typed the same twice, 12 to 200 characters, and
    not the username."""
    if password != again:
        raise UnusableTextError("passwords_differ")
    if not SHORTEST <= len(password) <= LONGEST:
        raise UnusableTextError("password_length", shortest=SHORTEST, longest=LONGEST)
    if password.strip().lower() == username.lower():
        raise UnusableTextError("password_is_username")


class SetupLinks:
    def __init__(self, engine: Engine, accounts: Accounts) -> None:
        self.engine, self.accounts = engine, accounts

    def issue(self, db: Connection, user_id: UUID, *, by: UUID, at: datetime) -> str:
        """A new link's token for the user; earlier links of hers no longer open."""
        db.execute(
            update(setup_links)
            .where(setup_links.c.user_id == user_id, setup_links.c.used_at.is_(None))
            .values(expires_at=at)
        )
        token = secrets.token_urlsafe(32)
        db.execute(
            insert(setup_links).values(
                token_sha256=_digest(token),
                user_id=user_id,
                created_by=by,
                created_at=at,
                expires_at=at + LINK_LASTS,
            )
        )
        return token

    def user_for(self, token: str, at: datetime) -> User:
        """The user whose link this is, while it is unused and fresh (404 otherwise)."""
        query = select(setup_links.c.user_id).where(
            setup_links.c.token_sha256 == _digest(token),
            setup_links.c.used_at.is_(None),
            setup_links.c.expires_at > at,
        )
        with self.engine.connect() as db:
            user_id = db.execute(query).scalar()
        user = self.accounts.get(user_id) if user_id else None
        if user is None:
            raise NotFoundError("setup_link_spent")
        return user

    def set_password(self, token: str, password: str, again: str, at: datetime) -> User:
        """Spend the link on the user's own password; of two uses at once, one wins."""
        user = self.user_for(token, at)
        check_password(password, again, user.username)
        with self.engine.begin() as db:
            spent = db.execute(
                update(setup_links)
                .where(
                    setup_links.c.token_sha256 == _digest(token),
                    setup_links.c.used_at.is_(None),
                    setup_links.c.expires_at > at,
                )
                .values(used_at=at)
            ).rowcount
            if spent != 1:
                raise NotFoundError("setup_link_spent")
            self.accounts.set_password(user.id, password, db)
        return user

    def password_set_at(
        self, user_ids: Collection[UUID], db: Connection | None = None
    ) -> dict[UUID, datetime]:
        """When each user last set her password through a link (absent: not since)."""
        if not user_ids:
            return {}
        query = (
            select(setup_links.c.user_id, func.max(setup_links.c.used_at))
            .where(setup_links.c.user_id.in_(list(user_ids)), setup_links.c.used_at.is_not(None))
            .group_by(setup_links.c.user_id)
        )
        with within(self.engine, db) as conn:
            return {user_id: at for user_id, at in conn.execute(query)}
