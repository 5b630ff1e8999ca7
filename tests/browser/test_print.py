"""A board on paper: the allocation, unit and zone boards print on A4 landscape with no column
cut at the edge, no menus or buttons, and the moment they were printed."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

#: A4 landscape less the page's 10 mm margins, in CSS pixels (96 per inch).
A4_LANDSCAPE = {"width": round(277 / 25.4 * 96), "height": round(190 / 25.4 * 96)}


@pytest.mark.parametrize(
    ("username", "board"),
    [("saksbehandler", "/tildeling"), ("sykepleier", None), ("hjemmesykepleier", None)],
    ids=["allocation", "unit", "zone"],
)
def test_a_board_prints_on_a4_landscape_with_nothing_cut(
    logged_in: Callable[[str], Page], username: str, board: str | None
) -> None:
    page = logged_in(username)  # a nurse lands on her unit's board, home care on its zone's
    if board:
        page.goto(urljoin(page.url, board))
    page.set_viewport_size(A4_LANDSCAPE)
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("main button:visible")).to_have_count(0)
    expect(page.locator(".printed")).to_contain_text(re.compile(r"Utskrift \d+\. \w+ \d{4}"))
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= A4_LANDSCAPE["width"] + 1, f"cut at the page's edge: {widest}"
    pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 8, pages
