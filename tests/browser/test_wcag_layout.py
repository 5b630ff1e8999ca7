"""What axe-core cannot see (issue 24), measured in chromium: the allocation board fits a
1440 px screen, the boards, the patient's page and the task lists reflow at 320 CSS px, the
edges of inputs and buttons stand out from what is around them, and an English page marks the
Norwegian it keeps. Focus after a command (2.4.3) and its polite word (4.1.3) are kept by
test_keep_place.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from flow.municipality import municipality_id, unit_id
from projections.task_list import tasks

if TYPE_CHECKING:
    from conftest import LiveServer

    Screenshot = Callable[[Page, str], None]

DEMO = municipality_id("9901")
SOLSIDEN = unit_id(DEMO, "SOLS")
NORD = unit_id(DEMO, "NORD")
PASSWORDS = {
    "saksbehandler": "demo-tildeling",
    "sykepleier": "demo-sykepleier",
    "hjemmesykepleier": "demo-hjemme",
    "leder": "demo-leder",
    "admin": "demo-admin",
}


@pytest.fixture(scope="module")
def as_role(browser: Browser, server: LiveServer) -> Iterator[Callable[[str, str], Page]]:
    """One page for each role and language, logged in once, for the module."""
    opened: dict[tuple[str, str], Page] = {}

    def page_of(role: str, language: str = "nb") -> Page:
        if (role, language) not in opened:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            go(page, f"{server.url}/sprak/{language}?til=/logg-inn")
            page.fill("input[name=username]", role)
            page.fill("input[name=password]", PASSWORDS[role])
            page.click("button[type=submit]")
            page.wait_for_load_state("load")
            opened[role, language] = page
        return opened[role, language]

    yield page_of
    for page in opened.values():
        page.context.close()


def go(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response and response.ok, f"{url}: {response and response.status}"
    page.wait_for_load_state("load")  # a live board keeps its stream open: never idle


def first_patient(page: Page, base: str) -> str:
    href = page.locator("main a[href^='/tildeling/forlop/']").first.get_attribute("href")
    assert href
    return base + href


_BEYOND = """() => [...document.querySelectorAll('main *')]
    .filter((el) => !el.closest('.table-scroll'))
    .filter((el) => { const r = el.getBoundingClientRect();
                      return r.width > 0 && (r.left < -0.5 || r.right > innerWidth + 0.5); })
    .filter((el) => { const up = el.parentElement.getBoundingClientRect();
                      return up.left >= -0.5 && up.right <= innerWidth + 0.5; })
    .slice(0, 8).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                               + (el.className ? '.' + String(el.className).split(' ')[0] : ''))"""


def assert_fits(page: Page, what: str) -> None:
    """Nothing of the page lies beside the viewport: no sideways scrolling of the page, nor
    of a part of it hiding what is off to one side, but for a data table in its own
    scrolling box (.table-scroll), which 1.4.10 excepts as two-dimensional layout."""
    width = page.evaluate("innerWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    beyond = page.evaluate(_BEYOND)
    assert scroll <= width and not beyond, f"{what}: {scroll} px wide at {width}: {beyond}"


def test_the_allocation_board_and_its_broken_loops_fit_a_1440_screen(
    as_role: Callable[..., Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    page = as_role("saksbehandler")
    page.set_viewport_size({"width": 1440, "height": 900})
    go(page, f"{server.url}/tildeling")
    take_screenshot(page, "tildeling-1440")
    broken = page.locator("#column-broken_loops").bounding_box()
    assert broken, "the broken loops' column is drawn"
    assert 0 <= broken["x"] and broken["x"] + broken["width"] <= 1440, broken
    for column in page.locator("#board .column").all():
        box = column.bounding_box()
        assert box and box["x"] + box["width"] <= 1440, (column.get_attribute("id"), box)
        # Nor does a column's title or card stick out of it.
        assert column.evaluate("c => c.scrollWidth <= c.clientWidth"), column.get_attribute("id")
    assert_fits(page, "/tildeling at 1440")


REFLOWING = [
    ("saksbehandler", "/tildeling"),
    ("saksbehandler", "pasient"),
    ("saksbehandler", f"/enheter/{SOLSIDEN}"),
    ("sykepleier", f"/enheter/{SOLSIDEN}"),
    ("sykepleier", "pasient"),
    ("hjemmesykepleier", f"/soner/{NORD}"),
]


@pytest.mark.parametrize(("role", "path"), REFLOWING, ids=[f"{r}-{p}" for r, p in REFLOWING])
def test_boards_patient_pages_and_task_lists_reflow_at_320_css_px(
    as_role: Callable[..., Page],
    server: LiveServer,
    take_screenshot: Screenshot,
    role: str,
    path: str,
) -> None:
    """WCAG 2.1 SC 1.4.10 Reflow (AA): content at a width of 320 CSS px without scrolling in
    two dimensions, except parts that need a two-dimensional layout for their meaning (a
    data table may scroll in its own box; the boards have none).
    https://www.w3.org/WAI/WCAG21/Understanding/reflow.html"""
    page = as_role(role)
    page.set_viewport_size({"width": 320, "height": 800})
    try:
        if path == "pasient":
            go(page, f"{server.url}/")
            go(page, first_patient(page, server.url))
        else:
            go(page, server.url + path)
        lists = page.locator("#board .task-panel, #board .task-lists, #patient-tasks")
        assert lists.count() > 0, "the page shows task lists"
        take_screenshot(page, f"reflow-320-{role}-{path.strip('/').split('/')[0]}")
        assert_fits(page, f"{role} {path} at 320")
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})


TABLED = ["/tildeling/overliggedogn", "/tildeling/meldinger", "tilgangslogg"]


@pytest.mark.parametrize("path", TABLED)
def test_the_office_s_pages_of_tables_reflow_at_320_css_px(
    as_role: Callable[..., Page], server: LiveServer, take_screenshot: Screenshot, path: str
) -> None:
    """1.4.10 again: a data table needs its rows and columns for its meaning and scrolls
    sideways in its own box (reached by Tab, named by its caption or heading), the page
    around it does not."""
    page = as_role("saksbehandler")
    page.set_viewport_size({"width": 320, "height": 800})
    try:
        if path == "tilgangslogg":
            go(page, f"{server.url}/tildeling")
            go(page, first_patient(page, server.url) + "/tilgangslogg")
        else:
            go(page, server.url + path)
        tables = page.locator("main table")
        assert tables.count() > 0
        for table in tables.all():
            expect(table.locator("xpath=..")).to_have_attribute("role", "region")
            expect(table.locator("xpath=..")).to_have_attribute("tabindex", "0")
        take_screenshot(page, f"reflow-320-{path.strip('/').replace('/', '-')}")
        assert_fits(page, f"{path} at 320")
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})


ADMINISTERED = [
    ("admin", "/admin"),
    ("admin", "/admin/enheter"),
    ("admin", "/admin/skjermer"),
    ("admin", "/admin/brukere"),
    ("admin", "/admin/innlogging"),
    ("admin", "/admin/sjekklister"),
    ("admin", "/admin/dognpris"),
    ("admin", "/admin/logg"),
    ("leder", "/leder/nodtilgang"),
    ("leder", "/leder/innsyn"),
    ("leder", "/leder/tilganger"),
    ("sykepleier", "/nodtilgang"),
    ("sykepleier", f"/enheter/{SOLSIDEN}/vegg"),
]


@pytest.mark.parametrize(("role", "path"), ADMINISTERED, ids=[f"{r}-{p}" for r, p in ADMINISTERED])
def test_the_admin_s_the_leader_s_and_the_other_pages_reflow_at_320_css_px(
    as_role: Callable[..., Page], server: LiveServer, role: str, path: str
) -> None:
    """1.4.10 on the pages of tables and forms the admin and the leader work in, the
    emergency access and a unit's wall opened in a browser rather than on a corridor's
    screen."""
    page = as_role(role)
    page.set_viewport_size({"width": 320, "height": 800})
    try:
        go(page, server.url + path)
        assert_fits(page, f"{role} {path} at 320")
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})


# -- 1.4.11 Non-text Contrast -------------------------------------------------------------

_CONTROLS = """() => {
  const opaque = (colour) => !/^rgba\\(.*,\\s*0\\)$/.test(colour) && colour !== 'transparent';
  const behind = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const colour = getComputedStyle(up).backgroundColor;
      if (opaque(colour)) return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  const shown = (el) => { const r = el.getBoundingClientRect();
                          return r.width > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  return [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => !['hidden', 'checkbox', 'radio'].includes(el.type) && !el.disabled)
    .filter(shown)
    .map((el) => { const s = getComputedStyle(el);
      return {what: el.outerHTML.slice(0, 90), border: s.borderTopColor,
              borderWidth: parseFloat(s.borderTopWidth) * (s.borderTopStyle === 'none' ? 0 : 1),
              fill: s.backgroundColor, behind: behind(el)}; });
}"""


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a CSS `rgb()` colour, sRGB:
    L = 0.2126 R + 0.7152 G + 0.0722 B, each channel C = C/12.92 if C <= 0.04045, else
    ((C + 0.055) / 1.055) ^ 2.4 (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance)."""
    channels = [int(n) / 255 for n in re.findall(r"[\d.]+", colour)[:3]]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter over the darker
    (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)."""
    light, dark = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def transparent(colour: str) -> bool:
    return colour == "transparent" or bool(re.fullmatch(r"rgba\(.*,\s*0\)", colour))


def unseen_controls(page: Page) -> list[str]:
    """The controls whose bounds do not stand out at 3:1 from the colour around them: not
    their border, nor their own fill. A control drawn only as its text (no border, no fill,
    like a link) has no bounds to see; checkboxes and radio buttons are drawn by the browser
    as it likes, and a disabled control is inactive (all three are exempt in 1.4.11)."""
    found: list[dict[str, Any]] = page.evaluate(_CONTROLS)
    unseen = []
    for control in found:
        behind = control["behind"]
        edge = control["borderWidth"] > 0 and not transparent(control["border"])
        filled = not transparent(control["fill"])
        if not edge and not filled:
            continue
        ratios = ([contrast(control["border"], behind)] if edge else []) + (
            [contrast(control["fill"], behind)] if filled else []
        )
        if max(ratios) < 3:
            unseen.append(f"{control['what']} {max(ratios):.2f}:1 on {behind}")
    return unseen


CONTROLLED = [
    ("saksbehandler", "/tildeling"),
    ("saksbehandler", "pasient"),
    ("sykepleier", f"/enheter/{SOLSIDEN}"),
    ("sykepleier", "/nodtilgang"),
    ("admin", "/admin/brukere"),
    ("admin", "/admin/skjermer"),
]


@pytest.mark.parametrize(("role", "path"), CONTROLLED, ids=[f"{r}-{p}" for r, p in CONTROLLED])
def test_the_bounds_of_inputs_and_buttons_stand_out_at_3_to_1(
    as_role: Callable[..., Page], server: LiveServer, role: str, path: str
) -> None:
    """WCAG 2.1 SC 1.4.11 Non-text Contrast (AA): the visual information needed to identify
    a user interface component has 3:1 against the adjacent colours; for a text field that
    is its boundary against the page around it (its white inside against a near-white page
    does not show it). https://www.w3.org/WAI/WCAG21/Understanding/non-text-contrast.html"""
    page = as_role(role)
    if path == "pasient":
        go(page, f"{server.url}/tildeling")
        go(page, first_patient(page, server.url))
    else:
        go(page, server.url + path)
    menu = page.locator("main details.more").first
    if menu.count():  # a card's menu of commands, with its forms
        menu.locator("summary").click()
        expect(menu.locator(".command-forms form").first).to_be_attached()
    unseen = unseen_controls(page)
    assert not unseen, "\n".join(unseen)


def test_the_login_s_fields_stand_out_at_3_to_1(browser: Browser, server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        go(page, f"{server.url}/logg-inn")
        unseen = unseen_controls(page)
        assert not unseen, "\n".join(unseen)
    finally:
        context.close()


# -- 3.1.2 Language of Parts ------------------------------------------------------------


def test_an_english_board_says_task_titles_in_english_and_marks_norwegian_kept(
    as_role: Callable[..., Page], server: LiveServer
) -> None:
    """WCAG 2.1 SC 3.1.2 Language of Parts (AA): the language of each passage can be
    determined, except proper names (the units', the zones', the patients' names).
    https://www.w3.org/WAI/WCAG21/Understanding/language-of-parts.html
    A task's title is said in English where its checklist gave one, else in Norwegian inside
    lang="nb"; on the allocation board that is the office's lists and the broken loops."""
    with server.system.engine.connect() as db:
        titles = dict(db.execute(select(tasks.c.task_id, tasks.c.title_en)).all())
    page = as_role("saksbehandler", "en")
    go(page, f"{server.url}/tildeling")
    assert page.evaluate("document.documentElement.lang") == "en"
    shown = page.evaluate(
        """() => [...document.querySelectorAll('#board .loop, #board li.task')].map((el) => {
            const title = el.querySelector('.title');
            return {id: el.id, text: title ? title.textContent.trim() : null,
                    lang: title ? (title.querySelector('[lang]') || title.closest('[lang]')).lang
                                : null}; })"""
    )
    loops = [s for s in shown if s["id"].startswith("loop-")]
    assert loops and len(shown) > len(loops), "broken loops and task rows are shown"
    for item in shown:
        task_id = item["id"].split("-", 1)[1]
        english = next(t for i, t in titles.items() if str(i) == task_id)
        if english:
            assert item["text"] == english and item["lang"] == "en", item
        else:
            assert item["lang"] == "nb", item
