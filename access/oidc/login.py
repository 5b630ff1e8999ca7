"""Logging in through the municipality's provider: an attempt started in one browser,
finished once when the browser comes back, and the user signed in with the role their
claims map to now.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from authlib.common.security import generate_token
from sqlalchemy import Column, DateTime, Engine, String, Table, delete, insert, select, update

from access.accounts import OIDC_PREFIX, AccountError, Accounts, User, metadata, users
from access.grants import WAITING_ROLES, Grants
from access.oidc.config import OidcConfig
from access.oidc.errors import (
    INVALID,
    NOT_SET_UP,
    CallbackError,
    LoginRefusedError,
    NotConfiguredError,
    ProviderRefusedError,
)
from access.oidc.provider import Attempt, Provider
from access.oidc.role_mappings import RoleMappings
from access.sessions import sessions
from flow.municipality import municipality_id, unit_id

#: How long a browser may spend at the provider between leaving and coming back.
ATTEMPT_LIFETIME = timedelta(minutes=10)

oidc_attempts = Table(
    "oidc_attempts",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("state", String(64), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, index=True),
)


@dataclass(frozen=True)
class Callback:
    """What the provider sent back through the browser."""

    state: str | None
    code: str | None
    error: str | None = None
    error_description: str | None = None


@dataclass(frozen=True)
class _Known:
    """A user already in the table: enough to decide whether they may come in."""

    id: UUID
    municipality_id: UUID
    active: bool


class OidcLogin:
    """One provider for one municipality: start a login, finish it, and sign the user in."""

    def __init__(
        self, config: OidcConfig, engine: Engine, accounts: Accounts, grants: Grants
    ) -> None:
        self.config, self.engine, self.accounts, self.grants = config, engine, accounts, grants
        self.provider = Provider(config)
        self.mappings = RoleMappings(engine)

    def begin(self, redirect_uri: str, at: datetime) -> tuple[str, str]:
        """The browser's attempt cookie and where to send the browser."""
        self._municipality()
        attempt = Attempt(generate_token(43), generate_token(43), generate_token(64))
        url = self.provider.authorization_url(redirect_uri, attempt)
        cookie = secrets.token_urlsafe(32)
        with self.engine.begin() as db:
            db.execute(
                delete(oidc_attempts).where(oidc_attempts.c.started_at < at - ATTEMPT_LIFETIME)
            )
            db.execute(
                insert(oidc_attempts).values(
                    id_sha256=_digest(cookie),
                    state=attempt.state,
                    nonce=attempt.nonce,
                    code_verifier=attempt.code_verifier,
                    started_at=at,
                )
            )
        return cookie, url

    def finish(
        self, cookie: str | None, callback: Callback, redirect_uri: str, at: datetime
    ) -> User:
        attempt = self._take(cookie, at)
        if attempt is None or not _same(attempt.state, callback.state):
            raise CallbackError(
                "Innloggingen kan ikke fullføres: den ble startet i en annen nettleser, "
                "er brukt før, eller tok for lang tid. Prøv igjen.",
                "unknown, used or expired state",
            )
        if callback.error:
            raise ProviderRefusedError(
                "Påloggingstjenesten avbrøt innloggingen.",
                f"{callback.error}: {callback.error_description or ''}",
            )
        if not callback.code:
            raise CallbackError(INVALID, "callback has no code")
        tokens = self.provider.exchange(callback.code, redirect_uri, attempt.code_verifier, at)
        claims = self.provider.identity(tokens, attempt.nonce, at)
        return self._sign_in(claims, at)

    def _take(self, cookie: str | None, at: datetime) -> Attempt | None:
        """The attempt this browser started, once only, and only while it is fresh."""
        if not cookie:
            return None
        key = oidc_attempts.c.id_sha256 == _digest(cookie)
        with self.engine.begin() as db:
            row = db.execute(select(oidc_attempts).where(key)).first()
            # of two callbacks racing with one cookie, only the one that deletes wins
            taken = db.execute(delete(oidc_attempts).where(key)).rowcount == 1
        if row is None or not taken or _aware(row.started_at) + ATTEMPT_LIFETIME < at:
            return None
        return Attempt(row.state, row.nonce, row.code_verifier)

    def _sign_in(self, claims: Mapping[str, Any], at: datetime) -> User:
        """Find or create the user and give them the role their claims map to now."""
        username = f"{OIDC_PREFIX}{claims['sub']}"
        if len(username) > 64:
            raise ProviderRefusedError(INVALID, "sub too long for a username", username[:64])
        municipality = self._municipality()
        try:
            grant = self.mappings.grant(municipality, claims, self._waiting(municipality))
        except LoginRefusedError as error:
            error.who = username
            raise
        found = self._find(username)
        if grant is None:
            if found is not None:
                self._end_sessions(found.id)
            raise LoginRefusedError(
                "Du er logget inn hos kommunen, men har ingen rolle i Pasientflyt. "
                "Be systemansvarlig om tilgang.",
                "no role mapping matches",
                username,
            )
        units = [unit_id(municipality, code) for code in grant.unit_codes]
        name = _display_name(claims)
        if found is None:
            try:
                return self.accounts.add_user(
                    municipality, username, grant.role, name, None, units, at=at
                )
            except AccountError:  # the same user logging in twice at once
                found = self._find(username)
                assert found is not None
        if not found.active or found.municipality_id != municipality:
            raise LoginRefusedError(
                "Brukeren din er sperret i Pasientflyt. Kontakt systemansvarlig.",
                "user disabled" if not found.active else "user belongs to another municipality",
                username,
            )
        with self.engine.begin() as db:
            db.execute(
                update(users)
                .where(users.c.id == found.id)
                .values(role=grant.role.value, unit_ids=[str(u) for u in units], display_name=name)
            )
        return User(found.id, municipality, username, name, grant.role.value, units)

    def _waiting(self, municipality: UUID) -> set[UUID]:
        """The municipality's role mappings that no leader has approved yet."""
        waits = [m.id for m in self.mappings.list_for(municipality) if m.role in WAITING_ROLES]
        return self.grants.mappings_waiting(waits)

    def _municipality(self) -> UUID:
        if not self.config.municipality_number:
            raise NotConfiguredError(NOT_SET_UP, "oidc_municipality is not set")
        return municipality_id(self.config.municipality_number)

    def _find(self, username: str) -> _Known | None:
        query = select(users.c.id, users.c.municipality_id, users.c.active)
        with self.engine.connect() as db:
            row = db.execute(query.where(users.c.username == username)).first()
        return _Known(row.id, row.municipality_id, bool(row.active)) if row else None

    def _end_sessions(self, user_id: UUID) -> None:
        """Someone who lost their role loses the sessions they have open too."""
        with self.engine.begin() as db:
            db.execute(delete(sessions).where(sessions.c.user_id == user_id))


def _display_name(claims: Mapping[str, Any]) -> str:
    given = " ".join(str(claims.get(k, "")) for k in ("given_name", "family_name")).strip()
    for name in (claims.get("name"), given, claims.get("preferred_username"), claims["sub"]):
        if isinstance(name, str) and name.strip():
            return name.strip()[:200]
    return str(claims["sub"])[:200]


def _same(expected: str, sent: str | None) -> bool:
    return sent is not None and secrets.compare_digest(expected.encode(), sent.encode())


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were written as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
