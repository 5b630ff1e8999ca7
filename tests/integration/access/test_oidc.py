"""Logging in through OpenID Connect, against a small provider the test serves on loopback."""

from __future__ import annotations

import base64
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit
from uuid import UUID

import httpx2 as httpx
import pytest
import uvicorn
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from access.accounts import Role
from access.oidc.role_mappings import RoleMapping, RoleMappings
from boards.app import create_app
from boards.services.admin import Admin
from boards.services.system import System
from boards.settings import Settings
from boards.web.sessions import SESSION_COOKIE
from fixtures.municipalities import install, load_specs
from flow.municipality import municipality_id, unit_id

CLIENT_ID = "pasientflyt-test"
CLIENT_SECRET = "hemmelig-klient-passord"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEMO = municipality_id("9901")
SOLS, FJOR = unit_id(DEMO, "SOLS"), unit_id(DEMO, "FJOR")


@dataclass
class LoopbackProvider:
    """Discovery, authorize, token and JWKS: just enough OpenID Connect to log in against.
    It approves whoever `user` describes, and refuses a client or code verifier it cannot
    check, as a real provider would."""

    issuer: str
    client_key: RSAKey
    user: dict[str, Any] = field(default_factory=dict)
    auth_methods: list[str] = field(default_factory=lambda: ["private_key_jwt"])
    nonce_override: str | None = None
    deny: bool = False
    forge_signature: bool = False
    signing_key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "lp-1", "use": "sig"})
    )
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    client_auth_used: list[str] = field(default_factory=list)
    assertion_headers: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    async def discovery(self, _: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": self.auth_methods,
            }
        )

    async def authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.authorize_requests.append(query)
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256" and "openid" in query["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**query, "user": dict(self.user)}
        back = {"code": code, "state": query["state"]}
        if self.deny:
            back = {"error": "access_denied", "state": query["state"]}
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode(back)}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if (method := self._authenticate(request, form)) is None:
            return self._refuse("invalid_client", "client authentication failed", 401)
        self.client_auth_used.append(method)
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return self._refuse("invalid_grant", "unknown code or redirect_uri")
        if create_s256_code_challenge(form.get("code_verifier", "")) != grant["code_challenge"]:
            return self._refuse("invalid_grant", "PKCE verification failed")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce_override or grant["nonce"],
            **grant["user"],
        }
        key = RSAKey.generate_key(2048) if self.forge_signature else self.signing_key
        id_token = jwt.encode({"alg": "RS256", "kid": "lp-1"}, claims, key)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "id_token": id_token,
            }
        )

    async def jwks(self, _: Request) -> Response:
        return JSONResponse({"keys": [self.signing_key.as_dict(private=False)]})

    def _authenticate(self, request: Request, form: dict[str, str]) -> str | None:
        if form.get("client_assertion_type") == ASSERTION_TYPE:
            return "private_key_jwt" if self._assertion_holds(form["client_assertion"]) else None
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Basic":
            client, _, secret = base64.b64decode(encoded).decode().partition(":")
            pair = (unquote_plus(client), unquote_plus(secret))
            return "client_secret_basic" if pair == (CLIENT_ID, CLIENT_SECRET) else None
        if "client_secret" in form:
            pair = (form.get("client_id", ""), form["client_secret"])
            return "client_secret_post" if pair == (CLIENT_ID, CLIENT_SECRET) else None
        return None

    def _assertion_holds(self, assertion: str) -> bool:
        """RFC 7523: signed by the client's registered key, about itself, for this provider."""
        try:
            token = jwt.decode(assertion, self.client_key, algorithms=["RS256"])
            self.assertion_headers.append(token.header)
            claims = token.claims
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": CLIENT_ID},
                sub={"essential": True, "value": CLIENT_ID},
                aud={"essential": True, "value": self.issuer},
                exp={"essential": True},
                jti={"essential": True},
            ).validate(claims)
        except JoseError as error:
            self.refusals.append(f"client assertion: {error!r}")
            return False
        return True

    def _refuse(self, error: str, description: str, status: int = 400) -> Response:
        self.refusals.append(description)
        return JSONResponse({"error": error, "error_description": description}, status)


@pytest.fixture
def client_key() -> RSAKey:
    """The key pair the client registered with the provider (its public half)."""
    return RSAKey.generate_key(2048)


@pytest.fixture
def provider(client_key: RSAKey) -> Iterator[LoopbackProvider]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    found = LoopbackProvider(f"http://127.0.0.1:{sock.getsockname()[1]}", client_key)
    config = uvicorn.Config(found.app(), log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "provider did not start"
        time.sleep(0.01)
    yield found
    server.should_exit = True
    thread.join(10)
    sock.close()


class ApprovedMappings(RoleMappings):
    """The admin's role mappings, each approved by the demo's leader as it is added: a
    mapping of a role that waits gives no sign-in before (`TestAMappingWaits`)."""

    def __init__(self, system: System) -> None:
        super().__init__(system.engine)
        self.system = system

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
        mapping = super().add(municipality, claim, value, role, unit_codes, at=at)
        places = [unit_id(municipality, code) for code in mapping.unit_codes]
        admin, leader = self.system.accounts.find("admin"), self.system.accounts.find("leder")
        assert admin is not None and leader is not None
        with self.system.engine.begin() as db:
            subject = f"{claim} = {value}"
            grants = self.system.grants
            grant = grants.ask_for_mapping(
                db, municipality, mapping.id, subject, role, places, by=admin.id, at=at
            )
        if grant is not None:
            self.system.grants.approve(leader, grant.id, at)
        return mapping


@dataclass
class Site:
    """Pasientflyt with OIDC on, seen by one browser, with the admin's role mappings."""

    client: TestClient
    system: System
    mappings: RoleMappings

    def browser(self) -> TestClient:
        """Another browser on the same server, with its own cookies."""
        return TestClient(self.client.app)


@pytest.fixture
def start_site(
    sqlite_url: str, provider: LoopbackProvider, client_key: RSAKey, tmp_path: Path
) -> Iterator[Callable[..., Site]]:
    key_file = tmp_path / "client-key.pem"
    key_file.write_bytes(client_key.as_pem(private=True))
    started: list[System] = []

    def start(*, secret: bool = False) -> Site:
        settings = Settings(
            database_url=sqlite_url,
            oidc_issuer=provider.issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET if secret else None,
            oidc_private_key_file=None if secret else key_file,
            oidc_private_key_id=None if secret else "klientnokkel-1",
            oidc_municipality="9901",
        )
        app = create_app(settings)
        system: System = app.state.system
        started.append(system)
        install(system.flows, system.accounts, system.grants, load_specs()[0], datetime.now(UTC))
        return Site(TestClient(app), system, ApprovedMappings(system))

    yield start
    for system in started:
        system.close()


def go_to_provider(browser: TestClient) -> str:
    """Press the button: the browser visits the provider, which sends it straight back.
    The address it is sent back to."""
    start = browser.get("/logg-inn/oidc", follow_redirects=False)
    assert start.status_code == 303, start.text
    answer = httpx.get(start.headers["location"], follow_redirects=False)
    assert answer.status_code == 302, answer.text
    back: str = answer.headers["location"]
    return back


def log_in(browser: TestClient) -> httpx.Response:
    return browser.get(go_to_provider(browser), follow_redirects=False)


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


def now() -> datetime:
    return datetime.now(UTC)


class TestALoginThatHolds:
    def test_private_key_jwt_login_gives_a_session_with_the_mapped_role_and_units(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        site.mappings.add(DEMO, "groups", "sykepleiere-sols", Role.NURSE, ["SOLS"], at=now())
        provider.user = {"sub": "kari-123", "name": "Kari Nordmann", "groups": ["sykepleiere-sols"]}

        response = log_in(site.client)

        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/"
        assert provider.client_auth_used == ["private_key_jwt"]
        assert provider.assertion_headers[0]["kid"] == "klientnokkel-1"
        sent = provider.authorize_requests[0]
        assert sent["code_challenge_method"] == "S256" and sent["state"] and sent["nonce"]
        user = site.system.accounts.find("oidc:kari-123")
        assert user is not None
        assert (user.role, user.unit_ids, user.municipality_id) == ("nurse", [SOLS], DEMO)
        assert user.display_name == "Kari Nordmann"
        session = site.system.sessions.find(site.client.cookies[SESSION_COOKIE], now())
        assert session is not None and session.user.id == user.id
        home = site.client.get("/", follow_redirects=False)
        assert home.headers.get("location") != "/logg-inn"

    @pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
    def test_client_secret_login_gives_a_session(
        self, start_site: Callable[..., Site], provider: LoopbackProvider, method: str
    ) -> None:
        provider.auth_methods = [method]
        site = start_site(secret=True)
        site.mappings.add(DEMO, "roles", "tildeling", Role.ALLOCATION, at=now())
        provider.user = {"sub": "ola-456", "roles": ["tildeling"]}

        response = log_in(site.client)

        assert response.status_code == 303, response.text
        assert provider.client_auth_used == [method]
        user = site.system.accounts.find("oidc:ola-456")
        assert user is not None and (user.role, user.unit_ids) == ("allocation", [])
        assert site.client.cookies.get(SESSION_COOKIE)

    def test_the_login_page_offers_the_provider(self, start_site: Callable[..., Site]) -> None:
        page = start_site().client.get("/logg-inn")

        assert 'href="/logg-inn/oidc"' in page.text
        assert "Logg inn med kommunens påloggingstjeneste" in page.text


def test_without_a_provider_there_is_no_button_and_no_route(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url))
    try:
        client = TestClient(app)
        assert "/logg-inn/oidc" not in client.get("/logg-inn").text
        assert client.get("/logg-inn/oidc", follow_redirects=False).status_code == 404
    finally:
        app.state.system.close()


class TestARoleChanges:
    def test_a_remapped_role_applies_at_the_next_login(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        nurses = site.mappings.add(DEMO, "groups", "korttid", Role.NURSE, ["SOLS"], at=now())
        provider.user = {"sub": "per-789", "groups": ["korttid"]}
        assert log_in(site.client).status_code == 303

        assert site.mappings.remove(nurses.id, DEMO)
        site.mappings.add(DEMO, "groups", "korttid", Role.LEADER, ["FJOR"], at=now())
        assert log_in(site.browser()).status_code == 303

        user = site.system.accounts.find("oidc:per-789")
        assert user is not None and (user.role, user.unit_ids) == ("leader", [FJOR])
        assert [m.role for m in site.mappings.list_for(DEMO)] == [Role.LEADER]

    def test_a_user_who_lost_every_role_is_refused_and_loses_open_sessions(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        mapping = site.mappings.add(DEMO, "groups", "korttid", Role.NURSE, ["SOLS"], at=now())
        provider.user = {"sub": "per-789", "groups": ["korttid"]}
        assert log_in(site.client).status_code == 303
        first_session = site.client.cookies[SESSION_COOKIE]

        site.mappings.remove(mapping.id, DEMO)
        response = log_in(site.browser())

        assert response.status_code == 403
        assert site.system.sessions.find(first_session, now()) is None


class TestAMappingWaits:
    def test_a_mapping_of_a_patient_seeing_role_signs_no_one_in_until_a_leader_approves_it(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        admin = Admin.open(site.system)
        admin_user, leader = site.system.accounts.find("admin"), site.system.accounts.find("leder")
        assert admin_user is not None and leader is not None
        admin.map_role(admin_user, "groups", "tildeling", Role.ALLOCATION, [], now())
        provider.user = {"sub": "ola-456", "groups": ["tildeling"]}

        refused = log_in(site.client)

        assert refused.status_code == 403
        assert "venter på godkjenning fra en leder" in refused.text
        assert SESSION_COOKIE not in site.client.cookies
        assert site.system.accounts.find("oidc:ola-456") is None
        (grant,) = [g for g in site.system.grants.listing(DEMO, now()) if g.mapping_id]
        assert (grant.state, grant.role, grant.subject) == (
            "waiting",
            "allocation",
            "groups = tildeling",
        )

        site.system.grants.approve(leader, grant.id, now())
        browser = site.browser()
        assert log_in(browser).status_code == 303
        user = site.system.accounts.find("oidc:ola-456")
        assert user is not None and user.role == "allocation"
        assert browser.get("/tildeling").status_code == 200

    def test_a_mapping_of_a_role_that_sees_no_patient_holds_at_once(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        admin_user = site.system.accounts.find("admin")
        assert admin_user is not None
        Admin.open(site.system).map_role(admin_user, "groups", "drift", Role.ADMIN, [], now())
        provider.user = {"sub": "drift-1", "groups": ["drift"]}
        assert log_in(site.client).status_code == 303
        assert [g for g in site.system.grants.listing(DEMO, now()) if g.mapping_id] == []


class TestARefusedLogin:
    def test_an_unmapped_user_is_refused_and_the_attempt_logged(
        self,
        start_site: Callable[..., Site],
        provider: LoopbackProvider,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        site = start_site()
        site.mappings.add(DEMO, "groups", "sykepleiere", Role.NURSE, ["SOLS"], at=now())
        provider.user = {"sub": "kantine-1", "groups": ["kantine"]}

        with caplog.at_level(logging.INFO, logger="pasientflyt.access"):
            response = log_in(site.client)

        assert response.status_code == 403
        assert "har ingen rolle i Pasientflyt" in response.text
        assert SESSION_COOKIE not in site.client.cookies
        assert site.system.accounts.find("oidc:kantine-1") is None
        [record] = [r for r in caplog.records if r.name == "pasientflyt.access"]
        line = record.getMessage()
        assert record.levelno == logging.WARNING
        assert "oidc login refused" in line and '"oidc:kantine-1"' in line
        assert f"at={now().date().isoformat()}T" in line and line.endswith("+00:00")

    def test_a_wrong_state_is_refused_before_the_code_is_used(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        site.mappings.add(DEMO, "groups", "korttid", Role.NURSE, ["SOLS"], at=now())
        provider.user = {"sub": "kari-123", "groups": ["korttid"]}
        back = go_to_provider(site.client)

        response = site.client.get(with_query(back, state="forfalsket"), follow_redirects=False)

        assert response.status_code == 400
        assert "Innloggingen kan ikke fullføres" in response.text
        assert provider.client_auth_used == [] and SESSION_COOKIE not in site.client.cookies

    def test_a_callback_is_good_for_one_login_only(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        site.mappings.add(DEMO, "groups", "korttid", Role.NURSE, ["SOLS"], at=now())
        provider.user = {"sub": "kari-123", "groups": ["korttid"]}
        back = go_to_provider(site.client)
        attempt = site.client.cookies["pasientflyt_oidc"]
        assert site.client.get(back, follow_redirects=False).status_code == 303

        replay = site.browser()
        replay.cookies.set("pasientflyt_oidc", attempt, path="/logg-inn/oidc")
        assert replay.get(back, follow_redirects=False).status_code == 400

    def test_a_wrong_nonce_in_the_id_token_is_refused(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        site.mappings.add(DEMO, "groups", "korttid", Role.NURSE, ["SOLS"], at=now())
        provider.user = {"sub": "kari-123", "groups": ["korttid"]}
        provider.nonce_override = "en-annen-nonce"

        response = log_in(site.client)

        assert response.status_code == 403
        assert "ugyldig svar" in response.text
        assert site.system.accounts.find("oidc:kari-123") is None
        assert SESSION_COOKIE not in site.client.cookies

    def test_a_code_injected_from_another_login_fails_pkce_at_the_provider(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        """An attacker's own code, slipped into the victim's callback: the victim's browser
        holds the right state, but its code verifier does not match the attacker's code."""
        site = start_site()
        site.mappings.add(DEMO, "groups", "korttid", Role.NURSE, ["SOLS"], at=now())
        provider.user = {"sub": "angriper", "groups": ["korttid"]}
        attackers_code = parse_qs(urlsplit(go_to_provider(site.browser())).query)["code"][0]
        victims_callback = go_to_provider(site.client)

        injected = with_query(victims_callback, code=attackers_code)
        response = site.client.get(injected, follow_redirects=False)

        assert response.status_code == 403
        assert "Påloggingstjenesten godtok ikke innloggingen" in response.text
        assert provider.refusals == ["PKCE verification failed"]
        assert site.system.accounts.find("oidc:angriper") is None

    def test_a_client_assertion_signed_with_another_key_is_refused_by_the_provider(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        provider.client_key = RSAKey.generate_key(2048)
        provider.user = {"sub": "kari-123", "groups": ["korttid"]}

        response = log_in(site.client)

        assert response.status_code == 403
        assert provider.refusals[0].startswith("client assertion")

    def test_an_id_token_not_signed_by_the_providers_published_key_is_refused(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        site.mappings.add(DEMO, "groups", "korttid", Role.NURSE, ["SOLS"], at=now())
        provider.user = {"sub": "kari-123", "groups": ["korttid"]}
        provider.forge_signature = True

        response = log_in(site.client)

        assert response.status_code == 403
        assert "ugyldig svar" in response.text
        assert site.system.accounts.find("oidc:kari-123") is None

    def test_a_login_the_provider_turned_down_is_refused(
        self, start_site: Callable[..., Site], provider: LoopbackProvider
    ) -> None:
        site = start_site()
        provider.deny = True

        response = log_in(site.client)

        assert response.status_code == 403
        assert "Påloggingstjenesten avbrøt innloggingen." in response.text
        assert provider.client_auth_used == []
