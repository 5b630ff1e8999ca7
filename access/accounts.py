"""Local accounts and the bearer tokens of API clients.

Passwords are argon2id hashes (OWASP ASVS: t=2, m=19 MiB, p=1). A token is 32 random
bytes shown once; only its SHA-256 is stored, which suffices for a secret that long.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    MetaData,
    String,
    Table,
    Uuid,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from flow.actor import Actor
from flow.errors import FlowError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: Verified against when the user does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("ingen bruker")

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("unit_ids", JSON, nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class Role(StrEnum):
    ALLOCATION = "allocation"
    NURSE = "nurse"
    HOMECARE = "homecare"
    LEADER = "leader"
    ADMIN = "admin"
    #: A hospital's system: posts hospital messages, sees no board and no patient.
    INTEGRATION = "integration"


#: Each role as a user reads it, in bokmål.
ROLE_TEXT: dict[str, str] = {
    Role.ALLOCATION: "tildelingskontor",
    Role.NURSE: "sykepleier",
    Role.HOMECARE: "hjemmetjeneste",
    Role.LEADER: "leder",
    Role.ADMIN: "systemansvarlig",
    Role.INTEGRATION: "integrasjon (sykehus)",
}
#: The role in force of a user whose access waits for a leader's approval (access/grants.py)
#: or was declined: she may log in, and sees no board and no patient.
NO_ROLE = "none"
#: How the username of one who logs in through the municipality's provider begins; she has
#: no password here.
OIDC_PREFIX = "oidc:"


class AccountError(FlowError):
    """A username taken, or no user by that name."""


@dataclass(frozen=True)
class User:
    id: UUID
    municipality_id: UUID
    username: str
    display_name: str
    role: str
    unit_ids: list[UUID]

    @property
    def actor(self) -> Actor:
        return Actor(str(self.id), self.role, self.municipality_id)


def user_of_row(row: Row[tuple[object, ...]]) -> User:
    """A `users` row as the user it is."""
    m = row._mapping
    return User(
        m["id"],
        m["municipality_id"],
        m["username"],
        m["display_name"],
        m["role"],
        [UUID(u) for u in m["unit_ids"]],
    )


@dataclass(frozen=True)
class Account:
    """A user as an administrator sees it: with whether it may log in, and since when."""

    user: User
    active: bool
    created_at: datetime


def _account(row: Row[tuple[object, ...]]) -> Account:
    created: datetime = row._mapping["created_at"]
    aware = created if created.tzinfo else created.replace(tzinfo=UTC)  # SQLite drops it
    return Account(user_of_row(row), bool(row._mapping["active"]), aware)


@contextmanager
def within(engine: Engine, db: Connection | None) -> Iterator[Connection]:
    """The caller's transaction when it has one, so several changes commit together;
    otherwise a transaction of its own."""
    if db is not None:
        yield db
        return
    with engine.begin() as fresh:
        yield fresh


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_user(
        self,
        municipality_id: UUID,
        username: str,
        role: str,
        display_name: str,
        password: str | None,
        unit_ids: list[UUID],
        *,
        at: datetime,
        db: Connection | None = None,
    ) -> User:
        taken = AccountError("username_taken", username=username)
        user_id = uuid4()
        password_hash = _hasher.hash(password) if password else None
        try:
            with within(self.engine, db) as conn:
                if conn.execute(select(users.c.id).where(users.c.username == username)).first():
                    raise taken
                conn.execute(
                    insert(users).values(
                        id=user_id,
                        municipality_id=municipality_id,
                        username=username,
                        display_name=display_name,
                        role=str(role),
                        unit_ids=[str(u) for u in unit_ids],
                        password_hash=password_hash,
                        active=True,
                        created_at=at,
                    )
                )
        except IntegrityError:  # someone took the name at the same moment
            raise taken from None
        return User(user_id, municipality_id, username, display_name, str(role), unit_ids)

    def set_password(self, user_id: UUID, password: str, db: Connection | None = None) -> None:
        """The user's own password (through her setup link), hashed."""
        with within(self.engine, db) as conn:
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(password_hash=_hasher.hash(password))
            )

    def forget_password(self, user_id: UUID, db: Connection | None = None) -> None:
        """No password opens the account until its user sets one through a new link."""
        with within(self.engine, db) as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(password_hash=None))

    def get(self, user_id: UUID) -> User | None:
        with self.engine.connect() as db:
            row = db.execute(select(users).where(users.c.id == user_id)).first()
        return user_of_row(row) if row else None

    def verify(self, username: str, password: str) -> User | None:
        """The user if the password is right; None otherwise, in about the same time."""
        with self.engine.connect() as db:
            row = db.execute(
                select(users).where(users.c.username == username, users.c.active.is_(True))
            ).first()
        stored = row._mapping["password_hash"] if row else None
        try:
            _hasher.verify(stored or _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return user_of_row(row) if row and stored else None

    def find(self, username: str) -> User | None:
        with self.engine.connect() as db:
            row = db.execute(select(users).where(users.c.username == username)).first()
        return user_of_row(row) if row else None

    def issue_token(self, username: str, *, at: datetime) -> str:
        user = self.find(username)
        if user is None:
            raise AccountError("no_user_named", username=username)
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as db:
            db.execute(
                insert(api_tokens).values(
                    token_sha256=_digest(token), user_id=user.id, created_at=at
                )
            )
        return token

    def user_for_token(self, token: str) -> User | None:
        query = (
            select(users)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_sha256 == _digest(token), users.c.active.is_(True))
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return user_of_row(row) if row else None

    # -- administration: every change here is made by the admin service, which logs it --

    def account(self, user_id: UUID, db: Connection | None = None) -> Account | None:
        with within(self.engine, db) as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return _account(row) if row else None

    def list_users(self, municipality_id: UUID) -> list[Account]:
        query = (
            select(users)
            .where(users.c.municipality_id == municipality_id)
            .order_by(users.c.display_name, users.c.username)
        )
        with self.engine.connect() as db:
            return [_account(row) for row in db.execute(query)]

    def rename(self, user_id: UUID, display_name: str, db: Connection | None = None) -> User | None:
        """The user with a new display name, None if unknown. Her role and places change
        through `access.grants.Grants.ask` alone, which asks a leader where it must."""
        with within(self.engine, db) as conn:
            conn.execute(
                update(users).where(users.c.id == user_id).values(display_name=display_name)
            )
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return user_of_row(row) if row else None

    def set_active(self, user_id: UUID, active: bool, db: Connection | None = None) -> bool:
        """Allow or stop logins and tokens; whether the user exists. A caller disabling a
        user ends the user's sessions too (`Sessions.end_all`)."""
        with within(self.engine, db) as conn:
            changed = conn.execute(
                update(users).where(users.c.id == user_id).values(active=active)
            ).rowcount
        return bool(changed)

    def revoke_tokens(self, user_id: UUID, db: Connection | None = None) -> int:
        """Forget every API token of the user; the number revoked."""
        with within(self.engine, db) as conn:
            revoked = conn.execute(delete(api_tokens).where(api_tokens.c.user_id == user_id))
        return int(revoked.rowcount)
