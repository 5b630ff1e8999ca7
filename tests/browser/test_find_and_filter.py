"""Finding a patient and filtering the boards in a real browser (issue 24): a part of a name
typed without its accents leaves one card and Enter goes to it; a national id as the boards
show it finds, and a bed on a unit's board, a name on a zone's; the filters are kept in the
address across a reload; a card that comes by the stream stays hidden when the filters hide
it and shows when it starts to match; a group of broken loops closed stays closed when the
stream redraws it."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from playwright.sync_api import Page, expect
from support import demo_patients
from support.demo_patients import NORD, OFFICE, SOLSIDEN

from boards.app import utc_now
from flow.flow_values import Decision
from flow.vocabulary import ServiceKind

if TYPE_CHECKING:
    from conftest import LiveServer

    Screenshot = Callable[[Page, str], None]

_numbers = random.Random("find and filter")


def new_patient(server: LiveServer, name: str) -> tuple[UUID, str]:
    """A patient just referred from hospital: the flow and the national id."""
    return demo_patients.new_patient(server.system, name, _numbers)


def shown_cards(page: Page) -> list[str]:
    return [
        card.get_attribute("id") or "" for card in page.locator("#board article.card:visible").all()
    ]


def test_part_of_a_name_without_its_accents_leaves_one_card_and_enter_goes_to_it(
    logged_in: Callable[[str], Page], server: LiveServer
) -> None:
    flow_id, _ = new_patient(server, "Åse Søkeland")
    page = logged_in("saksbehandler")
    card = page.locator(f"#flow-{flow_id}")
    expect(card).to_be_visible()
    assert len(shown_cards(page)) > 10
    search = page.get_by_role("searchbox", name="Finn pasient")
    search.press_sequentially("ase sok")
    expect(page.locator("#board article.card:visible")).to_have_count(1)
    assert shown_cards(page) == [f"flow-{flow_id}"]
    expect(page.locator("#find-count")).to_have_text(re.compile(r"^1 av \d+ pasienter vises$"))
    search.press("Enter")
    expect(card.get_by_role("link", name="Åse Søkeland")).to_be_focused()
    # Escape in the field shows every card again.
    search.focus()
    search.press("Escape")
    expect(search).to_have_value("")
    assert len(shown_cards(page)) > 10


def test_the_national_id_as_the_boards_show_it_finds_the_patient(
    logged_in: Callable[[str], Page], server: LiveServer
) -> None:
    flow_id, national_id = new_patient(server, "Nils Nummersen")
    page = logged_in("saksbehandler")
    search = page.get_by_role("searchbox", name="Finn pasient")
    shown = f"{national_id[:6]} {national_id[6:]}"
    expect(page.locator(f"#flow-{flow_id} .nid")).to_have_text(shown)
    search.fill(shown)
    expect(page.locator("#board article.card:visible")).to_have_count(1)
    assert shown_cards(page) == [f"flow-{flow_id}"]
    search.fill(national_id)
    expect(page.locator("#board article.card:visible")).to_have_count(1)
    search.fill(national_id[:6])
    expect(page.locator(f"#flow-{flow_id}")).to_be_visible()
    assert all(
        (card.get_attribute("data-nid") or "").startswith(national_id[:6])
        for card in page.locator("#board article.card:visible").all()
    )


def test_a_bed_and_a_national_id_find_on_a_unit_s_board(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    nurse = logged_in("sykepleier")
    expect(nurse).to_have_url(re.compile(f"/enheter/{SOLSIDEN}$"))
    occupied = nurse.locator("#board li.bed[data-nid]").first
    bed, nid = occupied.get_attribute("data-bed"), occupied.get_attribute("data-nid")
    assert bed and nid
    search = nurse.get_by_role("searchbox", name="Finn pasient")
    search.fill(f"seng {bed}")
    expect(nurse.locator("#board li.bed:visible")).to_have_count(1)
    expect(nurse.locator(f"#bed-{bed}")).to_be_visible()
    search.fill(f"{bed}")  # a number as short as a bed's is the bed, no birthday
    expect(nurse.locator("#board li.bed:visible")).to_have_count(1)
    expect(nurse.locator(f"#bed-{bed}")).to_be_visible()
    search.fill(f"{nid[:6]} {nid[6:]}")
    expect(nurse.locator("#board li.bed:visible")).to_have_count(1)
    expect(nurse.locator(f"#bed-{bed}")).to_be_visible()
    search.press("Enter")
    expect(nurse.locator(f"#bed-{bed} a").first).to_be_focused()
    take_screenshot(nurse, "enhet-finn")


def test_a_name_finds_on_a_zone_s_board(logged_in: Callable[[str], Page]) -> None:
    home = logged_in("hjemmesykepleier")
    expect(home).to_have_url(re.compile(f"/soner/{NORD}$"))
    coming = home.locator("#homecomings li.card")
    assert coming.count() > 1
    name = coming.first.get_attribute("data-find") or ""
    home.get_by_role("searchbox", name="Finn pasient").fill(name.upper())
    expect(coming.first).to_be_visible()
    shown = home.locator("#homecomings li.card:visible")
    assert 0 < shown.count() < coming.count()
    assert all(name in (card.get_attribute("data-find") or "") for card in shown.all())


def test_the_filters_are_kept_in_the_address_across_a_reload(
    logged_in: Callable[[str], Page], take_screenshot: Screenshot
) -> None:
    page = logged_in("saksbehandler")
    every = len(shown_cards(page))
    page.get_by_label("Bare forfalte").check()
    page.get_by_label("Sorter utskrivningsklare").select_option("frist")
    expect(page).to_have_url(re.compile(r"/tildeling\?.*forfalt=1"))
    expect(page).to_have_url(re.compile(r"sorter=frist"))
    page.reload()
    page.wait_for_load_state("load")
    expect(page.get_by_label("Bare forfalte")).to_be_checked()
    expect(page.get_by_label("Sorter utskrivningsklare")).to_have_value("frist")
    overdue = page.locator("#board article.card:visible")
    expect(overdue.first).to_be_visible()
    assert 0 < overdue.count() < every
    assert all(int(c.get_attribute("data-overdue") or 0) > 0 for c in overdue.all())
    said = f"{overdue.count()} av {every} pasienter vises"
    expect(page.locator("#find-count")).to_have_text(said)
    due = [c.get_attribute("data-due") or "~" for c in page.locator("#cards-ready > *").all()]
    assert due == sorted(due), "the ready column by its earliest due time, none last"
    take_screenshot(page, "tildeling-filtrert")


def test_a_card_from_the_stream_stays_hidden_unless_it_matches_the_filter(
    logged_in: Callable[[str], Page], server: LiveServer
) -> None:
    elsewhere, _ = new_patient(server, "Else Annensted")
    coming, _ = new_patient(server, "Kari Kommertil")
    page = logged_in("saksbehandler")
    page.goto(f"{page.url.split('?')[0]}?enhet={SOLSIDEN}")
    page.wait_for_load_state("load")
    expect(page.get_by_label("Enhet")).to_have_value(str(SOLSIDEN))
    expect(page.locator(f"#flow-{elsewhere}")).to_be_hidden()
    expect(page.locator(f"#flow-{coming}")).to_be_hidden()
    flows, now = server.system.flows, utc_now()
    # Home care in a zone: the card comes by the stream with its decision, still hidden.
    flows.decide_service(
        elsewhere, Decision(ServiceKind.HOME_CARE, None, NORD, now.date(), None), by=OFFICE, at=now
    )
    expect(page.locator(f"#flow-{elsewhere}")).to_contain_text("Vedtak", timeout=5000)
    expect(page.locator(f"#flow-{elsewhere}")).to_be_hidden()
    # A stay on Solsiden: the card starts to match and shows.
    flows.decide_service(
        coming,
        Decision(ServiceKind.SHORT_TERM_STAY, SOLSIDEN, None, now.date(), None),
        by=OFFICE,
        at=now,
    )
    expect(page.locator(f"#flow-{coming}")).to_be_visible(timeout=5000)
    expect(page.locator(f"#flow-{elsewhere}")).to_be_hidden()


def test_a_closed_group_of_broken_loops_stays_closed_when_the_stream_redraws_it(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    page = logged_in("saksbehandler")
    group = page.locator("#column-broken_loops details.owner-group").first
    group_id = group.get_attribute("id")
    expect(group).to_have_attribute("open", "")
    loop = group.locator("article.loop").first
    expect(loop).to_be_visible()
    expect(group.locator("summary .count")).to_have_text(str(group.locator("article.loop").count()))
    group.locator("summary").click()
    expect(loop).to_be_hidden()
    take_screenshot(page, "tildeling-brutte-sloyfer-lukket")
    page.evaluate("document.getElementById('column-broken_loops').dataset.before = 'yes'")
    new_patient(server, "Rolf Redraw")  # the stream sends the board's counts and loops anew
    page.wait_for_function(
        "() => document.getElementById('column-broken_loops').dataset.before === undefined"
    )
    time.sleep(0.3)  # past htmx's settling of the swapped section's attributes
    redrawn = page.locator(f"#{group_id}")
    expect(redrawn).not_to_have_attribute("open", "")
    expect(redrawn.locator("article.loop").first).to_be_hidden()
    redrawn.locator("summary").click()
    expect(redrawn.locator("article.loop").first).to_be_visible()


def column_counts(page: Page) -> dict[str, tuple[str, int, int]]:
    """Each column's count as it reads, and the cards it shows and holds."""
    found: dict[str, tuple[str, int, int]] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#board .column')].map((c) => {
            const cards = [...c.querySelectorAll('[data-find]')];
            return [c.id, [c.querySelector('h2 > .count').textContent,
                           cards.filter((card) => !card.hidden).length, cards.length]]; }))"""
    )
    return found


def test_a_column_s_count_says_how_many_of_its_own_a_filter_shows(
    logged_in: Callable[[str], Page], server: LiveServer, take_screenshot: Screenshot
) -> None:
    page = logged_in("saksbehandler")
    plain = column_counts(page)
    assert all(text == str(total) for text, _, total in plain.values()), plain
    page.get_by_label("Bare forfalte").check()
    expect(page.locator("#count-ready")).to_have_text(re.compile(r"^\d+ av \d+$"))
    counts = column_counts(page)
    assert all(text == f"{shown} av {total}" for text, shown, total in counts.values()), counts
    assert any(shown < total for _, shown, total in counts.values()), "the filter hides some"
    # The count of shown patients is said politely, once the user has chosen.
    expect(page.locator("#find-count")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#find-count")).to_have_text(re.compile(r"^\d+ av \d+ pasienter vises$"))
    take_screenshot(page, "tildeling-telling-filtrert")
    # A patient come by the stream, not overdue: the column holds one more, shows as many.
    _, shown, total = counts["column-in_hospital"]
    flow_id, _ = new_patient(server, "Tora Telling")
    expect(page.locator(f"#flow-{flow_id}")).to_be_attached(timeout=5000)
    expect(page.locator(f"#flow-{flow_id}")).to_be_hidden()
    expect(page.locator("#count-in_hospital")).to_have_text(f"{shown} av {total + 1}")
    page.get_by_label("Bare forfalte").uncheck()
    expect(page.locator("#count-in_hospital")).to_have_text(str(total + 1))
    expect(page.locator("#find-count")).to_have_text("")


def test_the_other_language_shows_the_board_with_its_filters(
    logged_in: Callable[[str], Page],
) -> None:
    page = logged_in("saksbehandler")
    page.get_by_label("Bare forfalte").check()
    page.get_by_role("searchbox", name="Finn pasient").fill("a")
    expect(page).to_have_url(re.compile(r"forfalt=1"))
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/tildeling\?.*forfalt=1"))
    expect(page.get_by_label("Overdue only")).to_be_checked()
    expect(page.get_by_role("searchbox", name="Find patient")).to_have_value("a")
    expect(page.locator("#find-count")).to_have_text(re.compile(r"^\d+ of \d+ patients shown$"))
    expect(page.locator("#count-ready")).to_have_text(re.compile(r"^\d+ of \d+$"))
    # And back, with what was changed in English.
    page.get_by_label("Overdue only").uncheck()
    page.get_by_role("link", name="Norsk").click()
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_label("Bare forfalte")).not_to_be_checked()
    expect(page.get_by_role("searchbox", name="Finn pasient")).to_have_value("a")
