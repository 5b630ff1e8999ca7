"""Two browsers on one board: a change made in one shows in the other within a second,
while a half-filled form in the other keeps its text."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

    Screenshot = Callable[[Page, str], None]


def test_an_arrival_on_one_board_moves_the_card_on_another_and_a_half_filled_form_stays(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    first, second = logged_in("saksbehandler"), logged_in("saksbehandler")
    for page in (first, second):
        expect(page.locator("#column-on_stay")).to_be_visible()
    # The second caseworker is half-way through answering the hospital about another patient.
    answering_id = second.locator("#cards-ready article.card").first.get_attribute("id")
    answering = second.locator(f"#{answering_id}")
    answering.get_by_text(re.compile("^Handlinger")).click()
    answering.get_by_text("Svare sykehuset").click()
    note = answering.locator("input[name=note]").first
    note.fill("Ringer tilbake etter visitt")
    # The first registers an arrival.
    arrive = first.get_by_role("button", name="Registrere ankomst")
    card = first.locator(f"article.card:not(#{answering_id})").filter(has=arrive).first
    flow_id = card.get_attribute("id")
    expect(second.locator(f"#cards-on_stay #{flow_id}")).to_have_count(0)
    clicked = time.monotonic()
    card.get_by_role("button", name="Registrere ankomst").click()
    expect(second.locator(f"#cards-on_stay #{flow_id}")).to_be_visible(timeout=5000)
    shown_after = time.monotonic() - clicked
    expect(second.locator(f"#{flow_id}")).to_have_count(1)
    expect(note).to_have_value("Ringer tilbake etter visitt")
    take_screenshot(second, "tildeling-direkte")
    assert shown_after < 1.0, f"the other board showed the arrival after {shown_after:.2f} s"
