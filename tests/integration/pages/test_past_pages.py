"""Every board's page as it stood at a past moment, `?per=` (issue 28): read-only (no form
that commands, no button, no stream, nothing polled), marked with the moment on every part,
the control that asks for a moment on every board, the way back to now, the rules of
today, and each past view in the access log under its own name with the moment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import html
from sqlalchemy import select
from support.api_client import reserved_flow
from support.logins import NURSE_PASSWORD, log_in

from access.access_log import access_log

if TYPE_CHECKING:
    from support.world import World

#: The world's clock starts at 09:00 in Oslo; the reserved flow is made then.
AT = "2026-03-02T09:30"
MARK = "per 2.3. 09:30"


def read_only(page: html.HtmlElement) -> None:
    """No form but the find, the moment's control and the logout; nothing that posts, streams
    or polls; no button but theirs."""
    forms = page.xpath("//form")
    assert {f.get("id") or f.get("class") for f in forms} <= {"find", "past-control", None}
    assert all(
        f.get("method", "get").lower() == "get" for f in forms if f.get("action") != "/logg-ut"
    )
    assert not page.xpath("//*[@hx-post or @hx-get or @hx-trigger or @sse-connect or @hx-ext]")
    buttons = page.xpath("//button")
    assert all(b.xpath("ancestor::form") for b in buttons)


def marked(page: html.HtmlElement, headings: list[str]) -> None:
    banner = " ".join(page.get_element_by_id("past-banner").text_content().split())
    assert banner.startswith("Slik det så ut 2. mars 2026 09:30")
    assert "Tilbake til nå" in banner
    for heading in headings:
        text = " ".join(page.get_element_by_id(heading).text_content().split())
        assert MARK in text, heading
    assert page.get_element_by_id("past-per").get("value") == AT


def looks(world: World) -> list[str]:
    with world.system.engine.connect() as db:
        return list(db.scalars(select(access_log.c.view).order_by(access_log.c.id)))


def test_the_allocation_board_as_it_stood(world: World) -> None:
    flow_id, _ = reserved_flow(world)
    world.clock.advance(hours=2)
    assert log_in(world.client).status_code == 303

    now = html.fromstring(world.client.get("/tildeling").text)
    assert now.xpath("//*[@sse-connect]") and now.get_element_by_id("past-per") is not None
    assert not now.xpath("//*[@id='past-banner']")

    response = world.client.get(f"/tildeling?per={AT}")
    assert response.status_code == 200, response.text
    page = html.fromstring(response.text)
    read_only(page)
    columns = ["in_hospital", "ready", "waiting_for_bed", "on_stay", "going_home"]
    marked(page, [f"title-{c}" for c in columns] + ["tasks-title", "title-broken"])
    assert page.get_element_by_id(f"flow-{flow_id}") is not None
    assert not page.xpath("//*[@id='planning']")  # today's forecast is not the past's
    assert looks(world)[-1] == f"per/tildeling@{AT}"

    before = world.client.get("/tildeling?per=2026-03-02T08:30")
    assert before.status_code == 404
    assert world.client.get("/tildeling?per=i%20morgen").status_code == 422


def test_a_unit_its_wall_and_a_zone_as_they_stood(world: World) -> None:
    flow_id, _ = reserved_flow(world)
    world.clock.advance(hours=2)
    assert log_in(world.client, "sykepleier", NURSE_PASSWORD).status_code == 303
    kort, utred = world.unit("KORT"), world.unit("UTRED")

    unit = world.client.get(f"/enheter/{kort}?per={AT}")
    assert unit.status_code == 200, unit.text
    page = html.fromstring(unit.text)
    read_only(page)
    marked(page, ["beds-title", "arrivals-title", "departures-title", "tasks-title"])
    assert page.xpath(f"//*[@data-flow='{flow_id}']")
    assert looks(world)[-1] == f"per/enhet@{AT}"

    wall = html.fromstring(world.client.get(f"/enheter/{kort}/vegg?per={AT}").text)
    read_only(wall)
    assert "Slik det så ut" in wall.get_element_by_id("past-banner").text_content()

    assert world.client.get(f"/enheter/{utred}?per={AT}").status_code == 403
    assert world.client.get(f"/tildeling?per={AT}").status_code == 403


def test_a_zone_as_it_stood(world: World) -> None:
    reserved_flow(world)
    world.clock.advance(hours=2)
    assert log_in(world.client).status_code == 303
    zone = world.client.get(f"/soner/{world.unit('NORD')}?per={AT}")
    assert zone.status_code == 200, zone.text
    page = html.fromstring(zone.text)
    read_only(page)
    marked(page, ["home-title", "tasks-title"])


def test_the_patient_s_page_as_it_stood_while_she_is_hers_to_see_now(world: World) -> None:
    """The rule of today: the nurse of KORT saw the patient reserved there at 09:30; once the
    reservation is cancelled and the decision is for UTRED, the patient is not hers now, and
    neither is the patient's past."""
    flow_id, _ = reserved_flow(world)
    world.clock.advance(hours=2)
    assert log_in(world.client).status_code == 303
    response = world.client.get(f"/tildeling/forlop/{flow_id}?per={AT}")
    assert response.status_code == 200, response.text
    page = html.fromstring(response.text)
    read_only(page)
    marked(page, ["facts-title", "tasks-title", "history-title"])
    assert looks(world)[-1] == f"per/pasientside@{AT}"
    assert not page.xpath("//*[@id='patient-correction']")

    nurse = world.client.__class__(world.client.app)
    assert log_in(nurse, "sykepleier", NURSE_PASSWORD).status_code == 303
    assert nurse.get(f"/tildeling/forlop/{flow_id}?per={AT}").status_code == 200
    office, utred = world.headers(), str(world.unit("UTRED"))
    for path, body in [
        ("reservation/cancellation", {"reason": "Feil enhet"}),
        ("decision", {"service": "short_term_stay", "unit_id": utred, "starts_on": "2026-03-03"}),
    ]:
        answer = world.client.post(f"/api/v1/flows/{flow_id}/{path}", json=body, headers=office)
        assert answer.status_code == 200, answer.text
    assert nurse.get(f"/tildeling/forlop/{flow_id}").status_code == 404
    assert nurse.get(f"/tildeling/forlop/{flow_id}?per={AT}").status_code == 404
