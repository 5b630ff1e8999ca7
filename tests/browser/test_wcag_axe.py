"""Every page of every demo role, in Norwegian and (the boards and more) in English, has no
violation of WCAG 2.1 A and AA that axe-core finds (issue 24): the boards, the wall, a
patient's page, the task lists, waiting days, hospital messages, the leader's figures, the
emergency access, the admin pages and the login. One browser page for each role and language,
logged in once, visits its pages in turn; a failure names the role, the language and the page.

What axe cannot see is tested in test_wcag_layout.py."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect
from support.axe import axe_violations, described

from access.emergency_access import EmergencyReason
from boards.app import utc_now
from fixtures.demo import synthetic_national_id
from flow.actor import Actor
from flow.municipality import municipality_id, unit_id
from flow.vocabulary import Source

if TYPE_CHECKING:
    from conftest import LiveServer

PASSWORDS = {
    "saksbehandler": "demo-tildeling",
    "sykepleier": "demo-sykepleier",
    "hjemmesykepleier": "demo-hjemme",
    "leder": "demo-leder",
    "admin": "demo-admin",
}
DEMO = municipality_id("9901")
SOLSIDEN = unit_id(DEMO, "SOLS")
NORD = unit_id(DEMO, "NORD")
OUTSIDE_NID = synthetic_national_id(random.Random("wcag"))  # referred below, on no board

Opener = Callable[[Page, str], None]


def _go(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response and response.ok, f"{url}: {response and response.status}"
    page.wait_for_load_state("load")  # a live board keeps its stream open: never idle


def _path(path: str) -> Opener:
    return lambda page, base: _go(page, base + path)


def _first_link(listing: str, pattern: str, then: str = "") -> Opener:
    """The first page a listing links to whose address starts with `pattern` (and `then`
    after it)."""

    def open_(page: Page, base: str) -> None:
        _go(page, base + listing)
        href = page.locator(f"main a[href^='{pattern}']").first.get_attribute("href")
        assert href, f"{listing} links to {pattern}…"
        _go(page, base + href + then)

    return open_


def _command_forms(page: Page, base: str) -> None:
    """The allocation board with a card's menu of commands open, its forms fetched."""
    _go(page, base + "/tildeling")
    menu = page.locator("#board details.more").first
    menu.locator("summary").click()
    expect(menu.locator(".command-forms form").first).to_be_attached()


def _emergency_patient(page: Page, base: str) -> None:
    """The one patient an emergency access opens (referred, on no board of the nurse's)."""
    _go(page, base + "/nodtilgang")
    page.get_by_label("Fødselsnummer eller D-nummer").fill(OUTSIDE_NID)
    page.locator(f"input[name=reason][value={EmergencyReason.ACUTE.value}]").check()
    page.get_by_role("button", name="Åpne pasienten (logges)").click()
    page.wait_for_load_state("load")
    expect(page).to_have_url(re.compile(r"/nodtilgang/[0-9a-f-]{36}$"))


def _new_device(page: Page, base: str) -> None:
    """A wall screen registered for the first place offered: the page with its address."""
    _go(page, base + "/admin/skjermer")
    page.fill("main input[name=name]", "Korridor")
    page.locator("main form.admin-form button[type=submit]").click()
    page.wait_for_load_state("load")


def _device_wall(page: Page, base: str) -> None:
    """The wall a registered screen shows without a login."""
    _new_device(page, base)
    _go(page, _absolute(base, page.locator("#new-device code.secret").inner_text()))


def _new_user(page: Page, base: str) -> None:
    """A user added: the page with the link where she sets her password."""
    _go(page, base + "/admin/brukere")
    count = page.locator("main tbody tr").count()
    page.fill("main input[name=display_name]", "Una Universell")
    page.fill("main input[name=username]", f"una{count}")
    page.locator("main form.admin-form button[type=submit]").click()
    page.wait_for_load_state("load")


def _password_setup(page: Page, base: str) -> None:
    """The page where a new user sets her password."""
    _new_user(page, base)
    _go(page, _absolute(base, page.locator("#setup-link").inner_text()))


def _absolute(base: str, url: str) -> str:
    return url if url.startswith("http") else base + url


BOARDS: dict[str, Opener] = {
    "tildeling": _path("/tildeling"),
    "tildeling-handlinger": _command_forms,
    "enhet": _path(f"/enheter/{SOLSIDEN}"),
    "vegg": _path(f"/enheter/{SOLSIDEN}/vegg"),
    "sone": _path(f"/soner/{NORD}"),
}
OFFICE: dict[str, Opener] = {
    **BOARDS,
    "pasient": _first_link("/tildeling", "/tildeling/forlop/"),
    "tilgangslogg": _first_link("/tildeling", "/tildeling/forlop/", "/tilgangslogg"),
    "overliggedogn": _path("/tildeling/overliggedogn"),
    "meldinger": _path("/tildeling/meldinger"),
}
PAGES: dict[str, dict[str, Opener]] = {
    "saksbehandler": OFFICE,
    "sykepleier": {
        "enhet": BOARDS["enhet"],
        "vegg": BOARDS["vegg"],
        "pasient": _first_link(f"/enheter/{SOLSIDEN}", "/tildeling/forlop/"),
        "nodtilgang": _path("/nodtilgang"),
        "nodtilgang-pasient": _emergency_patient,
    },
    "hjemmesykepleier": {
        "sone": BOARDS["sone"],
        "pasient": _first_link(f"/soner/{NORD}", "/tildeling/forlop/"),
        "nodtilgang": _path("/nodtilgang"),
    },
    "leder": {
        "tall": _path("/leder/tall"),
        "nodtilgang": _path("/leder/nodtilgang"),
        "innsyn": _path("/leder/innsyn"),
        "tilganger": _path("/leder/tilganger"),
    },
    "admin": {
        "oversikt": _path("/admin"),
        "logg": _path("/admin/logg"),
        "enheter": _path("/admin/enheter"),
        "enhet": _first_link("/admin/enheter", "/admin/enheter/"),
        "skjermer": _path("/admin/skjermer"),
        "brukere": _path("/admin/brukere"),
        "bruker": _first_link("/admin/brukere", "/admin/brukere/"),
        "innlogging": _path("/admin/innlogging"),
        "sjekklister": _path("/admin/sjekklister"),
        "dognpris": _path("/admin/dognpris"),
        "skjerm-registrert": _new_device,
        "veggskjerm": _device_wall,
        "bruker-opprettet": _new_user,
        "passord": _password_setup,
    },
}
ENGLISH = {
    "saksbehandler": list(OFFICE),
    "sykepleier": ["enhet", "vegg", "pasient", "nodtilgang"],
    "hjemmesykepleier": ["sone"],
    "leder": ["tall"],
    "admin": ["oversikt", "brukere", "veggskjerm", "passord"],
}
CASES = [
    pytest.param(role, "nb", name, id=f"{role}-nb-{name}")
    for role, pages in PAGES.items()
    for name in pages
] + [
    pytest.param(role, "en", name, id=f"{role}-en-{name}")
    for role, names in ENGLISH.items()
    for name in names
]


@pytest.fixture(scope="module")
def as_role(browser: Browser, server: LiveServer) -> Iterator[Callable[[str, str], Page]]:
    """One page for each role and language, logged in once, for the module."""
    opened: dict[tuple[str, str], Page] = {}
    flow = server.system.flows.open_flow(  # for the nurse's emergency access
        OUTSIDE_NID,
        "Nora Nødsen",
        Source.HOSPITAL,
        "Sykehuset",
        "Med",
        by=Actor("tester", "allocation", DEMO),
        at=utc_now(),
    )
    assert flow

    def page_of(role: str, language: str) -> Page:
        if (role, language) not in opened:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            domain = server.url.split("//")[1].split(":")[0]
            context.add_cookies(
                [{"name": "sprak", "value": language, "domain": domain, "path": "/"}]
            )
            page = context.new_page()
            _go(page, f"{server.url}/logg-inn")
            page.fill("input[name=username]", role)
            page.fill("input[name=password]", PASSWORDS[role])
            page.click("button[type=submit]")
            page.wait_for_load_state("load")
            opened[role, language] = page
        return opened[role, language]

    yield page_of
    for page in opened.values():
        page.context.close()


@pytest.mark.parametrize(("role", "language", "name"), CASES)
def test_no_axe_violation(
    as_role: Callable[[str, str], Page], server: LiveServer, role: str, language: str, name: str
) -> None:
    page = as_role(role, language)
    PAGES[role][name](page, server.url)
    assert page.evaluate("document.documentElement.lang") == language
    violations = axe_violations(page)
    assert not violations, f"{role}, {language}, {page.url}:\n{described(violations)}"


NARROW = [("saksbehandler", "tildeling"), ("saksbehandler", "pasient"), ("sykepleier", "enhet")]


@pytest.mark.parametrize(("role", "name"), NARROW, ids=[f"{r}-{n}" for r, n in NARROW])
def test_no_axe_violation_at_320_css_px(
    as_role: Callable[[str, str], Page], server: LiveServer, role: str, name: str
) -> None:
    """The same pages reflowed for a narrow screen or 400 % zoom (test_wcag_layout.py): a
    table's own scrolling box must be reachable by keyboard, nothing hidden behind another."""
    page = as_role(role, "nb")
    page.set_viewport_size({"width": 320, "height": 800})
    try:
        PAGES[role][name](page, server.url)
        violations = axe_violations(page)
        assert not violations, f"{role}, 320 px, {page.url}:\n{described(violations)}"
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})


@pytest.mark.parametrize("language", ["nb", "en"])
def test_no_axe_violation_on_the_login_page(
    browser: Browser, server: LiveServer, language: str
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        if language == "en":
            _go(page, f"{server.url}/sprak/en?til=/logg-inn")
        else:
            _go(page, f"{server.url}/logg-inn")
        assert page.evaluate("document.documentElement.lang") == language
        violations = axe_violations(page)
        assert not violations, f"login, {language}:\n{described(violations)}"
    finally:
        context.close()


@pytest.mark.parametrize("language", ["nb", "en"])
def test_no_axe_violation_on_the_figures_with_months_of_data(
    browser: Browser, server_a_month_on: LiveServer, language: str
) -> None:
    """The leader's figures when the demo's weeks are in a month that is over: its charts,
    tables and captions drawn (on the module's own server they say there is no month yet)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        _go(page, f"{server_a_month_on.url}/sprak/{language}?til=/logg-inn")
        page.fill("input[name=username]", "leder")
        page.fill("input[name=password]", PASSWORDS["leder"])
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
        _go(page, f"{server_a_month_on.url}/leder/tall")
        expect(page.locator("main svg").first).to_be_attached()
        violations = axe_violations(page)
        assert not violations, f"figures, {language}:\n{described(violations)}"
    finally:
        context.close()
