"""The leaders' page at 1440×900 on the demo served a month on: the headline first, the
period the months that have data, each caption above its chart, the units as the series of
one chart, and the whole page under 3,000 px tall; at 320 px wide it reflows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

from boards.app import utc_now
from flow.rates import OSLO

if TYPE_CHECKING:
    from conftest import LiveServer

Screenshot = Callable[[Page, str], None]
TALLEST = 3000


def last_month_over() -> str:
    """The last month over on the served clock (a month on)."""
    this_month = (utc_now() + timedelta(days=31)).astimezone(OSLO).date().replace(day=1)
    return (this_month - timedelta(days=1)).isoformat()[:7]


def month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def moves_by_month(page: Page) -> list[str]:
    """The benefit figure's moves per month, as its table writes them (behind "Tabell")."""
    row = page.locator("#figure-benefit tr", has=page.get_by_text("Flyttinger registrert"))
    return [(cell.text_content() or "").strip() for cell in row.locator("td").all()]


def test_the_leader_page_at_1440_wide(
    logged_in_at: Callable[[str, str], Page],
    server_a_month_on: LiveServer,
    take_screenshot: Screenshot,
) -> None:
    page = logged_in_at(server_a_month_on.url, "leder")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Tall for ledere")).to_be_visible()

    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < TALLEST, height

    # The headline is the first section after the h1, each change said in words.
    first_section = page.evaluate(
        """() => {
            const h1 = document.querySelector('h1');
            return [...document.querySelectorAll('section')].find(section =>
                h1.compareDocumentPosition(section) & Node.DOCUMENT_POSITION_FOLLOWING).id;
        }"""
    )
    assert first_section == "headline"
    headline = page.locator("#headline li")
    expect(headline).to_have_count(6)
    for figure in headline.all():
        words = (figure.locator(".change").text_content() or "").strip()
        assert re.search(r"[A-Za-zæøå]{3,}", words), words

    # Every figure's caption comes first in it, above its chart, and names the measure.
    captions = page.evaluate(
        """() => [...document.querySelectorAll('section.figure figure')].map(figure => ({
            first: figure.firstElementChild.tagName,
            charts: [...figure.querySelectorAll('svg.chart')].map(chart =>
                Boolean(figure.querySelector('figcaption').compareDocumentPosition(chart)
                    & Node.DOCUMENT_POSITION_FOLLOWING)),
        }))"""
    )
    assert len(captions) == 10
    assert {c["first"] for c in captions} == {"FIGCAPTION"}
    assert sum(len(c["charts"]) for c in captions) >= 8
    assert all(all(c["charts"]) for c in captions)

    # The units are the series of one chart, each named beside its pattern.
    occupancy = page.locator("#figure-occupancy")
    expect(occupancy.locator("svg.chart")).to_have_count(1)
    units = occupancy.locator("table th[scope=row]").all_text_contents()
    expect(occupancy.locator(".legend li")).to_have_text(units)
    patterns = {rect.get_attribute("fill") for rect in occupancy.locator(".legend rect").all()}
    assert len(patterns) == len(units) > 1

    # By default, the months that have data: the first has moves, the one before none.
    shown_from = page.locator("#period-form input[name=fra]").input_value()
    assert page.locator("#period-form input[name=til]").input_value() == last_month_over()
    assert moves_by_month(page)[0] not in ("0", "–")
    take_screenshot(page, "ledertall")
    page.goto(f"{server_a_month_on.url}/leder/tall?fra={month_before(shown_from)}")
    assert moves_by_month(page)[0] == "0"

    # At 320 px the page reflows: nothing makes it scroll sideways (WCAG 1.4.10).
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
