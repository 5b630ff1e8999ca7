"""Keeping one's place on a board, by keyboard: a skip link first, and after a command focus
goes to the patient where the board now shows her while a polite live region says what was
done ("Ingrid Moen: ankomst registrert") with a link back.

WCAG 2.1 SC 2.4.1 Bypass Blocks (A): https://www.w3.org/WAI/WCAG21/Understanding/bypass-blocks.html
WCAG 2.1 SC 2.4.3 Focus Order (A): focusable components receive focus in an order that
preserves meaning and operability (focus never dropped to the page after a command):
https://www.w3.org/WAI/WCAG21/Understanding/focus-order.html
WCAG 2.1 SC 4.1.3 Status Messages (AA): a status message can be determined through its role
(role=status) and is presented without receiving focus:
https://www.w3.org/WAI/WCAG21/Understanding/status-messages.html"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from playwright.sync_api import Page, Route, expect
from sqlalchemy import select
from support.confirming import given
from support.demo_patients import OFFICE, reserved_on_solsiden

from boards.app import utc_now
from flow.vocabulary import SafetyFlag
from projections.task_list import tasks

if TYPE_CHECKING:
    from conftest import LiveServer


def focused_patient_link(page: Page) -> str:
    """The patient page the focused element links to ('' if it is no such link)."""
    return str(page.evaluate("document.activeElement.getAttribute('href') || ''"))


def test_the_first_tab_offers_the_way_past_the_menu(logged_in: Callable[[str], Page]) -> None:
    page = logged_in("saksbehandler")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_have_attribute("href", "#main")
    expect(skip).to_be_visible()


def test_after_a_task_is_done_focus_and_word_stay_with_the_patient(
    logged_in: Callable[[str], Page], server: LiveServer
) -> None:
    office = logged_in("saksbehandler")
    query = (
        select(tasks.c.task_id, tasks.c.flow_id)
        .where(tasks.c.owner_unit.is_(None), tasks.c.status == "open")
        .order_by(tasks.c.due_at, tasks.c.task_id)
    )
    with server.system.engine.connect() as db:
        task_id, flow_id = db.execute(query).first() or (None, None)
    assert task_id is not None, "the demo holds a task of the office's"
    row = office.locator(f"#tasks-to_do #task-{task_id}")
    name = row.locator("a.who").inner_text()

    row.get_by_role("button", name="Utført").click()

    expect(office.locator("#said")).to_have_text(f"{name}: oppgave utført Vis")
    assert focused_patient_link(office) == f"/tildeling/forlop/{flow_id}"
    expect(office.locator("#said a")).to_have_attribute("href", f"#task-{task_id}")


def test_after_an_arrival_the_nurse_is_at_the_patient_s_bed(
    logged_in: Callable[[str], Page],
) -> None:
    nurse = logged_in("sykepleier")
    arriving = nurse.locator("#arrivals li[id^=arrival-]").filter(
        has=nurse.get_by_role("button", name="Registrere ankomst")
    )
    expect(arriving.first).to_be_visible()
    link = arriving.first.locator('a[href^="/tildeling/forlop/"]')
    name, href = link.inner_text(), str(link.get_attribute("href"))

    given(arriving.first, "Registrere ankomst")

    expect(nurse.locator("#said")).to_have_text(re.compile(f"^{name}: ankomst registrert"))
    assert focused_patient_link(nurse) == href
    bed = nurse.locator(".beds [id^=bed-]").filter(has=nurse.locator(f'a[href="{href}"]'))
    expect(bed).to_have_count(1)  # she is in her bed now, and focus is there (once the
    # board's models have the arrival: the page may be drawn before they do)
    nurse.wait_for_function(
        "href => document.activeElement.closest('.beds [id^=bed-]') !== null"
        " && document.activeElement.getAttribute('href') === href",
        arg=href,
        timeout=5000,
    )


def in_a_bed(server: LiveServer, name: str) -> tuple[UUID, str]:
    """A new patient arrived in a bed on Solsiden: the flow and the bed."""
    flow_id, bed = reserved_on_solsiden(server.system, name, random.Random(name))
    server.system.flows.arrive(flow_id, by=OFFICE, at=utc_now())
    return flow_id, bed


def test_a_live_redraw_of_the_bed_keeps_its_open_command_menu_and_its_forms(
    logged_in: Callable[[str], Page], server: LiveServer
) -> None:
    flow_id, bed = in_a_bed(server, "Mina Meny")
    nurse = logged_in("sykepleier")
    slot = nurse.locator(f"#bed-{bed}")
    expect(slot).to_contain_text("Opptatt")
    slot.get_by_text(re.compile("^Handlinger")).click()
    # Another user's changes redraw the bed by the stream, before and after the menu's forms
    # have come.
    for flag, word in ((SafetyFlag.DELIRIUM, "delirium"), (SafetyFlag.FALL, "fallrisiko")):
        server.system.flows.raise_safety_flag(flow_id, flag, by=OFFICE, at=utc_now())
        expect(slot.locator(".flags")).to_contain_text(word)
        expect(slot.locator("details.more")).to_have_attribute("open", "")
        expect(slot.get_by_text("Sette risikoflagg")).to_be_visible()


def test_a_menu_whose_forms_did_not_come_says_so_and_tries_again_when_opened_again(
    logged_in: Callable[[str], Page], server: LiveServer
) -> None:
    flow_id, bed = in_a_bed(server, "Frode Feil")
    nurse = logged_in("sykepleier")
    failing = {"left": 1}

    def once_unreachable(route: Route) -> None:
        if failing["left"]:
            failing["left"] -= 1
            route.abort()
        else:
            route.continue_()

    nurse.route(f"**/tildeling/forlop/{flow_id}/handlinger", once_unreachable)
    menu = nurse.locator(f"#bed-{bed} details.more")
    menu.locator("summary").click()
    expect(menu).to_contain_text("Handlingene kom ikke")
    menu.locator("summary").click()  # closed
    menu.locator("summary").click()  # and opened again
    expect(menu.get_by_text("Sette risikoflagg")).to_be_visible()
    assert failing["left"] == 0
