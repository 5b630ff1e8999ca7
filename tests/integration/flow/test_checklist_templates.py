"""Checklist templates per municipality, written by its administrator, on both stores: the
new text is checked in full, put in force for tasks opened afterwards in this municipality
only (and at once in another server process), and each version is an event and an audit row.
"""

from __future__ import annotations

import re
from html import unescape
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient
from support.admin_world import ADMIN_PASSWORD, admin_world, audit_actions
from support.logins import csrf_token_of, log_in

from boards.services.system import open_system
from boards.settings import Settings
from fixtures import CHECKLISTS_FILE

if TYPE_CHECKING:
    from support.world import World

__all__ = ["admin_world"]

API = "/api/v1/admin/checklists"
DEFAULT_TEXT = CHECKLISTS_FILE.read_text("utf-8")
ANSWER_TITLE = "Svare sykehuset samme dag"
EDITED_TEXT = DEFAULT_TEXT.replace(ANSWER_TITLE, "Ringe sykehuset innen kl. 15")


def hospital_patient_ready(w: World, user: str = "saksbehandler") -> list[str]:
    """A hospital patient just reported ready for discharge: the titles of its open tasks."""
    patient = {
        "national_id": "01018012371",
        "name": "Kari Nordmann",
        "source": "hospital",
        "location": "Sykehuset",
        "need": "Rehabilitering",
    }
    headers = w.headers(user)
    created = w.client.post("/api/v1/flows", json=patient, headers=headers)
    flow_id = created.json()["id"]
    ready = w.client.post(
        f"/api/v1/flows/{flow_id}/ready-for-discharge", json={"estimate": False}, headers=headers
    )
    assert ready.status_code == 200, ready.text
    flow = w.client.get(f"/api/v1/flows/{flow_id}", headers=headers).json()
    return [t["task"]["title"] for t in flow["tasks"]]


def write(w: World, text: str, based_on: int, user: str = "admin") -> Any:
    body = {"text": text, "based_on": based_on}
    return w.client.put(API, json=body, headers=w.headers(user))


def test_the_default_templates_are_in_force_until_the_municipality_writes_its_own(
    admin_world: World,
) -> None:
    read = admin_world.client.get(API, headers=admin_world.headers("admin")).json()
    assert read["version"] == 0 and read["text"] == DEFAULT_TEXT and read["versions"] == []
    triggers = {c["trigger"] for c in read["checklists"]}
    assert {"ReadyForDischargeNotified", "BedReserved", "PatientArrived"} <= triggers
    assert hospital_patient_ready(admin_world) == [ANSWER_TITLE]


def test_new_templates_open_new_tasks_here_and_leave_open_tasks_and_the_neighbour_alone(
    admin_world: World,
) -> None:
    before = hospital_patient_ready(admin_world)
    written = write(admin_world, EDITED_TEXT, based_on=0)
    assert written.status_code == 200, written.text
    assert written.json()["version"] == 1
    assert [v["version"] for v in written.json()["versions"]] == [1]
    assert audit_actions(admin_world) == ["checklists.written"]

    assert hospital_patient_ready(admin_world) == ["Ringe sykehuset innen kl. 15"]
    assert hospital_patient_ready(admin_world, "saksbehandler2") == [ANSWER_TITLE]
    neighbour = admin_world.client.get(API, headers=admin_world.headers("admin2")).json()
    assert neighbour["version"] == 0
    assert before == [ANSWER_TITLE]


def test_a_broken_text_is_422_naming_line_and_field_and_records_nothing(
    admin_world: World,
) -> None:
    position = admin_world.flows.recorder.max_notification_id()
    broken = EDITED_TEXT.replace("owner: allocation", "owner: kontoret", 1)
    refused = write(admin_world, broken, based_on=0)
    assert refused.status_code == 422
    line = next(i for i, row in enumerate(broken.splitlines(), 1) if "owner: kontoret" in row)
    assert f"linje {line}, felt 0.tasks.0.owner" in refused.json()["detail"]
    assert write(admin_world, "", based_on=0).status_code == 422
    assert write(admin_world, "x" * 100_001, based_on=0).status_code == 422
    assert admin_world.flows.recorder.max_notification_id() == position
    assert audit_actions(admin_world) == []
    assert hospital_patient_ready(admin_world) == [ANSWER_TITLE]


def test_a_text_written_from_an_older_version_is_409_and_records_nothing(
    admin_world: World,
) -> None:
    assert write(admin_world, EDITED_TEXT, based_on=0).status_code == 200
    position = admin_world.flows.recorder.max_notification_id()
    stale = write(admin_world, DEFAULT_TEXT, based_on=0)
    assert stale.status_code == 409
    assert "endret av noen andre" in stale.json()["detail"]
    assert admin_world.flows.recorder.max_notification_id() == position
    assert audit_actions(admin_world) == ["checklists.written"]


def test_the_same_text_again_records_nothing(admin_world: World) -> None:
    assert write(admin_world, EDITED_TEXT, based_on=0).json()["version"] == 1
    position = admin_world.flows.recorder.max_notification_id()
    assert write(admin_world, EDITED_TEXT, based_on=1).json()["version"] == 1
    assert admin_world.flows.recorder.max_notification_id() == position


def test_another_server_process_opens_tasks_by_the_new_templates_at_once(
    admin_world: World, database_url: str
) -> None:
    other = open_system(Settings(database_url=database_url))
    try:
        assert other.flows.checklists_in_force(admin_world.actor("admin").municipality_id)[0] == 0
        assert write(admin_world, EDITED_TEXT, based_on=0).status_code == 200
        version, catalog = other.flows.checklists_in_force(
            admin_world.actor("admin").municipality_id
        )
        assert version == 1 and catalog.text == EDITED_TEXT
        ready = catalog.for_trigger("ReadyForDischargeNotified")
        assert [t.title for t in ready[0].tasks] == ["Ringe sykehuset innen kl. 15"]
    finally:
        other.close()


def test_only_an_admin_reads_or_writes_them(admin_world: World) -> None:
    for username in ["saksbehandler", "sykepleier", "leder"]:
        headers = admin_world.headers(username)
        assert admin_world.client.get(API, headers=headers).status_code == 403
        assert write(admin_world, EDITED_TEXT, 0, username).status_code == 403
    assert admin_world.client.get(API).status_code == 401
    assert audit_actions(admin_world) == []


def textarea_of(page: str) -> str:
    found = re.search(r'<textarea id="checklists-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None
    return unescape(found.group(1))


class TestPage:
    def browser(self, w: World) -> TestClient:
        assert log_in(w.client, "admin", ADMIN_PASSWORD).status_code == 303
        return w.client

    def test_the_admin_edits_the_text_and_sees_the_new_version_in_force(
        self, admin_world: World
    ) -> None:
        browser = self.browser(admin_world)
        page = browser.get("/admin/sjekklister")
        assert "Standardmalene gjelder" in page.text
        assert textarea_of(page.text) == DEFAULT_TEXT
        form = {"text": EDITED_TEXT, "based_on": "0", "csrf_token": csrf_token_of(browser, "/")}
        saved = browser.post("/admin/sjekklister", data=form, follow_redirects=False)
        assert saved.status_code == 303
        page = browser.get("/admin/sjekklister")
        assert "Versjon 1 gjelder, skrevet av admin" in page.text
        assert "Ringe sykehuset innen kl. 15" in page.text
        assert textarea_of(page.text) == EDITED_TEXT

    def test_a_broken_text_comes_back_as_written_with_the_reason(self, admin_world: World) -> None:
        browser = self.browser(admin_world)
        broken = EDITED_TEXT.replace("hours: 24", "hours: ett døgn", 1)
        form = {"text": broken, "based_on": "0", "csrf_token": csrf_token_of(browser, "/")}
        refused = browser.post("/admin/sjekklister", data=form)
        assert refused.status_code == 422
        assert 'role="alert"' in refused.text and "felt 1.tasks.0.due.hours" in refused.text
        assert textarea_of(refused.text) == broken
        assert audit_actions(admin_world) == []

    def test_without_the_csrf_token_nothing_is_written(self, admin_world: World) -> None:
        browser = self.browser(admin_world)
        form = {"text": EDITED_TEXT, "based_on": "0"}
        assert browser.post("/admin/sjekklister", data=form).status_code == 403
        assert audit_actions(admin_world) == []
