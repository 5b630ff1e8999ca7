"""The leaders' figures page shows the municipality's latest what-if comparison (stored by
`pasientflyt simulate --scenario`) under "Hva om", side by side with each difference from
the baseline, when and how it was run, and what each scenario changes; figures only, and
in English too; no section before one is stored."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from support.admin_world import ADMIN_PASSWORD, HERE, NEIGHBOUR, admin_world  # noqa: F401
from support.logins import log_in
from support.world import World

from access.scenario_comparisons import StoredComparison, store_comparison
from boards.web.translations import LANGUAGE_COOKIE
from fixtures.simulation.comparison import Comparison, Outcome

NOW = datetime(2026, 12, 6, 18, tzinfo=UTC)


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    admin_world.clock.now = NOW
    assert log_in(admin_world.client, "leder", ADMIN_PASSWORD).status_code == 303
    return admin_world


def _outcome(name: str, waiting_days: int, rehab_beds: int, rehab: float) -> Outcome:
    return Outcome(
        scenario=name,
        label=name,
        description="",
        waiting_days=waiting_days,
        cost=waiting_days * 5745,
        beds={"rehab": rehab_beds, "acute": 3},
        occupancy={"rehab": rehab, "acute": 0.422},
        tasks_on_time=0.576,
        tasks_due=3000,
        readmitted_30=0.177,
        left_hospital=400,
        events=60_000,
        seconds=90.0,
    )


def _store(w: World, municipality: UUID, run_at: datetime, seed: int, *outcomes: Outcome) -> None:
    comparison = Comparison(run_at, seed, 365, 20_000, date(2026, 1, 5), list(outcomes))
    stored = StoredComparison(run_at, seed, 365, 20_000, date(2026, 1, 5), comparison.as_json())
    store_comparison(w.system.engine, municipality, stored)


def _section(html: str) -> str:
    found = re.search(r'<section class="figure what-if".*?</section>', html, re.S)
    assert found, html
    return found[0]


def test_without_a_comparison_the_page_has_no_section_for_one(w: World) -> None:
    _store(w, NEIGHBOUR, NOW, 3, _outcome("grunnlag", 5, 10, 0.1))  # another's: not here
    html = w.client.get("/leder/tall").text
    assert 'id="what-if"' not in html and "Hva om" not in html


def test_the_latest_comparison_of_the_municipality_is_shown_side_by_side(w: World) -> None:
    older = datetime(2026, 12, 1, 8, tzinfo=UTC)
    _store(w, HERE, older, 7, _outcome("grunnlag", 999, 10, 0.5))
    _store(
        w,
        HERE,
        datetime(2026, 12, 5, 21, 30, tzinfo=UTC),
        1,
        _outcome("grunnlag", 228, 10, 0.522),
        _outcome("rehab+4", 200, 14, 0.415),
        _outcome("svar-samme-dag", 230, 10, 0.522),
    )
    _store(w, NEIGHBOUR, NOW, 3, _outcome("grunnlag", 5, 10, 0.1))  # another's: not here
    page = w.client.get("/leder/tall")
    assert page.status_code == 200, page.text
    section = _section(page.text)
    assert (
        "Simulert kommune med 20\xa0000 innbyggere, 365 dager fra 5. jan. 2026, frø 1;"
        " kjørt 5. des. 2026 22:30." in section
    )
    headers = re.findall(r'<th scope="col">([^<]+)</th>', section)
    assert headers == ["Dagens drift", "4 flere rehabiliteringsplasser", "Svar og vedtak samme dag"]
    rows = {
        m[0]: re.findall(r'<td class="num">(.*?)</td>', m[1])
        for m in re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', section)
    }
    assert rows["Overliggedøgn"] == [
        "228",
        '200<br><span class="muted">−28</span>',
        ('230<br><span class="muted">+2</span>'),
    ]
    assert rows["Kostnad for overliggedøgn"][1] == (
        'kr 1\xa0149\xa0000<br><span class="muted">−kr 160\xa0860</span>'
    )
    assert rows["Senger: rehabilitering"][1] == '14<br><span class="muted">+4</span>'
    assert rows["Belegg: rehabilitering"][:2] == [
        "52,2 %",
        '41,5 %<br><span class="muted">−10,7 prosentpoeng</span>',
    ]
    assert rows["Reinnlagt innen 30 dager"][2] == '17,7 %<br><span class="muted">±0</span>'
    assert "Kommunen har 4 flere rehabiliteringsplasser enn den kalibrerte." in section
    assert "999" not in section and ">5<" not in section


def test_the_comparison_in_english(w: World) -> None:
    _store(w, HERE, NOW, 1, _outcome("grunnlag", 228, 10, 0.5), _outcome("rehab+4", 200, 14, 0.4))
    w.client.cookies.set(LANGUAGE_COOKIE, "en")
    section = _section(w.client.get("/leder/tall").text)
    for english in (
        "What if",
        "A simulated municipality of 20,000 inhabitants, 365 days from",
        "Today&#39;s operation",
        "4 more rehabilitation beds",
        "The municipality has 4 more rehabilitation beds than the calibrated one.",
        "Waiting days",
        "Cost of waiting days",
        "Occupancy: rehabilitation",
        "Tasks closed on time",
        "percentage points",
    ):
        assert english in section, english
    for norwegian in ("Hva om", "Dagens drift", "flere", "Overliggedøgn", "prosentpoeng"):
        assert norwegian not in section, norwegian
