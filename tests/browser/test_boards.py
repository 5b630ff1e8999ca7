"""The boards in a real browser: each loads, commands work from the board, refusals show."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from sqlalchemy import select
from support.confirming import given

from flow.municipality import municipality_id, unit_id
from projections.care_relations import care_relations
from projections.flow_cards import cards

if TYPE_CHECKING:
    from conftest import LiveServer

DEMO = municipality_id("9901")
SOLSIDEN = unit_id(DEMO, "SOLS")
FJORDLY = unit_id(DEMO, "FJOR")
NORD = unit_id(DEMO, "NORD")
Screenshot = Callable[[Page, str], None]


def test_the_allocation_board_shows_its_six_columns(
    logged_in: Callable[[str], Page], take_screenshot: Screenshot
) -> None:
    page = logged_in("saksbehandler")
    expect(page).to_have_url(re.compile("/tildeling$"))
    for title in (
        "På sykehus",
        "Utskrivningsklar",
        "Venter på plass",
        "På korttidsopphold",
        "Hjem neste 7 dager",
        "Brutte sløyfer",
    ):
        expect(page.get_by_role("heading", name=re.compile(title))).to_be_visible()
    expect(page.locator("#column-ready .waiting").first).to_contain_text("døgn")
    take_screenshot(page, "tildelingstavle")


def test_an_arrival_registered_on_the_board_moves_the_card_to_the_stay_column(
    logged_in: Callable[[str], Page],
) -> None:
    page = logged_in("saksbehandler")
    card = page.locator(
        "#column-ready article.card", has=page.get_by_role("button", name="Registrere ankomst")
    ).first
    flow_id = card.get_attribute("id")
    given(card, "Registrere ankomst")
    expect(page.locator(f"#column-on_stay #{flow_id}")).to_be_visible()
    expect(page.locator(f"#column-ready #{flow_id}")).to_have_count(0)


def test_a_refused_command_shows_the_guards_sentence_in_place(
    logged_in: Callable[[str], Page], server: LiveServer
) -> None:
    page = logged_in("saksbehandler")
    # This page's live stream is cut, as when the other change comes in the same moment:
    # its form is one version behind when it is sent.
    page.route("**/tildeling/strom?*", lambda route: route.abort())
    page.reload()
    flow_id = (
        page.locator("#column-in_hospital article.card").first.get_attribute("id") or ""
    ).removeprefix("flow-")
    card = page.locator(f"#flow-{flow_id}")
    card.get_by_text(re.compile("^Handlinger")).click()  # the menu's forms load now
    command = card.get_by_text("Melde utskrivningsklar")
    expect(command).to_be_visible()
    # Someone else records the readiness first: this page's form is now one version behind.
    actor = server.system.accounts.find("saksbehandler")
    assert actor is not None
    from uuid import UUID

    from boards.app import utc_now

    server.system.flows.notify_ready_for_discharge(
        UUID(flow_id), utc_now(), False, by=actor.actor, at=utc_now()
    )
    command.click()
    card.get_by_role("button", name="Lagre").click()
    refusal = page.locator(f"#refusal-{flow_id}")
    expect(refusal).to_contain_text("endret siden du så det")


def test_the_nurse_sees_the_own_units_bed_board_with_its_patients_only(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    page = logged_in("sykepleier")
    expect(page).to_have_url(re.compile(f"/enheter/{SOLSIDEN}$"))
    expect(page.get_by_role("heading", name="Solsiden korttid")).to_be_visible()
    expect(page.locator("ol.beds > li")).to_have_count(16)
    take_screenshot(page, "enhetstavle")
    board = page.content()
    with server.system.engine.connect() as db:
        names = dict(db.execute(select(cards.c.flow_id, cards.c.name)).all())
        relations = care_relations(db, list(names))
    now = datetime.now(UTC)
    ours = {n for f, n in names.items() if SOLSIDEN in relations[f].units(now)}
    theirs = set(names.values()) - ours
    assert ours and theirs, "the demo has patients on Solsiden and elsewhere"
    assert any(name in board for name in ours)
    assert not [name for name in theirs if name in board]
    for elsewhere in (f"/enheter/{FJORDLY}", "/tildeling", f"/soner/{NORD}"):
        assert page.goto(f"{server.url}{elsewhere}").status == 403


def test_the_wall_display_shows_initials_and_beds_but_no_identity(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    page = logged_in("sykepleier")
    page.goto(f"{server.url}/enheter/{SOLSIDEN}/vegg")
    expect(page.locator("ol.wall-beds > li")).to_have_count(16)
    html = page.content()
    assert not re.search(r"\b\d{11}\b", html)
    assert re.search(r"[A-ZÆØÅ]\.[A-ZÆØÅ]\.", html)
    take_screenshot(page, "veggtavle")


def test_the_home_care_nurse_sees_the_zone_board(
    logged_in: Callable[[str], Page], take_screenshot: Screenshot
) -> None:
    page = logged_in("hjemmesykepleier")
    expect(page).to_have_url(re.compile(f"/soner/{NORD}$"))
    expect(page.get_by_role("heading", name="Kommer hjem")).to_be_visible()
    take_screenshot(page, "sonetavle")


def test_the_leader_page_draws_its_charts_with_a_table_behind_each_and_no_patient(
    logged_in_at: Callable[[str, str], Page],
    server_a_month_on: LiveServer,
    take_screenshot: Screenshot,
) -> None:
    page = logged_in_at(server_a_month_on.url, "leder")
    expect(page).to_have_url(re.compile("/leder/tall$"))
    expect(page.get_by_role("heading", name="Tall for ledere")).to_be_visible()
    expect(page.locator("#period-form input[type=month]")).to_have_count(2)
    figures = page.locator("section.figure")
    expect(figures).to_have_count(10)
    expect(page.locator("#figure-benefit svg.chart rect.bar").first).to_be_visible()
    expect(page.locator("#figure-loops svg.chart")).to_have_count(0)  # a table of many rows
    avoided = page.locator("#figure-days_avoided")
    expect(avoided.get_by_role("heading", name="Overliggedøgn unngått")).to_be_visible()
    avoided.get_by_text("Tabell").click()  # the table is the chart's alternative, behind it
    expect(avoided.get_by_role("rowheader", name="Døgn på sykehus uten betaling")).to_be_visible()
    for section in figures.all():
        expect(section.locator("table.figure-table")).to_have_count(1)
    assert not re.search(r"\b\d{11}\b", page.content())
    take_screenshot(page, "ledertall")
    avoided.scroll_into_view_if_needed()
    take_screenshot(page, "ledertall-unngatt")
