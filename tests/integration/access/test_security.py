"""Login, sessions and responses hardened: security headers, lockout, the access log,
the session cookie and CSRF, over HTTP on both stores."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support.api_client import HOSPITAL_PATIENT, reserved_flow
from support.logins import NURSE_PASSWORD, csrf_token_of, log_in

from access.sessions import sessions
from boards.web import sessions as page_sessions
from boards.web.security import CONTENT_SECURITY_POLICY

if TYPE_CHECKING:
    from support.world import World

HSTS = "Strict-Transport-Security"
REQUIRED_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def https_client(world: World) -> TestClient:
    app: FastAPI = world.client.app  # type: ignore[assignment]
    return TestClient(app, base_url="https://testserver")


def fail_to_log_in(client: TestClient, times: int, username: str = "saksbehandler") -> None:
    for _ in range(times):
        assert log_in(client, username, "feil").status_code == 401


def session_count(world: World) -> int:
    with world.system.engine.connect() as db:
        return int(db.scalar(select(func.count()).select_from(sessions)) or 0)


def recorded(world: World) -> int:
    return world.flows.recorder.max_notification_id() or 0


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "pasientflyt.access"]


def session_cookie_header(response: httpx.Response, name: str) -> set[str]:
    """The attributes of the Set-Cookie that sets `name`, lower-cased."""
    (found,) = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    return {a.strip().lower() for a in found.split(";")[1:]}


def assert_secured(response: httpx.Response) -> None:
    for name, value in REQUIRED_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]


class TestSecurityHeaders:
    def test_an_html_page_carries_every_header(self, world: World) -> None:
        response = world.client.get("/logg-inn")
        assert response.status_code == 200
        assert_secured(response)

    def test_a_json_response_carries_every_header(self, world: World) -> None:
        response = world.client.get("/api/v1/units", headers=world.headers())
        assert response.status_code == 200
        assert_secured(response)

    def test_a_static_file_carries_every_header(self, world: World) -> None:
        response = world.client.get("/static/pasientflyt.css")
        assert response.status_code == 200
        assert_secured(response)

    def test_a_not_found_page_carries_every_header(self, world: World) -> None:
        response = world.client.get("/finnes-ikke")
        assert response.status_code == 404
        assert_secured(response)

    def test_a_refusal_carries_every_header(self, world: World) -> None:
        response = world.client.get("/api/v1/units")
        assert response.status_code == 401
        assert_secured(response)

    def test_an_unhandled_error_carries_every_header(self, world: World) -> None:
        app: FastAPI = world.client.app  # type: ignore[assignment]

        def boom() -> None:
            raise RuntimeError("boom")

        app.add_api_route("/boom", boom)
        response = TestClient(app, raise_server_exceptions=False).get("/boom")
        assert response.status_code == 500
        assert_secured(response)

    def test_strict_transport_security_is_sent_only_over_tls(self, world: World) -> None:
        assert HSTS not in world.client.get("/logg-inn").headers
        response = https_client(world).get("/logg-inn")
        assert response.headers[HSTS] == "max-age=63072000; includeSubDomains"

    def test_the_policy_allows_no_inline_script_nor_style_nor_another_origin(self) -> None:
        directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in CONTENT_SECURITY_POLICY

    def test_a_board_has_no_inline_script_or_style_the_policy_would_block(
        self, world: World
    ) -> None:
        assert log_in(world.client).status_code == 303
        html = world.client.get("/tildeling").text
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
        assert re.findall(r"<style|\sstyle=|\son[a-z]+=|hx-on|javascript:", html) == []
        assert '"includeIndicatorStyles": false' in html

    def test_the_api_description_stays_but_no_page_loads_swagger_from_a_cdn(
        self, world: World
    ) -> None:
        assert world.client.get("/openapi.json").status_code == 200
        assert world.client.get("/docs").status_code == 404
        assert world.client.get("/redoc").status_code == 404


class TestSessionCookie:
    def test_over_tls_the_cookie_is_host_prefixed_secure_and_http_only(self, world: World) -> None:
        client = https_client(world)
        response = log_in(client)
        assert response.status_code == 303
        attributes = session_cookie_header(response, "__Host-pasientflyt_okt")
        assert {"secure", "httponly", "path=/", "samesite=lax"} <= attributes
        assert not any(a.startswith("domain") for a in attributes)
        assert client.get("/tildeling").status_code == 200

    def test_over_plain_http_the_cookie_has_the_plain_name(self, world: World) -> None:
        response = log_in(world.client)
        attributes = session_cookie_header(response, page_sessions.SESSION_COOKIE)
        assert {"httponly", "path=/", "samesite=lax"} <= attributes
        assert "secure" not in attributes

    def test_every_login_gets_a_new_session_and_ends_the_one_before(self, world: World) -> None:
        log_in(world.client)
        first = world.client.cookies[page_sessions.SESSION_COOKIE]
        log_in(world.client)
        second = world.client.cookies[page_sessions.SESSION_COOKIE]
        assert first != second
        assert world.system.sessions.find(first, world.clock()) is None
        assert world.system.sessions.find(second, world.clock()) is not None

    def test_logging_out_over_tls_ends_the_session_and_clears_the_cookie(
        self, world: World
    ) -> None:
        client = https_client(world)
        log_in(client)
        session_id = client.cookies["__Host-pasientflyt_okt"]
        token = csrf_token_of(client, "/tildeling")
        response = client.post("/logg-ut", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert world.system.sessions.find(session_id, world.clock()) is None
        assert "__Host-pasientflyt_okt" not in client.cookies
        assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
        assert client.get("/tildeling", follow_redirects=False).status_code == 303

    def test_no_page_nor_json_that_shows_patients_is_kept_by_a_cache(self, world: World) -> None:
        log_in(world.client)
        board = world.client.get("/tildeling")
        read = world.client.get("/api/v1/boards/allocation", headers=world.headers())
        refused = world.client.get("/api/v1/boards/allocation")
        static = world.client.get("/static/pasientflyt.css")
        for response in (board, read, refused):
            assert response.headers["Cache-Control"] == "no-store", response.url
        assert "no-store" not in static.headers.get("Cache-Control", "")

    @pytest.mark.parametrize(
        ("til", "referer", "landed"),
        [
            ("/enheter/abc", None, "/enheter/abc"),
            ("//evil.example/x", None, "/"),
            ("/\\evil.example", None, "/"),
            ("https://evil.example/", None, "/"),
            (None, "https://evil.example/phish", "/"),
        ],
    )
    def test_choosing_a_language_goes_back_only_to_a_page_of_this_site(
        self, world: World, til: str | None, referer: str | None, landed: str
    ) -> None:
        """ASVS 3.7.2: no redirect to another site, whatever the request says."""
        params = {"til": til} if til else {}
        headers = {"Referer": referer} if referer else {}
        response = world.client.get(
            "/sprak/en", params=params, headers=headers, follow_redirects=False
        )
        assert response.status_code == 303 and response.headers["Location"] == landed
        assert response.cookies.get("sprak") == "en"


class TestLockout:
    def test_the_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password(
        self, world: World
    ) -> None:
        fail_to_log_in(world.client, 5)
        before = session_count(world)
        response = log_in(world.client)
        assert response.status_code == 429
        assert "For mange mislykkede forsøk. Prøv igjen om 15 minutter." in response.text
        assert response.headers["Retry-After"] == "900"
        assert session_count(world) == before
        assert page_sessions.SESSION_COOKIE not in world.client.cookies

    def test_a_locked_out_attempt_does_not_even_check_the_password(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        fail_to_log_in(world.client, 5)

        def never(*_: object) -> None:
            raise AssertionError("the password was checked")

        monkeypatch.setattr(world.system.accounts, "verify", never)
        assert log_in(world.client).status_code == 429

    def test_the_refusal_counts_down_the_minutes_left(self, world: World) -> None:
        fail_to_log_in(world.client, 5)
        world.clock.advance(minutes=10, seconds=30)
        assert "Prøv igjen om 5 minutter." in log_in(world.client).text
        world.clock.advance(minutes=4)
        assert "Prøv igjen om ett minutt." in log_in(world.client).text

    def test_the_refusal_speaks_english_to_whoever_chose_it(self, world: World) -> None:
        fail_to_log_in(world.client, 5)
        world.client.cookies.set("sprak", "en")
        assert "Too many failed attempts. Try again in 15 minutes." in log_in(world.client).text

    def test_after_the_lockout_the_right_password_logs_in(self, world: World) -> None:
        fail_to_log_in(world.client, 5)
        world.clock.advance(minutes=15)
        response = log_in(world.client)
        assert response.status_code == 303
        assert world.client.get("/tildeling").status_code == 200

    def test_a_success_forgets_the_failures_before_it(self, world: World) -> None:
        fail_to_log_in(world.client, 4)
        assert log_in(world.client).status_code == 303
        fail_to_log_in(world.client, 4)
        assert log_in(world.client).status_code == 303

    def test_the_lockout_is_for_that_username_only(self, world: World) -> None:
        fail_to_log_in(world.client, 5)
        assert log_in(world.client, "sykepleier", NURSE_PASSWORD).status_code == 303

    def test_an_unknown_username_is_locked_out_alike(self, world: World) -> None:
        fail_to_log_in(world.client, 5, username="ingen")
        assert log_in(world.client, "ingen", "feil").status_code == 429


class TestAccessLog:
    def test_a_failed_login_is_logged_with_who_when_and_from_where(
        self, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="pasientflyt.access")
        fail_to_log_in(world.client, 1)
        (line,) = access_lines(caplog)
        assert line == (
            'login failed who="saksbehandler" client="testclient" at=2026-03-02T08:00:00+00:00'
        )

    def test_a_login_and_a_lockout_are_logged(
        self, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="pasientflyt.access")
        log_in(world.client)
        fail_to_log_in(world.client, 5)
        log_in(world.client)
        lines = access_lines(caplog)
        user = world.accounts.find("saksbehandler")
        assert user is not None
        assert lines[0].startswith(f'login ok who="saksbehandler ({user.id})"')
        assert lines[-1].startswith('login locked out who="saksbehandler"')

    def test_a_board_refused_to_a_logged_in_user_is_logged_with_that_user(
        self, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        log_in(world.client, "sykepleier", NURSE_PASSWORD)
        caplog.set_level(logging.INFO, logger="pasientflyt.access")
        assert world.client.get("/tildeling").status_code == 403
        (line,) = access_lines(caplog)
        nurse = world.accounts.find("sykepleier")
        assert nurse is not None
        assert line.startswith(f'refused GET "/tildeling" 403 who="sykepleier ({nurse.id})"')
        assert 'client="testclient"' in line

    def test_a_request_without_a_valid_token_is_logged(
        self, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="pasientflyt.access")
        headers = {"Authorization": "Bearer feil"}
        assert world.client.get("/api/v1/units", headers=headers).status_code == 401
        (line,) = access_lines(caplog)
        assert line.startswith('refused GET "/api/v1/units" 401 who="-"')

    def test_a_flow_of_another_municipality_is_logged_as_refused(
        self, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        flow_id, _ = reserved_flow(world)
        caplog.set_level(logging.INFO, logger="pasientflyt.access")
        neighbour = world.headers("saksbehandler2")
        assert world.client.get(f"/api/v1/flows/{flow_id}", headers=neighbour).status_code == 404
        (line,) = access_lines(caplog)
        assert f'refused GET "/api/v1/flows/{flow_id}" 404 who="saksbehandler2 (' in line


class TestCsrf:
    def test_logging_out_without_the_token_is_refused_and_the_session_lives_on(
        self, world: World
    ) -> None:
        log_in(world.client)
        response = world.client.post("/logg-ut", follow_redirects=False)
        assert response.status_code == 403
        assert world.client.get("/tildeling").status_code == 200

    def test_a_board_command_without_the_token_is_refused_and_records_nothing(
        self, world: World
    ) -> None:
        flow_id = world.client.post(
            "/api/v1/flows", json=HOSPITAL_PATIENT, headers=world.headers()
        ).json()["id"]
        log_in(world.client)
        kort = str(world.unit("KORT"))
        form = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-03"}
        path = f"/tildeling/forlop/{flow_id}/decision"
        before = recorded(world)
        assert world.client.post(path, data=form).status_code == 403
        assert recorded(world) == before
        token = csrf_token_of(world.client, "/tildeling")
        assert world.client.post(path, data={**form, "csrf_token": token}).status_code == 200
        assert recorded(world) > before

    def test_a_task_action_without_the_token_is_refused_and_records_nothing(
        self, world: World
    ) -> None:
        _, tasks = reserved_flow(world)
        log_in(world.client, "sykepleier", NURSE_PASSWORD)
        path = f"/oppgaver/{tasks['room_ready']}/utfort"
        before = recorded(world)
        assert world.client.post(path, data={"note": "Klart"}).status_code == 403
        assert recorded(world) == before
        token = csrf_token_of(world.client, f"/enheter/{world.unit('KORT')}")
        response = world.client.post(
            path, data={"note": "Klart", "csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303
        assert recorded(world) > before

    def test_a_token_of_another_session_is_refused(self, world: World) -> None:
        other = TestClient(world.client.app)
        log_in(other)
        stolen = csrf_token_of(other, "/tildeling")
        log_in(world.client)
        response = world.client.post("/logg-ut", data={"csrf_token": stolen})
        assert response.status_code == 403
