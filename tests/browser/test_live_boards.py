"""A unit's board in one browser, the allocation board in another: what the office does
shows on the nurse's board within a second, and her half-written rejection stays."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from sqlalchemy import select
from support.confirming import asked

from flow.municipality import municipality_id, unit_id
from projections.bed_grid import beds

if TYPE_CHECKING:
    from conftest import LiveServer

    Screenshot = Callable[[Page, str], None]

SOLSIDEN = unit_id(municipality_id("9901"), "SOLS")


def test_an_arrival_shows_on_the_units_board_while_a_rejection_being_written_stays(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    nurse, office = logged_in("sykepleier"), logged_in("saksbehandler")
    expect(nurse).to_have_url(re.compile(f"/enheter/{SOLSIDEN}$"))
    with server.system.engine.connect() as db:
        reserved = db.execute(
            select(beds.c.bed, beds.c.flow_id).where(
                beds.c.unit_id == SOLSIDEN, beds.c.status == "reserved"
            )
        ).first()
    assert reserved is not None, "the demo holds a bed on Solsiden for a patient on her way"
    bed = nurse.locator(f"#bed-{reserved.bed}")
    expect(bed).to_contain_text("Reservert")
    # The nurse starts sending a task back: the reason is half written, not sent.
    rejection = nurse.locator("#tasks details[id^=reject-]").first
    rejection.locator("summary").click()
    reason = rejection.locator("input[name=reason]")
    reason.fill("Epikrisen mangler")
    # The office registers the patient's arrival on its own board.
    arrive = asked(office.locator(f"#flow-{reserved.flow_id}"), "Registrere ankomst")
    with office.expect_response(lambda answer: answer.url.endswith("/arrival")):
        arrive.click()
    recorded = time.monotonic()  # the office has its answer: the arrival is recorded
    expect(bed).to_contain_text("Opptatt", timeout=5000)
    shown_after = time.monotonic() - recorded
    # The arrival opened the unit's own tasks: the list was drawn anew around her form.
    expect(nurse.locator("#tasks")).to_contain_text("Innkomstvurdering")
    expect(rejection).to_have_attribute("open", "")
    expect(reason).to_have_value("Epikrisen mangler")
    expect(reason).to_be_focused()
    reason.press_sequentially(" og legemiddellisten")
    expect(reason).to_have_value("Epikrisen mangler og legemiddellisten")
    take_screenshot(nurse, "enhet-direkte")
    # A task that came by the stream is done from it: its form, shared by every stream of
    # the unit, carries no session's token; htmx sends the page's.
    assessment = nurse.locator("#tasks li", has_text="Innkomstvurdering").first
    task_id = assessment.get_attribute("id")
    assert task_id is not None and "csrf_token" not in assessment.inner_html()
    assessment.get_by_role("button", name="Utført").click()
    expect(nurse.locator(f"#{task_id}")).to_have_count(0, timeout=5000)
    assert shown_after < 1.0, f"the unit's board showed the arrival after {shown_after:.2f} s"
