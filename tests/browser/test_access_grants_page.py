"""Four eyes on access in a real browser: the admin adds an allocation-office user and gets a
link, never a password; the user sets her own password and waits; the leader approves on
the page of grants; the user's next page is the allocation board."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from playwright.sync_api import Browser, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

Screenshot = Callable[[Page, str], None]


def _log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/logg-inn")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def test_admin_asks_the_user_sets_her_password_the_leader_approves_and_she_sees_the_board(
    browser: Browser,
    server: LiveServer,
    logged_in: Callable[[str], Page],
    take_screenshot: Screenshot,
) -> None:
    admin = browser.new_page(viewport={"width": 1400, "height": 1000})
    _log_in(admin, server.url, "admin", "demo-admin")
    admin.goto(f"{server.url}/admin/brukere")
    admin.fill("input[name=display_name]", "Olga Tildeling")
    admin.fill("input[name=username]", "olga")
    admin.select_option("select[name=role]", "allocation")
    admin.get_by_role("button", name="Opprett bruker").click()
    link = admin.locator("#setup-link").inner_text()
    assert "/passord/" in link
    expect(admin.locator("#new-user")).to_contain_text("gjelder først når en leder har godkjent")
    expect(admin.locator("#new-user")).not_to_contain_text("passordet til brukeren")
    take_screenshot(admin, "tilgang-1-admin-ny-bruker")

    olga = browser.new_page(viewport={"width": 1400, "height": 1000})
    olga.goto(link)
    expect(olga.get_by_role("heading", name="Sett passordet ditt")).to_be_visible()
    olga.fill("input[name=password]", "olgas eget passord")
    olga.fill("input[name=again]", "olgas eget passord")
    take_screenshot(olga, "tilgang-2-sett-passord")
    olga.get_by_role("button", name="Sett passordet").click()
    expect(olga.get_by_role("heading", name="Passordet er satt")).to_be_visible()
    _log_in(olga, server.url, "olga", "olgas eget passord")
    expect(olga.locator("#access-waiting")).to_contain_text("venter på godkjenning fra leder")
    take_screenshot(olga, "tilgang-3-venter")
    assert olga.goto(f"{server.url}/tildeling").status == 403

    leader = logged_in("leder")
    leader.goto(f"{server.url}/leder/tilganger")
    row = leader.locator("#grants-waiting tr", has_text="Olga Tildeling")
    expect(row).to_contain_text("tildelingskontor")
    expect(row).to_contain_text("Satte passordet selv")
    expect(row).to_contain_text("Anne Admin")
    take_screenshot(leader, "tilgang-4-leder-venter")
    row.get_by_role("button", name="Godkjenn").click()
    expect(leader.locator("#grants-decided")).to_contain_text("Olga Tildeling")
    expect(leader.locator("#grants-waiting")).not_to_contain_text("Olga Tildeling")
    take_screenshot(leader, "tilgang-5-leder-godkjent")

    olga.goto(server.url)
    expect(olga).to_have_url(re.compile("/tildeling$"))
    expect(olga.get_by_role("heading", name=re.compile("Utskrivningsklar"))).to_be_visible()
    take_screenshot(olga, "tilgang-6-tildelingstavle")

    admin.goto(f"{server.url}/admin/brukere")
    admin.get_by_role("link", name="Olga Tildeling").click()
    expect(admin.locator("#access")).to_contain_text("tildelingskontor")
    admin.get_by_role("button", name="Lag ny passordlenke").click()
    expect(admin.locator("#new-link")).to_contain_text("Det gamle passordet virker ikke lenger")
    expect(admin.locator("#waiting")).to_contain_text("tildelingskontor")
    take_screenshot(admin, "tilgang-7-admin-ny-lenke")
    olga.goto(f"{server.url}/tildeling")
    expect(olga).to_have_url(re.compile("/logg-inn$"))  # her session ended with the reset
    for page in (admin, olga):
        page.close()
