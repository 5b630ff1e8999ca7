"""Local accounts and the bearer tokens of API clients.

Passwords are argon2id hashes (OWASP ASVS: t=2, m=19 MiB, p=1). A token is 32 random
bytes shown once; only its SHA-256 is stored, which suffices for a secret that long.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    MetaData,
    String,
    Table,
    Uuid,
    insert,
    select,
)
from sqlalchemy.engine import Row

from access.database import create_tables
from flow.actor import Actor

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


class AccountError(ValueError):
    pass


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


def _user(row: Row[tuple[object, ...]]) -> User:
    m = row._mapping
    return User(
        m["id"],
        m["municipality_id"],
        m["username"],
        m["display_name"],
        m["role"],
        [UUID(u) for u in m["unit_ids"]],
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine, [users, api_tokens])

    def add_user(
        self,
        municipality_id: UUID,
        username: str,
        role: Role,
        display_name: str,
        password: str | None,
        unit_ids: list[UUID],
        *,
        at: datetime,
    ) -> User:
        if self.find(username) is not None:
            raise AccountError(f"Brukernavnet «{username}» er tatt.")
        user_id = uuid4()
        with self.engine.begin() as db:
            db.execute(
                insert(users).values(
                    id=user_id,
                    municipality_id=municipality_id,
                    username=username,
                    display_name=display_name,
                    role=role.value,
                    unit_ids=[str(u) for u in unit_ids],
                    password_hash=_hasher.hash(password) if password else None,
                    active=True,
                    created_at=at,
                )
            )
        return User(user_id, municipality_id, username, display_name, role.value, unit_ids)

    def get(self, user_id: UUID) -> User | None:
        with self.engine.connect() as db:
            row = db.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row) if row else None

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
        return _user(row) if row and stored else None

    def find(self, username: str) -> User | None:
        with self.engine.connect() as db:
            row = db.execute(select(users).where(users.c.username == username)).first()
        return _user(row) if row else None

    def issue_token(self, username: str, *, at: datetime) -> str:
        user = self.find(username)
        if user is None:
            raise AccountError(f"Ingen bruker heter «{username}».")
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
        return _user(row) if row else None
