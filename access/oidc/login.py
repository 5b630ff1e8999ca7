"""Logging in through the municipality's OpenID Connect provider, and the admin's mapping
from the provider's claims to a role and units in Pasientflyt.

The authorization code flow with PKCE (S256), `state` and `nonce`. The client proves who it
is with a signed assertion (`private_key_jwt`, RFC 7523, as HelseID and ID-porten require)
or with a client secret (Entra ID). No claim is believed before the ID token's signature
has been checked against the provider's published keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit
from uuid import UUID, uuid4

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import RowMapping

from access.accounts import AccountError, Accounts, Role, User, metadata, users
from access.database import create_tables
from access.sessions import sessions
from flow.municipality import municipality_id, unit_id

#: How long a browser may spend at the provider between leaving and coming back.
ATTEMPT_LIFETIME = timedelta(minutes=10)
_TIMEOUT_SECONDS = 10
_ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]

oidc_role_mappings = Table(
    "oidc_role_mappings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("claim", String(100), nullable=False),
    Column("value", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("unit_codes", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("municipality_id", "claim", "value", name="uq_oidc_role_mapping"),
)

oidc_attempts = Table(
    "oidc_attempts",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("state", String(64), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, index=True),
)


class OidcError(Exception):
    """A login that cannot go on: `message` is for the user, `detail` and `who` for the log."""

    def __init__(self, message: str, detail: str, who: str = "-") -> None:
        super().__init__(detail)
        self.message, self.detail, self.who = message, detail, who


class NotConfiguredError(OidcError):
    pass


class ProviderUnreachableError(OidcError):
    pass


class CallbackError(OidcError):
    """The browser came back without a login this browser started, or without a code."""


class ProviderRefusedError(OidcError):
    """The provider said no, or sent something that does not hold up."""


class LoginRefusedError(OidcError):
    """The provider knows the user, but Pasientflyt gives them no access."""


class MappingError(ValueError):
    pass


_NOT_SET_UP = "Innlogging med kommunens påloggingstjeneste er ikke ferdig satt opp."
_UNREACHABLE = "Påloggingstjenesten svarer ikke. Prøv igjen om litt."
_REFUSED = "Påloggingstjenesten godtok ikke innloggingen. Prøv igjen."
_INVALID = "Påloggingstjenesten sendte et ugyldig svar. Innloggingen er avvist."


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    municipality_number: str | None
    client_secret: str | None = None
    private_key_file: Path | None = None
    private_key_id: str | None = None
    scopes: str = "openid profile"


@dataclass(frozen=True)
class RoleMapping:
    id: UUID
    municipality_id: UUID
    claim: str
    value: str
    role: Role
    unit_codes: tuple[str, ...]


@dataclass(frozen=True)
class Grant:
    role: Role
    unit_codes: tuple[str, ...]


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


@dataclass(frozen=True)
class _Attempt:
    state: str
    nonce: str
    code_verifier: str


class RoleMappings:
    """The admin's table: a claim with a given value gives a role and units."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine, [oidc_role_mappings])

    def list_for(self, municipality: UUID) -> list[RoleMapping]:
        query = (
            select(oidc_role_mappings)
            .where(oidc_role_mappings.c.municipality_id == municipality)
            .order_by(oidc_role_mappings.c.claim, oidc_role_mappings.c.value)
        )
        with self.engine.connect() as db:
            return [_mapping(row._mapping) for row in db.execute(query)]

    def add(
        self,
        municipality: UUID,
        claim: str,
        value: str,
        role: Role,
        unit_codes: Sequence[str] = (),
        *,
        at: datetime,
    ) -> RoleMapping:
        claim, value = claim.strip(), value.strip()
        if not claim or not value:
            raise MappingError("Både claim og verdi må fylles ut.")
        if any(m.claim == claim and m.value == value for m in self.list_for(municipality)):
            raise MappingError(f"«{claim} = {value}» har allerede en rolle.")
        codes = tuple(code.strip() for code in unit_codes if code.strip())
        mapping = RoleMapping(uuid4(), municipality, claim, value, Role(role), codes)
        with self.engine.begin() as db:
            db.execute(
                insert(oidc_role_mappings).values(
                    id=mapping.id,
                    municipality_id=municipality,
                    claim=claim,
                    value=value,
                    role=mapping.role.value,
                    unit_codes=list(codes),
                    created_at=at,
                )
            )
        return mapping

    def remove(self, mapping_id: UUID, municipality: UUID) -> bool:
        with self.engine.begin() as db:
            removed = db.execute(
                delete(oidc_role_mappings).where(
                    oidc_role_mappings.c.id == mapping_id,
                    oidc_role_mappings.c.municipality_id == municipality,
                )
            )
        return removed.rowcount > 0

    def grant(self, municipality: UUID, claims: Mapping[str, Any]) -> Grant | None:
        """The one role the claims map to, with the units of every matching row."""
        matched = [
            m for m in self.list_for(municipality) if m.value in _claim_values(claims.get(m.claim))
        ]
        roles = {m.role for m in matched}
        if len(roles) > 1:
            raise LoginRefusedError(
                "Brukeren din passer til flere roller i Pasientflyt. "
                "Be systemansvarlig rette rolletilordningen.",
                f"claims map to several roles: {', '.join(sorted(roles))}",
            )
        codes = sorted({code for m in matched for code in m.unit_codes})
        return Grant(roles.pop(), tuple(codes)) if roles else None


def _mapping(m: RowMapping) -> RoleMapping:
    return RoleMapping(
        m["id"],
        m["municipality_id"],
        m["claim"],
        m["value"],
        Role(m["role"]),
        tuple(m["unit_codes"]),
    )


def _claim_values(value: object) -> set[str]:
    """A claim holds one value or a list of them (groups, roles); compare them as text."""
    items = value if isinstance(value, list) else [value]
    return {
        str(item).lower() if isinstance(item, bool) else str(item)
        for item in items
        if isinstance(item, str | int | float | bool)
    }


class Provider:
    """The provider as its discovery document describes it, fetched at first use."""

    def __init__(self, config: OidcConfig) -> None:
        self.config = config
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            issuer = self.config.issuer.rstrip("/")
            found = _fetch_json(f"{issuer}/.well-known/openid-configuration")
            if str(found.get("issuer", "")).rstrip("/") != issuer:
                raise NotConfiguredError(
                    _NOT_SET_UP, f"discovery names issuer {found.get('issuer')!r}"
                )
            self._metadata = found
        return self._metadata

    def authorization_url(self, redirect_uri: str, attempt: _Attempt) -> str:
        params = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.config.scopes,
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": str(create_s256_code_challenge(attempt.code_verifier)),
            "code_challenge_method": "S256",
        }
        return str(add_params_to_uri(self._endpoint("authorization_endpoint"), params))

    def exchange(self, code: str, redirect_uri: str, verifier: str, at: datetime) -> dict[str, Any]:
        """The tokens for an authorization code, with the client authenticated."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": self.config.client_id,
        }
        headers: dict[str, str] = {}
        if self.config.private_key_file:
            form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            form["client_assertion"] = self._client_assertion(at)
        elif self.config.client_secret and self._secret_in_body():
            form["client_secret"] = self.config.client_secret
        elif self.config.client_secret:
            pair = f"{quote_plus(self.config.client_id)}:{quote_plus(self.config.client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            raise NotConfiguredError(_NOT_SET_UP, "neither private key nor client secret")
        return _fetch_json(self._endpoint("token_endpoint"), form, headers)

    def identity(self, tokens: Mapping[str, Any], nonce: str, at: datetime) -> dict[str, Any]:
        """The ID token's claims, once signature, issuer, audience, expiry and nonce hold."""
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderRefusedError(_INVALID, "token response has no id_token")
        try:
            token = self._decode(id_token)
            claims = CodeIDToken(
                token.claims,
                token.header,
                {
                    "iss": {"essential": True, "value": self.metadata["issuer"]},
                    "aud": {"essential": True, "value": self.config.client_id},
                },
                {"nonce": nonce, "client_id": self.config.client_id},
            )
            claims.validate(now=int(at.timestamp()), leeway=60)
        except (JoseError, ValueError) as error:
            raise ProviderRefusedError(_INVALID, f"invalid ID token: {error!r}") from error
        if not isinstance(token.claims.get("sub"), str) or not token.claims["sub"]:
            raise ProviderRefusedError(_INVALID, "ID token has no sub")
        return dict(token.claims)

    def _decode(self, id_token: str) -> jwt.Token:
        try:
            return jwt.decode(id_token, self._key_set(), algorithms=_ID_TOKEN_ALGORITHMS)
        except InvalidKeyIdError:  # the provider may have rotated its keys since we fetched
            return jwt.decode(id_token, self._key_set(True), algorithms=_ID_TOKEN_ALGORITHMS)

    def _key_set(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            jwks = _fetch_json(self._endpoint("jwks_uri"))
            self._keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        return self._keys

    def _client_assertion(self, at: datetime) -> str:
        assert self.config.private_key_file is not None
        key, alg = _private_key(self.config.private_key_file)
        header = {"kid": self.config.private_key_id} if self.config.private_key_id else {}
        # HelseID and ID-porten want their issuer as the audience (RFC 7523bis), not the
        # token endpoint that RFC 7523 suggests.
        return str(
            private_key_jwt_sign(
                key,
                self.config.client_id,
                self.metadata["issuer"],
                alg=alg,
                header=header,
                issued_at=int(at.timestamp()),
                expires_in=60,
            )
        )

    def _secret_in_body(self) -> bool:
        methods = self.metadata.get("token_endpoint_auth_methods_supported", [])
        return "client_secret_basic" not in methods and "client_secret_post" in methods

    def _endpoint(self, name: str) -> str:
        url = self.metadata.get(name)
        if not isinstance(url, str):
            raise NotConfiguredError(_NOT_SET_UP, f"discovery has no {name}")
        return url


def _private_key(path: Path) -> tuple[RSAKey | ECKey, str]:
    """The client's key, read at each use so a renewed key needs no restart."""
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise NotConfiguredError(_NOT_SET_UP, f"private key unreadable: {error}") from error
    try:
        return RSAKey.import_key(pem), "RS256"
    except (JoseError, ValueError):
        pass
    try:
        return ECKey.import_key(pem), "ES256"
    except (JoseError, ValueError) as error:
        raise NotConfiguredError(_NOT_SET_UP, "private key unreadable") from error


def _fetch_json(
    url: str, form: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """GET, or POST a form; an OAuth error answer becomes ProviderRefusedError."""
    _check_url(url)
    data = urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data, {"Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            answer = error.read(2000).decode("utf-8", "replace")
        raise ProviderRefusedError(_REFUSED, f"{url} answered {error.code}: {answer}") from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise ProviderUnreachableError(_UNREACHABLE, f"{url}: {error}") from error
    except ValueError as error:
        raise ProviderRefusedError(_INVALID, f"{url} did not answer JSON") from error
    if not isinstance(body, dict):
        raise ProviderRefusedError(_INVALID, f"{url} did not answer a JSON object")
    return body


def _check_url(url: str) -> None:
    """Only https, except to this machine; never file: or other schemes urllib knows."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "::1", "localhost"}
    if parts.scheme != "https" and not local:
        raise NotConfiguredError(_NOT_SET_UP, f"{url} is not https")


class OidcLogin:
    """One provider for one municipality: start a login, finish it, and sign the user in."""

    def __init__(self, config: OidcConfig, engine: Engine, accounts: Accounts) -> None:
        self.config, self.engine, self.accounts = config, engine, accounts
        self.provider = Provider(config)
        self.mappings = RoleMappings(engine)
        create_tables(engine, [oidc_attempts])

    def begin(self, redirect_uri: str, at: datetime) -> tuple[str, str]:
        """The browser's attempt cookie and where to send the browser."""
        self._municipality()
        attempt = _Attempt(generate_token(43), generate_token(43), generate_token(64))
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
            raise CallbackError(_INVALID, "callback has no code")
        tokens = self.provider.exchange(callback.code, redirect_uri, attempt.code_verifier, at)
        claims = self.provider.identity(tokens, attempt.nonce, at)
        return self._sign_in(claims, at)

    def _take(self, cookie: str | None, at: datetime) -> _Attempt | None:
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
        return _Attempt(row.state, row.nonce, row.code_verifier)

    def _sign_in(self, claims: Mapping[str, Any], at: datetime) -> User:
        """Find or create the user and give them the role their claims map to now."""
        username = f"oidc:{claims['sub']}"
        if len(username) > 64:
            raise ProviderRefusedError(_INVALID, "sub too long for a username", username[:64])
        municipality = self._municipality()
        try:
            grant = self.mappings.grant(municipality, claims)
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

    def _municipality(self) -> UUID:
        if not self.config.municipality_number:
            raise NotConfiguredError(_NOT_SET_UP, "oidc_municipality is not set")
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
