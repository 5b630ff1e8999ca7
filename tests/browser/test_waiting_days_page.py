"""The waiting-day statement in a real browser: the office reaches it from its board and
sees a table per hospital with its sum, the month's total and the downloads."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

Screenshot = Callable[[Page, str], None]


def test_the_office_reaches_the_statement_from_its_board_and_sees_the_table(
    logged_in: Callable[[str], Page], take_screenshot: Screenshot
) -> None:
    page = logged_in("saksbehandler")
    page.get_by_role("link", name="Overliggedøgn per måned").click()
    expect(page).to_have_url(re.compile("/tildeling/overliggedogn$"))
    expect(page.get_by_role("heading", name=re.compile("Overliggedøgn per måned"))).to_be_visible()
    table = page.locator("table.statement-table").first
    expect(table.locator("caption")).not_to_be_empty()
    expect(table.get_by_role("columnheader", name="Døgn i måneden")).to_be_visible()
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table.locator("tfoot th[scope=row]")).to_contain_text("Sum")
    expect(page.locator("#month-total")).to_contain_text("Sum for måneden")
    expect(page.get_by_role("link", name="Excel")).to_have_attribute(
        "href", re.compile(r"/tildeling/overliggedogn/export\.xlsx\?maned=\d{4}-\d{2}$")
    )
    take_screenshot(page, "overliggedogn")

    page.get_by_role("link", name=re.compile("Forrige måned")).click()
    expect(page).to_have_url(re.compile(r"maned=\d{4}-\d{2}$"))
    expect(page.locator("#month-total")).to_be_visible()
