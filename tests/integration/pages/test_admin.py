"""Administration over HTTP, on both stores: each change through the API and a page, its
audit row, refusals by role and by municipality, and the display device's wall."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from support.admin_world import ADMIN_PASSWORD, API, HERE, admin_world, audit_actions, get
from support.logins import csrf_token_of, log_in

from boards.web.sessions import DEVICE_COOKIE
from flow.flow_values import Decision, DischargePlan
from flow.municipality import municipality_id
from flow.vocabulary import Destination, ServiceKind, Source

if TYPE_CHECKING:
    from support.world import World

__all__ = ["admin_world"]

KARI_ID, KARI = "01018012371", "Kari Nordmann"


def post(w: World, path: str, body: dict[str, Any] | None = None, user: str = "admin") -> Any:
    return w.client.post(f"{API}{path}", json=body or {}, headers=w.headers(user))


def user_id(w: World, username: str) -> str:
    found = w.accounts.find(username)
    assert found is not None
    return str(found.id)


def issue_device(w: World, code: str, name: str = "Korridor") -> dict[str, Any]:
    response = post(w, "/devices", {"name": name, "unit_id": str(w.unit(code))})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def kari_in_bed(w: World, bed: str = "2") -> UUID:
    """Kari, placed in a bed of KORT through the application's commands."""
    by, at, kort = w.actor(), w.clock(), w.unit("KORT")
    flow_id = w.flows.open_flow(KARI_ID, KARI, Source.HOSPITAL, "Ahus", "Rehab", by=by, at=at)
    decision = Decision(ServiceKind.SHORT_TERM_STAY.value, kort, None, date(2026, 3, 2), None)
    w.flows.decide_service(flow_id, decision, by=by, at=at)
    w.flows.reserve_bed(flow_id, kort, bed, by=by, at=at)
    w.flows.arrive(flow_id, by=by, at=at)
    return flow_id


class TestUsers:
    def test_an_admin_adds_a_user_who_sets_her_own_password_and_waits_for_a_leader(
        self, admin_world: World
    ) -> None:
        kort = str(admin_world.unit("KORT"))
        body = {"username": "ola", "display_name": "Ola Sykepleier", "role": "nurse"}
        response = post(admin_world, "/users", {**body, "unit_ids": [kort]})
        assert response.status_code == 201, response.text
        added = response.json()
        assert "password" not in added and added["setup_link"].startswith(
            "http://testserver/passord/"
        )
        assert added["user"]["role"] == "none" and added["user"]["active"] is True
        assert added["user"]["waiting"]["role"] == "nurse"
        assert added["user"]["waiting"]["unit_ids"] == [kort]
        ola = TestClient(admin_world.client.app)
        link = added["setup_link"].removeprefix("http://testserver")
        token = csrf_token_of(ola, link)
        chosen = {"password": "ola sitt eget", "again": "ola sitt eget", "csrf_token": token}
        assert ola.post(link, data=chosen).status_code == 200
        assert log_in(ola, "ola", "ola sitt eget").status_code == 303
        assert audit_actions(admin_world)[:2] == ["access_grant.asked", "user.added"]

    def test_a_taken_username_is_409_and_a_bad_shape_422(self, admin_world: World) -> None:
        taken = {"username": "sykepleier", "display_name": "X", "role": "leader"}
        assert post(admin_world, "/users", taken).status_code == 409
        assert post(admin_world, "/users", {**taken, "role": "sjef"}).status_code == 422
        assert post(admin_world, "/users", {**taken, "username": "A B"}).status_code == 422
        assert audit_actions(admin_world) == []

    def test_a_nurse_cannot_be_given_a_zone(self, admin_world: World) -> None:
        body = {"username": "ola", "display_name": "Ola", "role": "nurse"}
        zone = [str(admin_world.unit("NORD"))]
        assert post(admin_world, "/users", {**body, "unit_ids": zone}).status_code == 409

    def test_the_list_holds_the_municipalitys_users_only(self, admin_world: World) -> None:
        usernames = {u["username"] for u in get(admin_world, "/users").json()}
        assert {"admin", "sykepleier", "saksbehandler"} <= usernames
        assert "saksbehandler2" not in usernames and "admin2" not in usernames

    def test_changing_role_and_units_is_audited(self, admin_world: World) -> None:
        nurse = user_id(admin_world, "sykepleier")
        body = {"role": "homecare", "unit_ids": [str(admin_world.unit("SOR"))]}
        response = admin_world.client.patch(
            f"{API}/users/{nurse}", json=body, headers=admin_world.headers("admin")
        )
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "nurse"  # until a leader approves
        assert response.json()["waiting"]["role"] == "homecare"
        assert response.json()["waiting"]["unit_ids"] == [str(admin_world.unit("SOR"))]
        entry, asked = get(admin_world, "/audit").json()
        assert (entry["action"], asked["action"]) == ("user.changed", "access_grant.asked")
        assert entry["details"]["before"]["role"] == "nurse"
        assert entry["details"]["asked"]["role"] == "homecare"
        assert asked["details"]["role"] == "homecare"

    def test_disabling_a_user_ends_their_session_and_their_token(self, admin_world: World) -> None:
        nurse_browser = TestClient(admin_world.client.app)
        assert log_in(nurse_browser, "sykepleier", "pw-2").status_code == 303
        kort = f"/enheter/{admin_world.unit('KORT')}"
        assert nurse_browser.get(kort).status_code == 200
        nurse = user_id(admin_world, "sykepleier")
        response = admin_world.client.patch(
            f"{API}/users/{nurse}", json={"active": False}, headers=admin_world.headers("admin")
        )
        assert response.status_code == 200 and response.json()["active"] is False
        assert nurse_browser.get(kort, follow_redirects=False).status_code == 303
        units = admin_world.client.get("/api/v1/units", headers=admin_world.headers("sykepleier"))
        assert units.status_code == 401
        assert log_in(TestClient(admin_world.client.app), "sykepleier", "pw-2").status_code == 401
        assert audit_actions(admin_world)[0] == "user.disabled"

    def test_an_enabled_user_logs_in_again_but_the_old_token_stays_revoked(
        self, admin_world: World
    ) -> None:
        nurse = user_id(admin_world, "sykepleier")
        for active in (False, True):
            admin_world.client.patch(
                f"{API}/users/{nurse}",
                json={"active": active},
                headers=admin_world.headers("admin"),
            ).raise_for_status()
        assert log_in(TestClient(admin_world.client.app), "sykepleier", "pw-2").status_code == 303
        units = admin_world.client.get("/api/v1/units", headers=admin_world.headers("sykepleier"))
        assert units.status_code == 401
        assert audit_actions(admin_world)[:2] == ["user.enabled", "user.disabled"]

    def test_an_admin_cannot_disable_itself(self, admin_world: World) -> None:
        me = user_id(admin_world, "admin")
        response = admin_world.client.patch(
            f"{API}/users/{me}", json={"active": False}, headers=admin_world.headers("admin")
        )
        assert response.status_code == 409
        assert audit_actions(admin_world) == []


class TestPlaces:
    def test_registering_a_unit_and_a_zone_records_events_and_audit_rows(
        self, admin_world: World
    ) -> None:
        unit = {"code": "LIND", "name": "Lindrende", "kind": "palliative", "beds": ["1", "2"]}
        response = post(admin_world, "/units", unit)
        assert response.status_code == 201, response.text
        assert [b["name"] for b in response.json()["beds"]] == ["1", "2"]
        zone = post(admin_world, "/zones", {"code": "VEST", "name": "Sone Vest"})
        assert zone.status_code == 201, zone.text
        codes = {
            u["code"]
            for u in admin_world.client.get("/api/v1/zones", headers=admin_world.headers()).json()
        }
        assert "VEST" in codes
        assert audit_actions(admin_world) == ["zone.registered", "unit.registered"]

    def test_a_second_unit_with_the_same_code_is_409(self, admin_world: World) -> None:
        unit = {"code": "KORT", "name": "Igjen", "kind": "rehab", "beds": ["1"]}
        assert post(admin_world, "/units", unit).status_code == 409

    def test_a_zone_posted_as_a_unit_or_a_unit_without_beds_is_422(
        self, admin_world: World
    ) -> None:
        unit = {"code": "NY", "name": "Ny", "kind": "home_care_zone", "beds": ["1"]}
        assert post(admin_world, "/units", unit).status_code == 422
        assert post(admin_world, "/units", {**unit, "kind": "rehab", "beds": []}).status_code == 422
        assert post(admin_world, "/units", {**unit, "code": "n y"}).status_code == 422

    def test_blocking_and_unblocking_a_bed(self, admin_world: World) -> None:
        kort = admin_world.unit("KORT")
        blocked = post(admin_world, f"/units/{kort}/beds/3/block", {"reason": "Vannskade"})
        assert blocked.status_code == 200, blocked.text
        assert {b["name"]: b["status"] for b in blocked.json()["beds"]}["3"] == "blocked"
        assert post(admin_world, f"/units/{kort}/beds/3/block", {"reason": "x"}).status_code == 409
        unblocked = post(admin_world, f"/units/{kort}/beds/3/unblock")
        assert unblocked.status_code == 200
        assert post(admin_world, f"/units/{kort}/beds/3/unblock").status_code == 409
        assert post(admin_world, f"/units/{kort}/beds/99/unblock").status_code == 404
        assert post(admin_world, f"/units/{kort}/beds/3/block", {"reason": ""}).status_code == 422
        (last, first) = get(admin_world, "/audit").json()
        assert (last["action"], first["action"]) == ("bed.unblocked", "bed.blocked")
        assert first["details"]["reason"] == "Vannskade"


class TestDevices:
    def test_issuing_listing_and_revoking_a_device_is_audited(self, admin_world: World) -> None:
        issued = issue_device(admin_world, "KORT")
        assert issued["url"].endswith(f"/skjerm/{issued['token']}")
        device_id = issued["device"]["id"]
        listed = get(admin_world, "/devices").json()
        assert [d["id"] for d in listed] == [device_id]
        assert "token" not in listed[0]
        revoked = post(admin_world, f"/devices/{device_id}/revocation")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
        assert post(admin_world, f"/devices/{device_id}/revocation").status_code == 409
        assert audit_actions(admin_world) == ["device.revoked", "device.issued"]
        assert issued["token"] not in str(get(admin_world, "/audit").json())


NOT_ADMINS = ["saksbehandler", "sykepleier", "hjemmesykepleier", "leder"]


def every_admin_call(w: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    kort, nurse = w.unit("KORT"), user_id(w, "sykepleier")
    device = "00000000-0000-0000-0000-000000000001"
    return [
        ("GET", "/users", None),
        ("POST", "/users", {"username": "x1", "display_name": "X", "role": "leader"}),
        ("PATCH", f"/users/{nurse}", {"active": False}),
        ("POST", "/units", {"code": "X", "name": "X", "kind": "rehab", "beds": ["1"]}),
        ("POST", "/zones", {"code": "X", "name": "X"}),
        ("POST", f"/units/{kort}/beds/1/block", {"reason": "x"}),
        ("POST", f"/units/{kort}/beds/1/unblock", {}),
        ("GET", "/devices", None),
        ("POST", "/devices", {"name": "X", "unit_id": str(kort)}),
        ("POST", f"/devices/{device}/revocation", {}),
        ("GET", "/audit", None),
        ("GET", "/checklists", None),
        ("PUT", "/checklists", {"text": "[]", "based_on": 0}),
    ]


class TestRefusals:
    @pytest.mark.parametrize("username", NOT_ADMINS)
    def test_every_other_role_is_refused_every_admin_call(
        self, admin_world: World, username: str
    ) -> None:
        before = admin_world.flows.recorder.max_notification_id()
        for method, path, body in every_admin_call(admin_world):
            response = admin_world.client.request(
                method, f"{API}{path}", json=body, headers=admin_world.headers(username)
            )
            assert response.status_code == 403, (method, path, response.text)
        assert admin_world.flows.recorder.max_notification_id() == before
        assert audit_actions(admin_world) == []

    def test_without_a_token_every_admin_call_is_401(self, admin_world: World) -> None:
        for method, path, body in every_admin_call(admin_world):
            response = admin_world.client.request(method, f"{API}{path}", json=body)
            assert response.status_code == 401, (method, path)

    def test_ids_of_another_municipality_are_404(self, admin_world: World) -> None:
        theirs = admin_world.unit("ANNEN", "9997")
        their_user = user_id(admin_world, "saksbehandler2")
        their_device = issue_device_as(admin_world, "admin2", theirs)
        patch = admin_world.client.patch(
            f"{API}/users/{their_user}",
            json={"active": False},
            headers=admin_world.headers("admin"),
        )
        assert patch.status_code == 404
        assert (
            post(admin_world, f"/units/{theirs}/beds/1/block", {"reason": "x"}).status_code == 404
        )
        assert (
            post(admin_world, "/devices", {"name": "X", "unit_id": str(theirs)}).status_code == 404
        )
        assert post(admin_world, f"/devices/{their_device}/revocation").status_code == 404
        body = {"username": "ola", "display_name": "O", "role": "nurse", "unit_ids": [str(theirs)]}
        assert post(admin_world, "/users", body).status_code == 404
        assert audit_actions(admin_world) == []
        assert [e["action"] for e in get(admin_world, "/audit", "admin2").json()] == [
            "device.issued"
        ]

    def test_a_non_admin_gets_no_admin_page(self, admin_world: World) -> None:
        assert log_in(admin_world.client, "saksbehandler", "pw-1").status_code == 303
        assert admin_world.client.get("/admin").status_code == 403
        assert "/admin" not in admin_world.client.get("/tildeling").text


def issue_device_as(w: World, username: str, unit_id: UUID) -> str:
    response = post(w, "/devices", {"name": "Deres", "unit_id": str(unit_id)}, username)
    assert response.status_code == 201, response.text
    device_id: str = response.json()["device"]["id"]
    return device_id


class TestPages:
    @pytest.fixture
    def browser(self, admin_world: World) -> TestClient:
        assert log_in(admin_world.client, "admin", ADMIN_PASSWORD).status_code == 303
        return admin_world.client

    def test_the_admin_lands_on_the_overview_with_a_link_in_the_navigation(
        self, browser: TestClient
    ) -> None:
        response = browser.get("/")
        assert response.status_code == 200 and response.url.path == "/admin"
        assert '<a href="/admin" aria-current="page">Administrasjon</a>' in response.text
        for page in ["/admin/enheter", "/admin/brukere", "/admin/skjermer", "/admin/logg"]:
            assert browser.get(page).status_code == 200, page

    def test_the_checklists_in_force_are_listed(self, browser: TestClient) -> None:
        page = browser.get("/admin/sjekklister")
        assert page.status_code == 200
        assert "Svare sykehuset samme dag" in page.text

    def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
        self, admin_world: World, browser: TestClient
    ) -> None:
        form = {"code": "NY", "name": "Ny", "kind": "rehab", "bed_count": "4"}
        assert browser.post("/admin/enheter", data=form).status_code == 403
        assert audit_actions(admin_world) == []

    def test_roles_from_the_identity_provider_are_mapped_and_unmapped_from_the_page(
        self, admin_world: World, browser: TestClient
    ) -> None:
        token = csrf_token_of(browser, "/admin/innlogging")
        mapping = {
            "claim": "groups",
            "value": "sykepleiere-kort",
            "role": "nurse",
            "unit_codes": ["KORT"],
            "csrf_token": token,
        }
        added = browser.post("/admin/innlogging", data=mapping, follow_redirects=False)
        assert added.status_code == 303
        found = admin_world.system.role_mappings.list_for(municipality_id("9998"))
        assert [(m.claim, m.value, m.role, m.unit_codes) for m in found] == [
            ("groups", "sykepleiere-kort", "nurse", ("KORT",))
        ]
        grants = admin_world.system.grants
        (waits,) = [g for g in grants.listing(HERE, admin_world.clock()) if g.mapping_id]
        leader = admin_world.accounts.find("leder")
        assert leader is not None
        grants.approve(leader, waits.id, admin_world.clock())
        grant = admin_world.system.role_mappings.grant(
            HERE,
            {"groups": ["andre", "sykepleiere-kort"]},
            grants.mappings_waiting([waits.mapping_id]),
        )
        assert grant is not None and (grant.role, grant.unit_codes) == ("nurse", ("KORT",))
        again = browser.post("/admin/innlogging", data=mapping)
        assert again.status_code == 409 and "allerede" in again.text
        page = browser.get("/admin/innlogging")
        assert "sykepleiere-kort" in page.text
        removed = browser.post(
            f"/admin/innlogging/{found[0].id}/fjerning",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert removed.status_code == 303
        assert admin_world.system.role_mappings.list_for(municipality_id("9998")) == []
        assert audit_actions(admin_world) == [
            "role_mapping.removed",
            "access_grant.approved",
            "access_grant.asked",
            "role_mapping.added",
        ]
        assert (
            browser.post("/admin/innlogging", data={**mapping, "role": "king"}).status_code == 422
        )

    def test_registering_a_unit_and_a_zone_from_the_page(
        self, admin_world: World, browser: TestClient
    ) -> None:
        token = csrf_token_of(browser, "/admin/enheter")
        form = {"code": "NY", "name": "Ny enhet", "kind": "rehab", "bed_count": "4"}
        response = browser.post(
            "/admin/enheter", data={**form, "csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303
        unit_page = browser.get(response.headers["location"])
        assert "Ny enhet" in unit_page.text and 'id="bed-4"' in unit_page.text
        zone = {"code": "VEST", "name": "Sone Vest", "csrf_token": token}
        assert browser.post("/admin/soner", data=zone, follow_redirects=False).status_code == 303
        again = browser.post("/admin/soner", data=zone)
        assert again.status_code == 409 and "allerede" in again.text
        assert audit_actions(admin_world) == ["zone.registered", "unit.registered"]

    def test_blocking_and_unblocking_a_bed_from_the_page(
        self, admin_world: World, browser: TestClient
    ) -> None:
        page = f"/admin/enheter/{admin_world.unit('KORT')}"
        token = csrf_token_of(browser, page)
        blocked = browser.post(
            f"{page}/senger/2/sperring", data={"reason": "Maling", "csrf_token": token}
        )
        assert blocked.status_code == 200 and "Maling" in blocked.text
        empty = browser.post(f"{page}/senger/1/sperring", data={"reason": "", "csrf_token": token})
        assert empty.status_code == 422
        opened = browser.post(f"{page}/senger/2/oppheving", data={"csrf_token": token})
        assert opened.status_code == 200
        assert audit_actions(admin_world) == ["bed.unblocked", "bed.blocked"]

    def test_adding_a_user_shows_her_setup_link_once_and_no_password(
        self, admin_world: World, browser: TestClient
    ) -> None:
        token = csrf_token_of(browser, "/admin/brukere")
        form = {
            "username": "ola",
            "display_name": "Ola",
            "role": "homecare",
            "unit_ids": [str(admin_world.unit("NORD"))],
            "csrf_token": token,
        }
        response = browser.post("/admin/brukere", data=form)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        link = re.search(r'<code class="secret" id="setup-link">([^<]+)</code>', response.text)
        assert link is not None and "/passord/" in link.group(1)
        assert link.group(1) not in browser.get("/admin/brukere").text
        assert "Venter på leder" in browser.get("/admin/brukere").text
        ola = TestClient(admin_world.client.app)
        path = link.group(1).removeprefix("http://testserver")
        assert "Sett passordet ditt" in ola.get(path).text
        assert audit_actions(admin_world) == ["access_grant.asked", "user.added"]

    def test_changing_and_disabling_a_user_from_the_page(
        self, admin_world: World, browser: TestClient
    ) -> None:
        nurse = user_id(admin_world, "sykepleier")
        page = f"/admin/brukere/{nurse}"
        token = csrf_token_of(browser, page)
        form = {"display_name": "N", "role": "integration", "csrf_token": token}
        assert browser.post(page, data=form, follow_redirects=False).status_code == 303
        account = admin_world.accounts.get(UUID(nurse))
        assert account is not None and account.role == "integration" and account.unit_ids == []
        response = browser.post(
            f"{page}/deaktivering", data={"csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303
        assert admin_world.accounts.user_for_token(admin_world.tokens["sykepleier"]) is None
        assert audit_actions(admin_world) == ["user.disabled", "user.changed"]

    def test_issuing_a_device_shows_its_address_once_and_revoking_it(
        self, admin_world: World, browser: TestClient
    ) -> None:
        token = csrf_token_of(browser, "/admin/skjermer")
        form = {"name": "Gang 2", "unit_id": str(admin_world.unit("KORT")), "csrf_token": token}
        response = browser.post("/admin/skjermer", data=form)
        assert response.status_code == 200
        url = re.search(r'<code class="secret">([^<]+)</code>', response.text)
        assert url is not None and "/skjerm/" in url.group(1)
        assert url.group(1) not in browser.get("/admin/skjermer").text
        (device,) = get(admin_world, "/devices").json()
        revoke = f"/admin/skjermer/{device['id']}/tilbakekalling"
        assert browser.post(revoke, data={"csrf_token": token}).status_code == 200
        assert browser.post(revoke, data={"csrf_token": token}).status_code == 409
        assert audit_actions(admin_world) == ["device.revoked", "device.issued"]


class TestDisplayDevice:
    def test_the_device_address_sets_a_strict_cookie_and_shows_initials_only(
        self, admin_world: World
    ) -> None:
        kari_in_bed(admin_world, "2")
        issued = issue_device(admin_world, "KORT")
        screen = TestClient(admin_world.client.app)
        login = screen.get(f"/skjerm/{issued['token']}", follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/skjerm"
        cookie = login.headers["set-cookie"].lower()
        assert f"{DEVICE_COOKIE}=" in cookie and "httponly" in cookie
        assert "samesite=strict" in cookie and "secure" not in cookie
        wall = screen.get("/skjerm")
        assert wall.status_code == 200
        assert "K.N." in wall.text and "Korttid Test" in wall.text
        assert KARI not in wall.text and "Nordmann" not in wall.text and KARI_ID not in wall.text
        assert "Ahus" not in wall.text and "Rehab" not in wall.text
        assert "topbar" not in wall.text and "/logg-ut" not in wall.text

    def test_over_tls_the_cookie_is_secure(self, admin_world: World) -> None:
        issued = issue_device(admin_world, "KORT")
        app: FastAPI = admin_world.client.app  # type: ignore[assignment]
        screen = TestClient(app, base_url="https://testserver")
        login = screen.get(f"/skjerm/{issued['token']}", follow_redirects=False)
        assert "secure" in login.headers["set-cookie"].lower()

    def test_a_zone_device_shows_who_comes_home_by_initials(self, admin_world: World) -> None:
        flow_id = kari_in_bed(admin_world, "1")
        by, nord = admin_world.actor(), admin_world.unit("NORD")
        plan = DischargePlan(date(2026, 3, 4), False, Destination.HOME.value, nord)
        admin_world.flows.plan_discharge(flow_id, plan, by=by, at=admin_world.clock())
        issued = issue_device(admin_world, "NORD")
        screen = TestClient(admin_world.client.app)
        wall = screen.get(f"/skjerm/{issued['token']}")
        assert wall.status_code == 200 and "Sone Nord" in wall.text
        assert "K.N." in wall.text
        assert "Nordmann" not in wall.text and KARI_ID not in wall.text

    def test_a_revoked_or_unknown_device_token_is_404(self, admin_world: World) -> None:
        issued = issue_device(admin_world, "KORT")
        screen = TestClient(admin_world.client.app)
        assert screen.get(f"/skjerm/{issued['token']}").status_code == 200
        post(admin_world, f"/devices/{issued['device']['id']}/revocation").raise_for_status()
        assert screen.get("/skjerm").status_code == 404
        assert screen.get(f"/skjerm/{issued['token']}").status_code == 404
        assert TestClient(admin_world.client.app).get("/skjerm/ukjent").status_code == 404
        assert TestClient(admin_world.client.app).get("/skjerm").status_code == 404

    def test_the_address_is_spent_once_the_device_has_its_cookie(self, admin_world: World) -> None:
        """Read off a screen, a browser's history or a log, the address opens nothing."""
        issued = issue_device(admin_world, "KORT")
        screen = TestClient(admin_world.client.app)
        assert screen.get(f"/skjerm/{issued['token']}").status_code == 200
        assert screen.cookies[DEVICE_COOKIE] != issued["token"]

        replayed = TestClient(admin_world.client.app).get(f"/skjerm/{issued['token']}")

        assert replayed.status_code == 404
        assert screen.get("/skjerm").status_code == 200  # the device itself goes on

    def test_a_device_cannot_call_the_api_nor_open_another_page(self, admin_world: World) -> None:
        issued = issue_device(admin_world, "KORT")
        screen = TestClient(admin_world.client.app)
        assert screen.get(f"/skjerm/{issued['token']}").status_code == 200
        bearer = {"Authorization": f"Bearer {issued['token']}"}
        for path in ["/api/v1/units", f"/api/v1/boards/units/{admin_world.unit('KORT')}"]:
            assert screen.get(path).status_code == 401
            assert screen.get(path, headers=bearer).status_code == 401
        assert screen.get(f"{API}/users", headers=bearer).status_code == 401
        for page in ["/tildeling", f"/enheter/{admin_world.unit('KORT')}", "/admin"]:
            response = screen.get(page, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"] == "/logg-inn"
