"""The leaders' «Hva om» section with a stored comparison of three scenarios, in a browser:
beside the figures at 1440 px, and at 320 px wide the page does not scroll sideways (the
table scrolls in its own named box); axe finds no violation in it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from support.axe import axe_violations, described

from access.scenario_comparisons import StoredComparison, store_comparison
from boards.app import utc_now
from fixtures.simulation.comparison import Comparison, Outcome
from flow.municipality import municipality_id

if TYPE_CHECKING:
    from conftest import LiveServer


def _outcome(name: str, waiting_days: int, rehab_beds: int) -> Outcome:
    beds = {"rehab": rehab_beds, "assessment": 10, "palliative": 4, "respite": 6, "acute": 3}
    occupancy = {kind: 0.45 for kind in beds}
    return Outcome(
        name, name, "", waiting_days, waiting_days * 5745, beds, occupancy, 0.58, 3000, 0.18,
        400, 60_000, 90.0,
    )  # fmt: skip


def test_the_what_if_section_at_1440_and_at_320_wide(
    logged_in_at: Callable[[str, str], Page], server_a_month_on: LiveServer
) -> None:
    outcomes = [_outcome("grunnlag", 228, 10), _outcome("rehab+4", 200, 14)]
    outcomes.append(_outcome("hjemmetjeneste-samme-dag", 215, 10))
    run_at, start = utc_now(), date(2026, 1, 5)
    stored = Comparison(run_at, 1, 365, 20_000, start, outcomes).as_json()
    store_comparison(
        server_a_month_on.system.engine,
        municipality_id("9901"),
        StoredComparison(run_at, 1, 365, 20_000, start, stored),
    )
    page = logged_in_at(server_a_month_on.url, "leder")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{server_a_month_on.url}/leder/tall")
    section = page.locator("#what-if")
    expect(section.get_by_role("heading", level=2, name="Hva om")).to_be_visible()
    table = section.get_by_role("region", name="Scenarioene side om side").get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_count(4)
    expect(table.get_by_role("rowheader", name="Kostnad for overliggedøgn")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, described(violations)

    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = page.locator("#what-if .table-scroll")
    scrolls = box.evaluate("element => element.scrollWidth > element.clientWidth")
    assert scrolls
    expect(box).to_have_attribute("tabindex", "0")
