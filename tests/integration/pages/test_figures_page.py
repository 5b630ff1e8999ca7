"""The leaders' figures page over whole months, on both stores: the period asked for with two
month fields, by default the months that have data, the sentence that says why only whole
months that are over are counted, a period with no month over yet, and the page in English,
every text of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from support.admin_world import ADMIN_PASSWORD, admin_world  # noqa: F401  (a fixture)
from support.leader_figures import ready_patient
from support.logins import log_in
from support.world import World

from boards.web.translations import LANGUAGE_COOKIE, translator

#: Sunday 6 December 2026: November is the last month over.
NOW = datetime(2026, 12, 6, 18, tzinfo=UTC)


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    admin_world.clock.now = NOW
    assert log_in(admin_world.client, "leder", ADMIN_PASSWORD).status_code == 303
    return admin_world


def test_the_period_is_asked_for_in_months_and_the_page_says_why(w: World) -> None:
    page = w.client.get("/leder/tall?fra=2025-12")
    assert page.status_code == 200, page.text
    html = page.text
    assert re.search(r'<label>Fra måned <input type="month" name="fra" value="2025-12"', html)
    assert re.search(r'<label>Til måned <input type="month" name="til" value="2026-11"', html)
    assert "Tallene gjelder hele kalendermåneder som er over" in html
    assert "des. 2025 – nov. 2026" in html
    assert "des. 26" not in html  # the month in progress is no column
    assert 'href="/leder/tall/export.xlsx?fra=2025-12&amp;til=2026-11"' in html
    assert 'id="no-month-over"' not in html

    a_day = w.client.get("/leder/tall?fra=2026-11-17&til=2026-12-06")
    assert 'name="fra" value="2026-11"' in a_day.text and 'name="til" value="2026-11"' in a_day.text


def period_shown(html: str) -> tuple[str, str]:
    found = re.search(r'name="fra" value="([\d-]+)".*name="til" value="([\d-]+)"', html, re.S)
    assert found, html
    return found[1], found[2]


def test_by_default_the_period_is_the_months_that_have_data_at_most_twelve(w: World) -> None:
    nothing = w.client.get("/leder/tall").text
    assert period_shown(nothing) == ("2026-12", "2026-12")
    assert "Ingen måned med data er over ennå" in nothing
    assert 'id="headline"' not in nothing

    w.clock.now = datetime(2026, 9, 20, 10, tzinfo=UTC)
    ready_patient(w, 1)
    w.clock.now = NOW
    assert period_shown(w.client.get("/leder/tall").text) == ("2026-09", "2026-11")
    refused = w.client.get("/leder/tall?fra=2026-11&til=2026-09")  # the default, and why
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert period_shown(refused.text) == ("2026-09", "2026-11")
    # The API keeps its twelve months over by default.
    api = w.client.get("/api/v1/figures", headers=w.headers("leder")).json()
    assert api["months"][0] == "2025-12" and api["months"][-1] == "2026-11"

    w.clock.now = datetime(2025, 6, 2, 10, tzinfo=UTC)
    ready_patient(w, 2)
    w.clock.now = NOW
    assert period_shown(w.client.get("/leder/tall").text) == ("2025-12", "2026-11")


def test_a_period_with_no_month_over_has_no_month_and_says_so(w: World) -> None:
    page = w.client.get("/leder/tall?fra=2026-12&til=2026-12")
    assert page.status_code == 200, page.text
    assert "Ingen av månedene du valgte er over ennå" in page.text
    assert 'name="fra" value="2026-12"' in page.text
    assert "<th>des. 26</th>" not in page.text


def test_a_safety_table_with_no_month_to_show_yet_says_so_not_an_empty_table(w: World) -> None:
    """Screening at arrival shows a month once a week after it is over: on 6 December, the
    November of a municipality begun in November is not shown there yet."""
    w.clock.now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    ready_patient(w, 1)
    w.clock.now = NOW
    html = w.client.get("/leder/tall").text
    found = re.search(r'id="figure-safety_screening".*?</details>', html, re.S)
    assert found, html
    assert "Ingen måned å vise ennå." in found[0] and "<table" not in found[0]
    medication = re.search(r'id="figure-safety_medication_review".*?</details>', html, re.S)
    assert medication and "<th>nov. 26</th>" in medication[0]


def test_the_figures_page_in_english(w: World) -> None:
    w.client.cookies.set(LANGUAGE_COOKIE, "en")
    html = w.client.get("/leder/tall?fra=2026-10").text
    assert '<label>From month <input type="month" name="fra"' in html
    assert "The last month against the month before" in html
    assert "Overdue tasks now" in html and "from 1 Dec" in html
    for headline in ("Occupancy", "Waiting days", "Cost of waiting days", "Loops closed on time"):
        assert f'<span class="what">{headline}' in html
    assert '<span class="what">Readmitted within 30 days' in html
    assert '<label>To month <input type="month" name="til"' in html
    assert "The figures are of whole calendar months that are over" in html
    assert "Share of loops closed on time, per task and unit" in html
    assert "Rehabilitation: stays ended" in html
    for norwegian in (
        "Fra måned",
        "Tallene gjelder",
        "Andel sløyfer",
        "avsluttede opphold",
        "Siste måned",
        "Måleenhet",
        "Tabell",
        "sammenlign",
    ):
        assert norwegian not in html
    english = translator("en")
    answer = w.client.get("/api/v1/figures", headers=w.headers("leder")).json()
    safety = [t for place in answer["safety"]["places"] for t in place["tables"]]
    figures = [*safety, *answer["tables"]]
    texts = [t["title"] for t in figures] + [t["note"] for t in figures if t["note"]]
    named = {"occupancy", "loops", "overdue_now"}  # rows named by units, zones and tasks
    texts += [
        r["label"]
        for t in figures
        if t["key"] not in named and not t["key"].startswith("safety_overdue")
        for r in t["rows"]
    ]
    texts.append(answer["safety"]["places"][0]["name"])  # the municipality's; units by name
    assert [t for t in texts if english(t) == t] == []
    assert '<h2 id="safety-title">Patient safety</h2>' in html
    empty = w.client.get("/leder/tall?fra=2026-12").text
    assert "None of the months you chose is over yet" in empty
