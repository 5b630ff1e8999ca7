"""Every role closes its loops from its own board, in a browser: the office completes a task
it owns and confirms one it receives, the nurse completes her unit's task and sends one back,
the reason shows on the owner's board, and a refusal shows its sentence where it was asked."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from playwright.sync_api import Page, expect
from sqlalchemy import select

from flow.municipality import municipality_id, unit_id
from projections.task_list import tasks

if TYPE_CHECKING:
    from conftest import LiveServer

    Screenshot = Callable[[Page, str], None]

SOLSIDEN = unit_id(municipality_id("9901"), "SOLS")


def open_task(server: LiveServer, owner: UUID | None, receiver: UUID | None) -> UUID:
    """An open task of the demo between these parties (None: the allocation office)."""
    owned = tasks.c.owner_unit.is_(None) if owner is None else tasks.c.owner_unit == owner
    received = (
        tasks.c.receiver_unit.is_(None) if receiver is None else tasks.c.receiver_unit == receiver
    )
    query = (
        select(tasks.c.task_id)
        .where(owned, received, tasks.c.has_receiver, tasks.c.status == "open")
        .order_by(tasks.c.due_at, tasks.c.task_id)
    )
    with server.system.engine.connect() as db:
        found = db.scalar(query)
    assert found is not None, "the demo holds such a task"
    return found


def test_the_office_and_the_nurse_close_each_others_loops_from_their_boards(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    office, nurse = logged_in("saksbehandler"), logged_in("sykepleier")
    expect(nurse).to_have_url(re.compile(f"/enheter/{SOLSIDEN}$"))
    theirs = open_task(server, None, SOLSIDEN)  # the office's, for Solsiden to confirm
    room = open_task(server, SOLSIDEN, None)  # Solsiden's, for the office to confirm
    take_screenshot(office, "oppgaver-tildeling")
    take_screenshot(nurse, "oppgaver-enhet")

    # The office completes a task it owns: it waits for Solsiden now.
    row = office.locator(f"#tasks-to_do #task-{theirs}")
    expect(row.get_by_role("button", name="Bekreft")).to_have_count(0)
    row.get_by_role("button", name="Utført").click()
    expect(office.locator(f"#tasks-waiting_for_others #task-{theirs}")).to_be_visible()
    expect(office.locator(f"#task-{theirs}").get_by_role("button")).to_have_count(0)

    # The nurse completes her unit's task; it reaches the office's list to confirm, live.
    nurse.locator(f"#tasks-to_do #task-{room}").get_by_role("button", name="Utført").click()
    expect(nurse.locator(f"#tasks-waiting_for_others #task-{room}")).to_be_visible()
    to_confirm = office.locator(f"#tasks-to_confirm #task-{room}")
    expect(to_confirm).to_be_visible(timeout=5000)
    to_confirm.get_by_role("button", name="Bekreft").click()
    expect(office.locator(f"#task-{room}")).to_have_count(0)

    # The nurse sends the office's task back; a reason of blanks is refused in place.
    received = nurse.locator(f"#tasks-to_confirm #task-{theirs}")
    expect(received).to_be_visible(timeout=5000)
    received.locator("summary").click()
    received.locator("input[name=reason]").fill("   ")
    received.get_by_role("button", name="Send tilbake").click()
    refusal = nurse.locator(f"#refusal-task-{theirs}")
    expect(refusal).to_contain_text(re.compile(r"\w{4,}"))
    take_screenshot(nurse, "oppgaver-avvisning-i-stedet")
    received.locator("input[name=reason]").fill("Mangler doseringer")
    received.get_by_role("button", name="Send tilbake").click()
    expect(nurse.locator(f"#task-{theirs}")).to_have_count(0)

    # The owner's board says it came back: why, by whom and when, with its button again.
    back = office.locator(f"#tasks-to_do #task-{theirs}")
    expect(back).to_contain_text("Sendt tilbake", timeout=5000)
    expect(back).to_contain_text("Mangler doseringer")
    expect(back.get_by_role("button", name="Utført")).to_be_visible()
    take_screenshot(office, "oppgaver-sendt-tilbake")


def test_a_refused_action_shows_its_sentence_beside_the_button(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    """The task was done in another tab: the stale button's refusal shows where it was."""
    office = logged_in("saksbehandler")
    office.route(re.compile(r"/strom"), lambda route: route.abort())  # no live updates here
    office.reload()
    theirs = open_task(server, None, SOLSIDEN)
    stale = office.locator(f"#tasks-to_do #task-{theirs}")
    expect(stale).to_be_visible()
    other = logged_in("saksbehandler")
    other.locator(f"#tasks-to_do #task-{theirs}").get_by_role("button", name="Utført").click()
    expect(other.locator(f"#tasks-waiting_for_others #task-{theirs}")).to_be_visible()
    stale.get_by_role("button", name="Utført").click()
    refusal = office.locator(f"#refusal-task-{theirs}")
    expect(refusal).to_contain_text(re.compile(r"\w{4,}"), timeout=5000)
    expect(office.locator(f"#tasks-to_do #task-{theirs}")).to_be_visible()  # nothing else moved
    take_screenshot(office, "oppgaver-nektet")
