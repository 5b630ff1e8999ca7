"""The allocation board as it stood an hour ago, asked for with the control "Vis slik det var"
in a browser (issue 28): the banner, no stream, nothing that commands, and no violation of
WCAG 2.1 A and AA that axe-core finds; a screenshot into var/screenshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from support.axe import axe_violations, described

from boards.app import utc_now
from flow.municipality import municipality_id, unit_id
from projections.past import OSLO

if TYPE_CHECKING:
    from conftest import LiveServer


def test_the_allocation_board_as_it_stood_an_hour_ago(
    logged_in_at: Callable[[str, str], Page],
    server_a_month_on: LiveServer,
    take_screenshot: Callable[[Page, str], None],
) -> None:
    """The server's clock is a month on from when the demo was loaded: an hour ago by it, the
    demo stood as loaded."""
    server = server_a_month_on
    page = logged_in_at(server.url, "saksbehandler")
    page.goto(f"{server.url}/tildeling")
    an_hour_ago = utc_now() + timedelta(days=31) - timedelta(hours=1)
    moment = an_hour_ago.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")
    page.fill("#past-per", moment)
    page.get_by_role("button", name="Vis", exact=True).click()
    page.wait_for_url(f"**/tildeling?per={moment.replace(':', '%3A')}")

    expect(page.locator("#past-banner")).to_contain_text("Slik det så ut")
    expect(page.locator("#board.past")).to_be_visible()
    assert page.locator("[sse-connect], [hx-post], #board form").count() == 0
    assert page.locator(".card").count() > 0
    assert page.locator(".past-mark").count() >= 7
    take_screenshot(page, "past-allocation-board")
    violations = axe_violations(page)
    assert violations == [], described(violations)

    page.get_by_role("link", name="Tilbake til nå").click()
    page.wait_for_load_state("load")
    expect(page.locator("#past-banner")).to_have_count(0)
    assert page.locator("[sse-connect]").count() == 1


def test_a_wall_as_it_stood_passes_axe(
    logged_in_at: Callable[[str, str], Page], server_a_month_on: LiveServer
) -> None:
    """The wall's dark page, with the banner and the control of a past view."""
    server = server_a_month_on
    page = logged_in_at(server.url, "sykepleier")
    an_hour_ago = utc_now() + timedelta(days=31) - timedelta(hours=1)
    moment = an_hour_ago.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")
    solsiden = unit_id(municipality_id("9901"), "SOLS")
    page.goto(f"{server.url}/enheter/{solsiden}/vegg?per={moment}")
    expect(page.locator("#past-banner")).to_contain_text("Slik det så ut")
    assert page.locator("[sse-connect]").count() == 0
    violations = axe_violations(page)
    assert violations == [], described(violations)
