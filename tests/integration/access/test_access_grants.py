"""Four eyes on access (issue 22, finding 6), over HTTP on each store: an admin who adds an
allocation-office user learns no password, and neither that user nor anyone holding her
setup link sees a patient until a leader of the municipality approves the grant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from support.admin_world import ADMIN_PASSWORD, API, HERE, NEIGHBOUR, admin_world
from support.logins import NURSE_PASSWORD, csrf_token_of, log_in

from access.accounts import Role
from flow.vocabulary import Source

if TYPE_CHECKING:
    from support.world import World

__all__ = ["admin_world"]

GRANTS = "/api/v1/access-grants"
KARI = "Kari Grantsen"
KARI_ID = "01018012371"


def kari_in_hospital(w: World) -> str:
    flow_id = w.flows.open_flow(
        KARI_ID, KARI, Source.HOSPITAL, "Ahus", "Rehab", by=w.actor(), at=w.clock()
    )
    return str(flow_id)


def add_user(w: World, username: str, role: str, codes: tuple[str, ...] = ()) -> dict[str, Any]:
    body = {
        "username": username,
        "display_name": username.title(),
        "role": role,
        "unit_ids": [str(w.unit(code)) for code in codes],
    }
    response = w.client.post(f"{API}/users", json=body, headers=w.headers("admin"))
    assert response.status_code == 201, response.text
    added: dict[str, Any] = response.json()
    return added


def grants_of(w: World, leader: str = "leder") -> list[dict[str, Any]]:
    response = w.client.get(GRANTS, headers=w.headers(leader))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def waiting_for(w: World, username: str) -> dict[str, Any]:
    (grant,) = [g for g in grants_of(w) if g["state"] == "waiting" and username in g["who"]]
    return grant


def decide(
    w: World, grant_id: str, leader: str = "leder", reason: str | None = None
) -> httpx.Response:
    if reason is None:
        return w.client.post(f"{GRANTS}/{grant_id}/approval", headers=w.headers(leader))
    return w.client.post(
        f"{GRANTS}/{grant_id}/refusal", json={"reason": reason}, headers=w.headers(leader)
    )


def token_for(w: World, username: str) -> None:
    """A bearer token as `pasientflyt users token` prints it at the console."""
    w.tokens[username] = w.accounts.issue_token(username, at=w.clock())


def shows_no_patient(w: World, browser: TestClient, username: str, flow_id: str, code: str) -> None:
    """Every way to a patient is shut to the user: pages, exports, streams and the API."""
    for page in ["/tildeling", "/tildeling/export.csv", "/tildeling/strom"]:
        response = browser.get(page, follow_redirects=False)
        assert response.status_code == 403, (page, response.status_code)
        assert KARI not in response.text
    headers = w.headers(username)
    for path in [
        "/api/v1/boards/allocation",
        f"/api/v1/flows/{flow_id}",
        "/api/v1/boards/allocation/export.csv",
        "/api/v1/stream",
    ]:
        response = w.client.get(path, headers=headers)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == code and KARI not in response.text


class TestTheFinding:
    def test_the_admins_allocation_user_sees_no_patient_until_a_leader_approves(
        self, admin_world: World
    ) -> None:
        w = admin_world
        flow_id = kari_in_hospital(w)

        added = add_user(w, "ola", "allocation")

        assert set(added) == {"user", "setup_link"}  # a link, never a password
        assert added["user"]["role"] == "none" and added["user"]["waiting"]["role"] == "allocation"
        assert log_in(TestClient(w.client.app), "ola", "gjettet passord").status_code == 401
        # The admin may open the link himself: even then no patient opens to him.
        browser = TestClient(w.client.app)
        path = added["setup_link"].removeprefix("http://testserver")
        token = csrf_token_of(browser, path)
        form = {"password": "admin kjenner det", "again": "admin kjenner det", "csrf_token": token}
        assert browser.post(path, data=form).status_code == 200
        assert log_in(browser, "ola", "admin kjenner det").status_code == 303
        home = browser.get("/")
        assert home.status_code == 200 and "venter på godkjenning fra leder" in home.text
        token_for(w, "ola")
        shows_no_patient(w, browser, "ola", flow_id, "access_awaits_approval")

        grant = waiting_for(w, "ola")
        assert grant["role"] == "allocation" and grant["asked"] == "new_user"
        assert "Admin" in grant["asked_by_name"] and grant["password_set_at"] is not None

        approved = decide(w, grant["id"])

        assert approved.status_code == 200, approved.text
        assert approved.json()["state"] == "approved"
        board = browser.get("/tildeling")
        assert board.status_code == 200 and KARI in board.text
        api = w.client.get(f"/api/v1/flows/{flow_id}", headers=w.headers("ola"))
        assert api.status_code == 200
        audit = w.client.get(f"{API}/audit", headers=w.headers("admin")).json()
        actions = [e["action"] for e in audit]
        assert actions[:3] == ["access_grant.approved", "access_grant.asked", "user.added"]

    def test_a_declined_grant_gives_nothing_and_says_why(self, admin_world: World) -> None:
        w = admin_world
        flow_id = kari_in_hospital(w)
        added = add_user(w, "ola", "allocation")
        grant = waiting_for(w, "ola")

        declined = decide(w, grant["id"], reason="Ikke ansatt i tildelingskontoret")

        assert declined.status_code == 200 and declined.json()["state"] == "declined"
        assert declined.json()["reason"] == "Ikke ansatt i tildelingskontoret"
        assert decide(w, grant["id"]).status_code == 409
        browser = set_password_and_log_in(w, added["setup_link"], "ola", "olas eget passord")
        assert "Du har ingen tilgang i Pasientflyt" in browser.get("/").text
        token_for(w, "ola")
        shows_no_patient(w, browser, "ola", flow_id, "no_access_granted")


def set_password_and_log_in(w: World, link: str, username: str, password: str) -> TestClient:
    browser = TestClient(w.client.app)
    path = link.removeprefix("http://testserver")
    token = csrf_token_of(browser, path)
    chosen = browser.post(path, data={"password": password, "again": password, "csrf_token": token})
    assert chosen.status_code == 200 and "Passordet er satt" in chosen.text
    assert log_in(browser, username, password).status_code == 303
    return browser


class TestAPasswordReset:
    def test_a_reset_by_the_admin_puts_a_nurses_access_back_to_waiting(
        self, admin_world: World
    ) -> None:
        w = admin_world
        kort = f"/enheter/{w.unit('KORT')}"
        nurse = w.accounts.find("sykepleier")
        assert nurse is not None

        reset = w.client.post(f"{API}/users/{nurse.id}/password-reset", headers=w.headers("admin"))

        assert reset.status_code == 200, reset.text
        assert set(reset.json()) == {"user", "setup_link"}
        assert reset.json()["user"]["role"] == "none"
        assert reset.json()["user"]["waiting"]["role"] == "nurse"
        assert log_in(TestClient(w.client.app), "sykepleier", NURSE_PASSWORD).status_code == 401
        board = f"/api/v1/boards/units/{w.unit('KORT')}"
        assert w.client.get(board, headers=w.headers("sykepleier")).status_code == 403
        browser = set_password_and_log_in(
            w, reset.json()["setup_link"], "sykepleier", "nytt eget passord"
        )
        assert browser.get(kort).status_code == 403
        grant = waiting_for(w, "sykepleier")
        assert grant["asked"] == "password_reset" and grant["password_set_at"] is not None

        assert decide(w, grant["id"]).status_code == 200

        assert browser.get(kort).status_code == 200
        assert w.client.get(board, headers=w.headers("sykepleier")).status_code == 200

    def test_a_user_of_the_provider_has_no_password_to_reset(self, admin_world: World) -> None:
        w = admin_world
        user = w.accounts.add_user(HERE, "oidc:abc", Role.ADMIN, "Fra IdP", None, [], at=w.clock())
        reset = w.client.post(f"{API}/users/{user.id}/password-reset", headers=w.headers("admin"))
        assert reset.status_code == 409 and reset.json()["code"] == "oidc_user_has_no_password"


class TestWideningAndNarrowing:
    def test_more_units_wait_for_a_leader_fewer_hold_at_once(self, admin_world: World) -> None:
        w = admin_world
        nurse = w.accounts.find("sykepleier")
        assert nurse is not None
        kort, utred = str(w.unit("KORT")), str(w.unit("UTRED"))
        headers = w.headers("sykepleier")

        def change(units: list[str]) -> dict[str, Any]:
            response = w.client.patch(
                f"{API}/users/{nurse.id}", json={"unit_ids": units}, headers=w.headers("admin")
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        def sees(unit: str) -> int:
            return w.client.get(f"/api/v1/boards/units/{unit}", headers=headers).status_code

        widened = change([kort, utred])
        assert widened["unit_ids"] == [kort] and widened["waiting"]["unit_ids"] == [kort, utred]
        assert (sees(kort), sees(utred)) == (200, 403)
        assert decide(w, waiting_for(w, "sykepleier")["id"]).status_code == 200
        assert (sees(kort), sees(utred)) == (200, 200)

        narrowed = change([utred])

        assert narrowed["unit_ids"] == [utred] and narrowed["waiting"] is None
        assert (sees(kort), sees(utred)) == (403, 200)

    def test_a_new_role_waits_while_the_old_one_holds(self, admin_world: World) -> None:
        w = admin_world
        nurse = w.accounts.find("sykepleier")
        assert nurse is not None
        body = {"role": "allocation", "unit_ids": []}
        changed = w.client.patch(f"{API}/users/{nurse.id}", json=body, headers=w.headers("admin"))
        assert (
            changed.json()["role"] == "nurse" and changed.json()["waiting"]["role"] == "allocation"
        )
        headers = w.headers("sykepleier")
        assert (
            w.client.get(f"/api/v1/boards/units/{w.unit('KORT')}", headers=headers).status_code
            == 200
        )
        assert w.client.get("/api/v1/boards/allocation", headers=headers).status_code == 403
        assert decide(w, waiting_for(w, "sykepleier")["id"]).status_code == 200
        assert w.client.get("/api/v1/boards/allocation", headers=headers).status_code == 200

    def test_taking_a_role_that_sees_patients_away_holds_at_once(self, admin_world: World) -> None:
        w = admin_world
        office = w.accounts.find("saksbehandler")
        assert office is not None
        body = {"role": "integration"}
        changed = w.client.patch(f"{API}/users/{office.id}", json=body, headers=w.headers("admin"))
        assert changed.json()["role"] == "integration" and changed.json()["waiting"] is None
        board = w.client.get("/api/v1/boards/allocation", headers=w.headers("saksbehandler"))
        assert board.status_code == 403


class TestWhoDecides:
    def test_a_leader_cannot_decide_her_own_grant(self, admin_world: World) -> None:
        w = admin_world
        leader = w.accounts.find("leder")
        assert leader is not None
        body = {"role": "nurse", "unit_ids": [str(w.unit("KORT"))]}
        w.client.patch(f"{API}/users/{leader.id}", json=body, headers=w.headers("admin"))
        grant = waiting_for(w, "leder")

        for reason in (None, "nei"):
            own = decide(w, grant["id"], reason=reason)
            assert own.status_code == 403 and own.json()["code"] == "own_access_grant"

        w.accounts.add_user(HERE, "leder2", Role.LEADER, "Leder To", None, [], at=w.clock())
        token_for(w, "leder2")
        assert decide(w, grant["id"], leader="leder2").status_code == 200

    def test_only_a_leader_of_the_municipality_sees_and_decides(self, admin_world: World) -> None:
        w = admin_world
        add_user(w, "ola", "allocation")
        grant = waiting_for(w, "ola")
        w.accounts.add_user(NEIGHBOUR, "nabo", Role.LEADER, "Nabo", None, [], at=w.clock())
        token_for(w, "nabo")

        assert decide(w, grant["id"], leader="nabo").status_code == 404
        assert [g for g in grants_of(w, "nabo") if "ola" in g["who"]] == []
        for other in ("admin", "saksbehandler", "sykepleier"):
            assert w.client.get(GRANTS, headers=w.headers(other)).status_code == 403
            refused = decide(w, grant["id"], leader=other)
            assert refused.status_code == 403, (other, refused.text)
        assert waiting_for(w, "ola")["state"] == "waiting"


class TestTheSetupLink:
    def test_the_link_checks_the_password_and_is_spent_by_its_first_use(
        self, admin_world: World
    ) -> None:
        w = admin_world
        path = add_user(w, "ola", "nurse", ("KORT",))["setup_link"].removeprefix(
            "http://testserver"
        )
        browser = TestClient(w.client.app)
        token = csrf_token_of(browser, path)

        def choose(password: str, again: str) -> httpx.Response:
            form = {"password": password, "again": again, "csrf_token": token}
            return browser.post(path, data=form)

        assert choose("et langt passord", "et annet passord").status_code == 422
        assert choose("kort", "kort").status_code == 422
        assert choose("ola", "ola").status_code == 422
        without_csrf = browser.post(
            path, data={"password": "x" * 12, "again": "x" * 12, "csrf_token": "feil"}
        )
        assert without_csrf.status_code == 403
        assert choose("et langt passord", "et langt passord").status_code == 200
        assert choose("et nytt passord!", "et nytt passord!").status_code == 404
        assert browser.get(path).status_code == 404

    def test_a_link_expires_after_72_hours_and_a_newer_one_voids_it(
        self, admin_world: World
    ) -> None:
        w = admin_world
        added = add_user(w, "ola", "nurse", ("KORT",))
        first = added["setup_link"].removeprefix("http://testserver")
        w.clock.advance(hours=71)
        assert TestClient(w.client.app).get(first).status_code == 200
        w.clock.advance(hours=2)
        assert TestClient(w.client.app).get(first).status_code == 404
        reset = w.client.post(
            f"{API}/users/{added['user']['id']}/password-reset", headers=w.headers("admin")
        )
        second = reset.json()["setup_link"].removeprefix("http://testserver")
        assert TestClient(w.client.app).get(second).status_code == 200
        again = w.client.post(
            f"{API}/users/{added['user']['id']}/password-reset", headers=w.headers("admin")
        )
        assert TestClient(w.client.app).get(second).status_code == 404
        third = again.json()["setup_link"].removeprefix("http://testserver")
        assert TestClient(w.client.app).get(third).status_code == 200


class TestTheLeadersPage:
    def test_the_page_lists_waiting_grants_and_approves_and_declines_them(
        self, admin_world: World
    ) -> None:
        w = admin_world
        add_user(w, "ola", "allocation")
        add_user(w, "kari", "nurse", ("KORT",))
        browser = TestClient(w.client.app)
        assert log_in(browser, "leder", ADMIN_PASSWORD).status_code == 303
        page = browser.get("/leder/tilganger")
        assert page.status_code == 200
        assert "Ola (ola)" in page.text and "Kari (kari)" in page.text
        assert "Har ikke satt passord ennå" in page.text and "Admin (admin)" in page.text
        token = csrf_token_of(browser, "/leder/tilganger")
        ola, kari = waiting_for(w, "ola")["id"], waiting_for(w, "kari")["id"]

        approved = browser.post(
            f"/leder/tilganger/{ola}/godkjenning",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        empty = browser.post(
            f"/leder/tilganger/{kari}/avslag", data={"csrf_token": token, "reason": ""}
        )
        declined = browser.post(
            f"/leder/tilganger/{kari}/avslag",
            data={"csrf_token": token, "reason": "Jobber ikke her"},
            follow_redirects=False,
        )

        assert approved.status_code == 303 and declined.status_code == 303
        assert empty.status_code == 422
        after = browser.get("/leder/tilganger").text
        decided = after.split('id="grants-decided"')[1]
        assert "Ola (ola)" in decided and "Godkjent av" in decided
        assert "Kari (kari)" in decided and "Jobber ikke her" in decided
        assert "Ingen tilganger venter" in after
        refused = browser.post(f"/leder/tilganger/{ola}/godkjenning", data={"csrf_token": token})
        assert refused.status_code == 409
        admin = TestClient(w.client.app)
        assert log_in(admin, "admin", ADMIN_PASSWORD).status_code == 303
        assert admin.get("/leder/tilganger").status_code == 403


class TestOneGrantWaits:
    def test_of_two_admins_asking_at_once_for_one_user_the_second_is_refused(
        self, admin_world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The second admin's read of what waits came before the first one's commit."""
        w = admin_world
        nurse = w.accounts.find("sykepleier")
        assert nurse is not None
        first = {"role": "allocation", "unit_ids": []}
        asked = w.client.patch(f"{API}/users/{nurse.id}", json=first, headers=w.headers("admin"))
        assert asked.status_code == 200, asked.text
        monkeypatch.setattr(w.system.grants, "waiting_for", lambda *_: None)

        second = {"role": "homecare", "unit_ids": [str(w.unit("NORD"))]}
        refused = w.client.patch(f"{API}/users/{nurse.id}", json=second, headers=w.headers("admin"))

        assert refused.status_code == 409 and refused.json()["code"] == "concurrent_change"
        monkeypatch.undo()
        assert waiting_for(w, "sykepleier")["role"] == "allocation"
