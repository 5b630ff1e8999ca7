"""A browser's own navigation that is refused gets a page in the pages' language with the
way back, not the problem's JSON: a board asked for at a moment before the municipality
was in Pasientflyt, or an address that is no page. Programs and htmx get what they got."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import html
from support.logins import log_in

if TYPE_CHECKING:
    from support.world import World

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "en-US"}


def test_a_refused_navigation_is_a_page_in_norwegian_with_the_way_back(world: World) -> None:
    assert log_in(world.client).status_code == 303

    response = world.client.get("/tildeling?per=2020-01-01T08:00", headers=BROWSER)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = html.fromstring(response.text)
    assert page.get("lang") == "nb"
    assert page.xpath("//h1")[0].text == "Før kommunen var i Pasientflyt"
    assert page.xpath("//a[@href='/']")[0].text == "Til forsiden"
    missing = world.client.get("/ingen-side", headers=BROWSER)
    assert missing.status_code == 404 and "<h1>" in missing.text


def test_programs_and_htmx_get_the_problem_as_before(world: World) -> None:
    assert log_in(world.client).status_code == 303

    program = world.client.get("/tildeling?per=2020-01-01T08:00")
    from_page = world.client.get(
        "/tildeling?per=2020-01-01T08:00", headers={**BROWSER, "HX-Request": "true"}
    )
    api = world.client.get("/api/v1/ingen", headers=BROWSER)

    assert program.headers["content-type"] == "application/problem+json"
    assert program.json()["code"] == "moment_before_start"
    assert 'class="refusal-text"' in from_page.text
    assert api.headers["content-type"] == "application/problem+json"
