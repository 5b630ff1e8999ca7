"""The patient's page and the ward's and home care's own commands, in a real browser: a
broken loop's link opens the page of a patient who has gone home; the nurse registers an
arrival from her unit's board and raises a fall-risk flag; the home-care user starts home
care from her zone's board; refusals show their sentence where the button was, a 409 and a
403 alike."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from playwright.sync_api import Page, expect
from support.confirming import asked, given
from support.demo_patients import DEMO, NORD, OFFICE, SOLSIDEN, reserved_on_solsiden

from access.accounts import Role
from boards.app import utc_now
from fixtures.demo import synthetic_national_id
from flow.actor import Actor
from flow.flow_values import Decision, DischargePlan
from flow.vocabulary import Destination, Phase, ServiceKind, Source

if TYPE_CHECKING:
    from conftest import LiveServer

    Screenshot = Callable[[Page, str], None]

_numbers = random.Random("patient pages")


def reserved(server: LiveServer, name: str) -> tuple[UUID, str]:
    """A new hospital patient with a free bed on Solsiden reserved: the flow and the bed."""
    return reserved_on_solsiden(server.system, name, _numbers)


def test_a_broken_loop_link_opens_the_page_of_a_patient_who_has_gone_home(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    page = logged_in("saksbehandler")
    links = [a.get_attribute("href") or "" for a in page.locator("#column-broken_loops a").all()]
    gone = [href for href in links if page.locator(f"#flow-{href.rsplit('/', 1)[-1]}").count() == 0]
    assert gone, "the demo has broken loops of patients no longer on the board"
    flow_id = UUID(gone[0].rsplit("/", 1)[-1])
    assert server.system.flows.flow(flow_id, OFFICE).phase in (Phase.HOME_CARE, Phase.CLOSED)
    page.locator(f"#column-broken_loops a[href='{gone[0]}']").first.click()
    expect(page).to_have_url(re.compile(f"/tildeling/forlop/{flow_id}$"))
    expect(page.locator("#patient-history")).to_contain_text("Skrevet ut")
    expect(page.locator("#patient-tasks li.overdue").first).to_be_visible()  # the loop
    expect(page.locator("#patient-access-log")).to_be_visible()
    take_screenshot(page, "pasientside-hjemme")


def test_the_nurse_registers_an_arrival_and_raises_a_fall_risk_flag_from_her_board(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    flow_id, bed = reserved(server, "Astrid Ankomst")
    nurse = logged_in("sykepleier")
    expect(nurse).to_have_url(re.compile(f"/enheter/{SOLSIDEN}$"))
    arrival = nurse.locator(f"#arrival-{flow_id}")
    take_screenshot(nurse, "enhet-ankomster")
    given(arrival, "Registrere ankomst")
    expect(nurse.locator(f"#bed-{bed}")).to_contain_text("Opptatt")
    expect(nurse.locator(f"#arrival-{flow_id}")).to_have_count(0)
    assert server.system.flows.flow(flow_id, OFFICE).phase == Phase.ON_STAY

    slot = nurse.locator(f"#bed-{bed}")
    slot.get_by_text(re.compile("^Handlinger")).click()
    slot.get_by_text("Sette risikoflagg").click()
    slot.locator("select[name=flag]").select_option("fall")
    slot.locator("details.command[open]").get_by_role("button", name="Lagre").click()
    expect(nurse.locator(f"#bed-{bed} .flags")).to_contain_text("fallrisiko")
    assert server.system.flows.flow(flow_id, OFFICE).safety_flags == ["fall"]
    take_screenshot(nurse, "enhet-fallrisiko")


def test_the_home_care_user_starts_home_care_from_her_zone_s_board(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    flows, now = server.system.flows, utc_now()
    flow_id = flows.open_flow(
        synthetic_national_id(_numbers), "Helge Hjemkomst", Source.HOSPITAL, "Sykehuset",
        "Hjemmesykepleie", by=OFFICE, at=now,
    )  # fmt: skip
    decision = Decision(ServiceKind.HOME_CARE, None, NORD, now.date(), None)
    flows.decide_service(flow_id, decision, by=OFFICE, at=now)
    plan = DischargePlan(now.date(), False, Destination.HOME, NORD)
    flows.plan_discharge(flow_id, plan, by=OFFICE, at=now)
    flows.discharge(flow_id, by=OFFICE, at=now)

    home = logged_in("hjemmesykepleier")
    expect(home).to_have_url(re.compile(f"/soner/{NORD}$"))
    card = home.locator(f"#homecomings #flow-{flow_id}")
    expect(card).to_contain_text("Utskrevet")
    take_screenshot(home, "sone-oppstart")
    card.get_by_role("button", name="Starte hjemmetjenester").click()
    expect(home.locator(f"#homecomings #flow-{flow_id} button")).to_have_count(0)
    assert flows.flow(flow_id, OFFICE).phase == Phase.HOME_CARE


def test_refusals_show_in_place_a_stale_form_and_a_patient_only_seen(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    stale, _ = reserved(server, "Stine Sent")
    seen, _ = reserved(server, "Sigurd Sett")
    server.system.flows.arrive(seen, by=OFFICE, at=utc_now())
    nurse = logged_in("sykepleier")
    nurse.route("**/strom?*", lambda route: route.abort())  # the board holds still
    nurse.reload()

    # The office registers the arrival while the nurse is asked to confirm it: her form is a
    # version behind.
    confirm = asked(nurse.locator(f"#arrival-{stale}"), "Registrere ankomst")
    server.system.flows.arrive(stale, by=OFFICE, at=utc_now())
    confirm.click()
    expect(nurse.locator(f"#refusal-arrivals-{stale}")).to_contain_text("endret siden du så det")

    # On the patient's page, the patient goes back to hospital before the nurse saves her
    # flag: she sees the patient for 72 hours, she no longer commands the flow (403).
    nurse.goto(f"{server.url}/tildeling/forlop/{seen}")
    nurse.get_by_text(re.compile("^Handlinger")).click()
    nurse.get_by_text("Sette risikoflagg").click()
    server.system.flows.readmit(seen, "Sykehuset", by=OFFICE, at=utc_now())
    nurse.locator("details.command[open]").get_by_role("button", name="Lagre").click()
    refusal = nurse.locator(f"#refusal-{seen}")
    expect(refusal).to_contain_text("Kan ikke sette risikoflagg")
    expect(refusal).to_contain_text("72 timer")
    take_screenshot(nurse, "pasientside-avvist")
    assert server.system.flows.flow(seen, OFFICE).safety_flags == []
    expect(nurse.locator("h1")).to_contain_text("Sigurd Sett")  # the page stays as it was


def test_the_office_s_patient_page_is_live_and_confirms_a_task_done_by_the_unit(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    flow_id, _ = reserved(server, "Rolf Rom")
    flows = server.system.flows
    (room,) = [s.task.id for s in flows.flow(flow_id, OFFICE).tasks if s.task.key == "room_ready"]
    office = logged_in("saksbehandler")
    office.goto(f"{server.url}/tildeling/forlop/{flow_id}")
    row = office.locator(f"#patient-task-{room}")
    expect(row.get_by_role("button")).to_have_count(0)  # the unit's to do, not the office's
    nurse = Actor("sykepleier", Role.NURSE.value, DEMO)
    flows.complete_task(flow_id, room, "", by=nurse, member_of=[SOLSIDEN], at=utc_now())

    expect(row.get_by_role("button", name="Bekreft")).to_be_visible()  # no reload: live
    take_screenshot(office, "pasientside-bekreft")
    row.get_by_role("button", name="Bekreft").click()
    expect(row.locator(".step-TaskAcknowledged")).to_have_count(1)
    expect(office).to_have_url(re.compile(f"/tildeling/forlop/{flow_id}$"))
    assert {s.task.id: s.status for s in flows.flow(flow_id, OFFICE).tasks}[room] == "closed"
