"""Two browsers on one board, on one server process and on two sharing PostgreSQL: a change
made in one shows in the other within a second of being recorded (SPEC: once a command is
recorded, every open board it changed updates within a second; timed from the answer to the
command, which comes once it is recorded and the giver's own board is drawn), while a
half-filled form in the other keeps its text."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from support.confirming import asked
from support.world import server_process

from boards.services.system import open_system
from boards.settings import Settings
from fixtures import demo

if TYPE_CHECKING:
    from conftest import LiveServer

    Screenshot = Callable[[Page, str], None]


def test_an_arrival_on_one_board_moves_the_card_on_another_and_a_half_filled_form_stays(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    first, second = logged_in("saksbehandler"), logged_in("saksbehandler")
    shown_after = arrival_seen_in_other_board(first, second)
    take_screenshot(second, "tildeling-direkte")
    assert shown_after < 1.0, f"the other board showed the arrival after {shown_after:.2f} s"


@pytest.mark.postgres
def test_two_browsers_on_two_server_processes_show_the_same_change_within_a_second(
    logged_in_at: Callable[[str, str], Page], postgres_url: str, take_screenshot: Screenshot
) -> None:
    """The servers share one PostgreSQL; the second hears of the first's event by NOTIFY."""
    system = open_system(Settings(database_url=postgres_url))
    try:
        demo.load(system.flows, system.accounts, system.grants, datetime.now(UTC))
    finally:
        system.close()
    with server_process(postgres_url) as a, server_process(postgres_url) as b:
        first, second = (logged_in_at(base, "saksbehandler") for base in (a, b))
        shown_after = arrival_seen_in_other_board(first, second)
        take_screenshot(second, "tildeling-to-prosesser")
    assert shown_after < 1.0, f"the other process's board showed it after {shown_after:.2f} s"


def arrival_seen_in_other_board(first: Page, second: Page) -> float:
    """An arrival registered on the first board; seconds until the second shows it, while
    a half-filled form on the second keeps its text."""
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
    confirm = asked(card, "Registrere ankomst")
    with first.expect_response(lambda answer: answer.url.endswith("/arrival")):
        confirm.click()
    recorded = time.monotonic()  # the first has its answer: the arrival is recorded
    expect(second.locator(f"#cards-on_stay #{flow_id}")).to_be_visible(timeout=5000)
    shown_after = time.monotonic() - recorded
    expect(second.locator(f"#{flow_id}")).to_have_count(1)
    expect(note).to_have_value("Ringer tilbake etter visitt")
    return shown_after
