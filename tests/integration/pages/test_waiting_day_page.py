"""The waiting-day statement's page, on both stores: linked from the office's board, a
table per hospital with its sum, the month picker and the hospital filter, the downloads in
the page's language, the access log, and no page for another role."""

from __future__ import annotations

from support.api_client import NATIONAL_IDS, Api
from support.logins import NURSE_PASSWORD, log_in
from support.world import World

from boards.web.translations import LANGUAGE_COOKIE

KARI, OLA = NATIONAL_IDS[:2]


def waiting(api: Api, national_id: str, ready_at: str) -> str:
    flow_id = api.open_flow(national_id=national_id)
    api.command(flow_id, "ready-for-discharge", {"ready_at": ready_at})
    return flow_id


def test_the_office_finds_the_months_statement_from_its_board(world: World) -> None:
    api = Api(world)
    kari = waiting(api, KARI, "2026-02-26T10:00:00+01:00")
    client = world.client
    log_in(client)
    assert 'href="/tildeling/overliggedogn"' in client.get("/tildeling").text
    page = client.get("/tildeling/overliggedogn")  # this month by default
    assert page.status_code == 200, page.text
    html = page.text
    assert "<caption>Sykehus ikke kjent" in html and 'scope="col"' in html
    assert f'id="wait-{kari}-1"' in html and "Kari Nordmann" in html
    assert 'href="?maned=2026-02"' in html and "Neste måned" not in html  # no month to come
    assert "/tildeling/overliggedogn/export.xlsx?maned=2026-03" in html
    assert "Sum for måneden" in html

    february = client.get("/tildeling/overliggedogn?maned=2026-02&sykehus=Sykehus+ikke+kjent")
    assert february.status_code == 200 and f'id="wait-{kari}-1"' in february.text
    assert 'href="?maned=2026-03&amp;sykehus=Sykehus+ikke+kjent"' in february.text
    assert (
        "Kari Nordmann"
        not in client.get("/tildeling/overliggedogn?maned=2026-02&sykehus=8000001").text
    )

    looks = api.get(f"/flows/{kari}/access-log").json()
    assert "tildeling/overliggedogn" in [look["view"] for look in looks]


def test_the_pages_spreadsheet_comes_in_the_chosen_language_and_is_logged(world: World) -> None:
    api = Api(world)
    ola = waiting(api, OLA, "2026-03-01T10:00:00+01:00")
    client = world.client
    log_in(client)
    client.cookies.set(LANGUAGE_COOKIE, "en")
    sent = client.get("/tildeling/overliggedogn/export.csv?maned=2026-03")
    assert sent.status_code == 200
    text = sent.content.decode("utf-8-sig")
    assert "Waiting days" in text and "Total for the month" in text and "Hospital not known" in text
    looks = api.get(f"/flows/{ola}/access-log").json()
    assert looks[0]["view"] == "eksport/overliggedogn.csv"
    english = client.get("/tildeling/overliggedogn").text
    assert "Waiting days per month" in english and "Overliggedøgn per måned" not in english


def test_a_nurse_has_no_statement(world: World) -> None:
    waiting(Api(world), KARI, "2026-03-01T10:00:00+01:00")
    client = world.client
    log_in(client, "sykepleier", NURSE_PASSWORD)
    for path in ("/tildeling/overliggedogn", "/tildeling/overliggedogn/export.csv"):
        refused = client.get(path)
        assert refused.status_code == 403 and "Kari" not in refused.text
