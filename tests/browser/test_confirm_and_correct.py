"""Confirm and correct, in the browser as the nurse and the office work: an arrival asks once
more naming the patient's open tasks, "Avbryt" gives nothing and puts the focus back, and a
command given by mistake is undone from the board by its giver ("Angre"), or later from the
patient's page by the office with a reason; closing names the tasks it cancels."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from playwright.sync_api import Page, expect
from support.axe import axe_violations
from support.confirming import asked
from support.demo_patients import DEMO, NORD, OFFICE, SOLSIDEN, reserved_on_solsiden

from access.accounts import Role
from boards.app import utc_now
from flow.actor import Actor
from flow.flow_values import DischargePlan
from flow.vocabulary import BedStatus, Destination, Phase

if TYPE_CHECKING:
    from conftest import LiveServer

    Screenshot = Callable[[Page, str], None]

OTHER_NURSE = Actor("natt-sykepleier", Role.NURSE.value, DEMO)
_numbers = random.Random("corrections")


def reserved(server: LiveServer, name: str) -> tuple[UUID, str]:
    """A hospital patient, ready, with a free bed on Solsiden reserved: the flow and bed."""
    return reserved_on_solsiden(server.system, name, _numbers, ready=True)


def test_an_arrival_asks_first_naming_the_open_tasks_and_is_undone_from_the_board(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    flow_id, bed = reserved(server, "Agnes Angrer")
    open_titles = [
        s.task.title for s in server.system.flows.flow(flow_id, OFFICE).tasks if s.loop_open
    ]
    assert open_titles, "the reservation opened the unit's tasks"
    nurse = logged_in("sykepleier")
    line = nurse.locator(f"#arrival-{flow_id}")
    ask = line.locator("button.ask")

    confirm = asked(line, "Registrere ankomst")

    question = line.locator(".confirm")
    expect(question).to_contain_text("Registrere ankomst: Agnes Angrer?")
    expect(question).to_contain_text(f"Åpne oppgaver: {len(open_titles)}")
    for title in open_titles:
        expect(question.locator(".confirm-tasks")).to_contain_text(title)
    take_screenshot(nurse, "bekreft-ankomst")
    assert axe_violations(nurse) == []  # the question, its list and its buttons too
    question.get_by_role("button", name="Avbryt").click()
    expect(question).to_have_count(0)
    expect(ask).to_be_focused()
    assert server.system.flows.flow(flow_id, OFFICE).phase == Phase.READY  # nothing given

    confirm = asked(line, "Registrere ankomst")
    confirm.click()
    said = nurse.locator("#said")
    expect(said).to_have_text(re.compile("^Agnes Angrer: ankomst registrert"))
    expect(nurse.locator(f"#bed-{bed}")).to_contain_text("Opptatt")
    take_screenshot(nurse, "angre-ankomst")
    assert axe_violations(nurse) == []  # the words and the button beside them

    said.get_by_role("button", name="Angre").click()

    expect(said).to_have_text(re.compile("^Agnes Angrer: korrigert"))
    expect(nurse.locator(f"#bed-{bed}")).to_contain_text("Reservert")
    expect(nurse.locator(f"#arrival-{flow_id}")).to_be_visible()
    flow = server.system.flows.flow(flow_id, OFFICE)
    assert (flow.phase, flow.stay, flow.arrived_at) == (Phase.READY, None, None)
    unit = server.system.flows.unit(SOLSIDEN, OFFICE)
    assert {b.name: b.status for b in unit.beds}[bed] == BedStatus.RESERVED
    nurse.goto(f"{server.url}/tildeling/forlop/{flow_id}")
    history = nurse.locator("#patient-history")
    expect(history.locator(".corrected")).to_have_text("Ankomst registrert")
    expect(history).to_contain_text("Korrigert: ankomsten var registrert ved en feil")
    take_screenshot(nurse, "historikk-korrigert")


def test_the_office_corrects_another_s_discharge_on_the_patient_s_page_with_a_reason(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    flow_id, bed = reserved(server, "Dagny Utskrevet")
    flows, now = server.system.flows, utc_now()
    flows.arrive(flow_id, by=OTHER_NURSE, at=now)
    plan = DischargePlan(date.today(), False, Destination.HOME, NORD)
    flows.plan_discharge(flow_id, plan, by=OTHER_NURSE, at=now)
    flows.discharge(flow_id, by=OTHER_NURSE, at=now)
    office = logged_in("saksbehandler")
    office.goto(f"{server.url}/tildeling/forlop/{flow_id}")
    section = office.locator("#patient-correction")
    expect(section).to_contain_text("Siste registrering: Skrevet ut")
    reason = section.get_by_label(re.compile("^Begrunnelse"))
    expect(reason).to_have_attribute("required", "")  # another's: the office says why
    take_screenshot(office, "korrigere-utskrivning")
    assert axe_violations(office) == []

    reason.fill("Utskrevet på feil pasient")
    section.get_by_role("button", name="Korriger: registrert ved en feil").click()

    history = office.locator("#patient-history")
    expect(history).to_contain_text(
        "Korrigert: utskrivningen var registrert ved en feil (Utskrevet på feil pasient)"
    )
    expect(office.locator("#patient-correction")).to_have_count(0)
    flow = flows.flow(flow_id, OFFICE)
    assert (flow.phase, flow.stay is not None) == (Phase.ON_STAY, True)
    unit = flows.unit(SOLSIDEN, OFFICE)
    assert {b.name: b.status for b in unit.beds}[bed] == BedStatus.OCCUPIED


def test_closing_names_the_open_tasks_it_cancels_and_asks_for_a_tick(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    flow_id, _ = reserved(server, "Karl Avslutt")
    office = logged_in("saksbehandler")
    card = office.locator(f"#flow-{flow_id}")
    card.get_by_text(re.compile("^Handlinger")).click()
    card.locator("details.command summary", has_text="Avslutte forløpet").click()
    form = card.locator("form[hx-post$='/closing']")
    open_titles = [s.task.title for s in server.system.flows.flow(flow_id, OFFICE).tasks]
    expect(form).to_contain_text(f"Disse åpne oppgavene avbrytes ({len(open_titles)}")
    for title in open_titles:
        expect(form.locator(".confirm-tasks")).to_contain_text(title)
    tick = form.get_by_label("Ja, avslutt forløpet og avbryt oppgavene")
    expect(tick).to_have_attribute("required", "")
    take_screenshot(office, "avslutte-med-oppgaver")
    assert axe_violations(office) == []

    form.get_by_role("button", name="Lagre").click()  # not ticked: the browser says so

    assert server.system.flows.flow(flow_id, OFFICE).phase != Phase.CLOSED
    tick.check()
    form.get_by_role("button", name="Lagre").click()
    expect(office.locator(f"#flow-{flow_id}")).to_have_count(0)
    assert server.system.flows.flow(flow_id, OFFICE).phase == Phase.CLOSED


def test_a_move_from_the_menu_is_said_with_the_patient_s_name_and_undone(
    logged_in: Callable[[str], Page], server: LiveServer
) -> None:
    flow_id, bed = reserved(server, "Mona Flytter")
    server.system.flows.arrive(flow_id, by=OFFICE, at=utc_now())
    nurse = logged_in("sykepleier")
    slot = nurse.locator(f"#bed-{bed}")
    slot.get_by_text(re.compile("^Handlinger")).click()
    slot.locator("details.command summary", has_text="Flytte til annen seng").click()
    move = slot.locator("form[hx-post$='/move']")
    to_bed = move.locator("select[name=bed] option").first.inner_text()
    move.get_by_role("button", name="Lagre").click()

    said = nurse.locator("#said")
    expect(said).to_have_text(re.compile("^Mona Flytter: flyttet til ny seng"))
    expect(nurse.locator(f"#bed-{to_bed}")).to_contain_text("Mona Flytter")
    said.get_by_role("button", name="Angre").click()

    expect(said).to_have_text(re.compile("^Mona Flytter: korrigert"))
    expect(nurse.locator(f"#bed-{bed}")).to_contain_text("Mona Flytter")
    expect(nurse.locator(f"#bed-{to_bed}")).not_to_contain_text("Mona Flytter")
    stay = server.system.flows.flow(flow_id, OFFICE).stay
    assert stay is not None and stay.bed == bed
