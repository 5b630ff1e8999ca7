"""The municipality's OpenID Connect provider: its discovery document and keys, the
authorization URL, and the token exchange.

The authorization code flow with PKCE (S256), `state` and `nonce`. The client proves who it
is with a signed assertion (`private_key_jwt`, RFC 7523, as HelseID and ID-porten require)
or with a client secret (Entra ID). No claim is believed before the ID token's signature
has been checked against the provider's published keys.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from access.oidc.config import OidcConfig
from access.oidc.errors import (
    INVALID,
    NOT_SET_UP,
    REFUSED,
    UNREACHABLE,
    NotConfiguredError,
    ProviderRefusedError,
    ProviderUnreachableError,
)

_TIMEOUT_SECONDS = 10
_ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]


@dataclass(frozen=True)
class Attempt:
    state: str
    nonce: str
    code_verifier: str


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
                    NOT_SET_UP, f"discovery names issuer {found.get('issuer')!r}"
                )
            self._metadata = found
        return self._metadata

    def authorization_url(self, redirect_uri: str, attempt: Attempt) -> str:
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
            raise NotConfiguredError(NOT_SET_UP, "neither private key nor client secret")
        return _fetch_json(self._endpoint("token_endpoint"), form, headers)

    def identity(self, tokens: Mapping[str, Any], nonce: str, at: datetime) -> dict[str, Any]:
        """The ID token's claims, once signature, issuer, audience, expiry and nonce hold."""
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderRefusedError(INVALID, "token response has no id_token")
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
            raise ProviderRefusedError(INVALID, f"invalid ID token: {error!r}") from error
        if not isinstance(token.claims.get("sub"), str) or not token.claims["sub"]:
            raise ProviderRefusedError(INVALID, "ID token has no sub")
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
            raise NotConfiguredError(NOT_SET_UP, f"discovery has no {name}")
        return url


def _private_key(path: Path) -> tuple[RSAKey | ECKey, str]:
    """The client's key, read at each use so a renewed key needs no restart."""
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise NotConfiguredError(NOT_SET_UP, f"private key unreadable: {error}") from error
    try:
        return RSAKey.import_key(pem), "RS256"
    except (JoseError, ValueError):
        pass
    try:
        return ECKey.import_key(pem), "ES256"
    except (JoseError, ValueError) as error:
        raise NotConfiguredError(NOT_SET_UP, "private key unreadable") from error


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
        raise ProviderRefusedError(REFUSED, f"{url} answered {error.code}: {answer}") from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise ProviderUnreachableError(UNREACHABLE, f"{url}: {error}") from error
    except ValueError as error:
        raise ProviderRefusedError(INVALID, f"{url} did not answer JSON") from error
    if not isinstance(body, dict):
        raise ProviderRefusedError(INVALID, f"{url} did not answer a JSON object")
    return body


def _check_url(url: str) -> None:
    """Only https, except to this machine; never file: or other schemes urllib knows."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "::1", "localhost"}
    if parts.scheme != "https" and not local:
        raise NotConfiguredError(NOT_SET_UP, f"{url} is not https")
