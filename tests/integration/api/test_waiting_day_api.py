"""The waiting-day statement over HTTP, on both stores: the ministry's example, a wait split
between months and between years at each year's rate, an offer on the ready day, a flow
opened by hand, the hospital filter, the refusals, the access log, and CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from uuid import uuid4

import httpx2 as httpx
import pytest
from openpyxl import load_workbook
from support.admin_world import admin_world
from support.api_client import NATIONAL_IDS, Api
from support.sample_messages import plo_message
from support.world import World

from access.accounts import Role
from boards.web.translations import LANGUAGE_COOKIE
from flow.municipality import municipality_id

__all__ = ["admin_world"]

KARI, OLA, PER = NATIONAL_IDS[:3]
HERE = municipality_id("9998")
TEST_HF, OST_HF = ("Sykehuset Test HF", "8000001"), ("Sykehuset Øst HF", "8000009")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def api(world: World) -> Api:
    world.accounts.add_user(
        HERE, "sykehus", Role.INTEGRATION, "Sykehus", None, [], at=world.clock()
    )
    world.tokens["sykehus"] = world.accounts.issue_token("sykehus", at=world.clock())
    return Api(world)


def rates(api: Api, **by_year: int) -> None:
    """The municipality's own daily rates, as its admin writes them."""
    with api.world.system.engine.begin() as db:
        for year, rate in by_year.items():
            api.world.system.rates.write(HERE, int(year[1:]), rate, uuid4(), api.world.clock(), db)


def ready_from_hospital(
    api: Api, national_id: str, hour: int = 9, hospital: tuple[str, str] = TEST_HF
) -> str:
    """A hospital's ready notice, today at `hour`, that opens the patient's flow."""
    at = f"{api.world.clock().date().isoformat()}T{hour:02d}:00:00"
    body = plo_message("ready", national_id, at, hospital=hospital, message_id=str(uuid4()))
    sent = api.world.client.post(
        "/api/v1/hospital-messages", content=body, headers=api.world.headers("sykehus")
    )
    assert sent.status_code == 201, sent.text
    flow_id: str = sent.json()["flow_id"]
    return flow_id


def by_hand(api: Api, national_id: str, ready_at: str) -> str:
    flow_id = api.open_flow(national_id=national_id)
    api.command(flow_id, "ready-for-discharge", {"ready_at": ready_at})
    return flow_id


def answer(api: Api, flow_id: str, **body: Any) -> None:
    api.command(flow_id, "hospital-answer", body)


def statement(api: Api, query: str, user: str = "saksbehandler") -> dict[str, Any]:
    response = api.get(f"/waiting-days?{query}", user=user)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def lines(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for part in found["parts"] for row in part["rows"]]


def test_the_ministrys_example_is_three_days_on_the_statement_and_the_card(api: Api) -> None:
    rates(api, y2026=6000)
    kari = ready_from_hospital(api, KARI)  # day 1, Monday 2 March
    answer(api, kari, can_receive=False, expected_on="2026-03-05")
    api.world.clock.advance(days=3)
    answer(api, kari, can_receive=True)  # day 4: an offer is ready

    found = statement(api, "month=2026-03")
    (line,) = lines(found)
    assert (line["flow_id"], line["name"], line["national_id"]) == (kari, "Kari Nordmann", KARI)
    assert (line["hospital"], line["hospital_her"], line["ready_on"]) == (*TEST_HF, "2026-03-02")
    assert (line["days"], line["rate"], line["rate_year"], line["amount"]) == (3, 6000, 2026, 18000)
    assert not line["rate_carried_forward"]
    assert [(a["told_at"][:10], a["can_receive"]) for a in line["answers"]] == [
        ("2026-03-02", False),
        ("2026-03-05", True),
    ]
    assert line["answers"][0]["expected_on"] == "2026-03-05"
    assert line["answers"][1]["offer_from"] == "2026-03-05"
    assert (line["ended_on"], line["end_text"]) == (None, "venter fortsatt")
    assert (found["days"], found["amount"], found["counted_to"]) == (3, 18000, "2026-03-05")
    (part,) = found["parts"]
    assert (part["days"], part["amount"]) == (3, 18000)
    (card,) = api.get("/boards/allocation").json()["ready"]
    assert (card["days_waiting"], card["cost_so_far"]) == (3, 18000)


def test_a_wait_across_a_month_is_split_and_one_by_hand_has_no_known_hospital(
    api: Api,
) -> None:
    kari = by_hand(api, KARI, "2026-02-26T10:00:00+01:00")  # still waiting on 2 March
    february, march = statement(api, "month=2026-02"), statement(api, "month=2026-03")
    assert [(r["flow_id"], r["days"]) for r in lines(february)] == [(kari, 3)]  # 26-28
    assert [(r["flow_id"], r["days"]) for r in lines(march)] == [(kari, 2)]  # 1-2, to today
    (line,) = lines(march)
    assert (line["hospital"], line["hospital_her"]) == ("Sykehus ikke kjent", "")
    assert (line["rate"], line["rate_year"], line["rate_carried_forward"]) == (5745, 2024, True)
    assert march["hospitals"] == [
        {"name": "Sykehus ikke kjent", "her": "", "key": "Sykehus ikke kjent"}
    ]
    assert statement(api, "month=2026-04")["parts"] == []  # not begun


def test_a_wait_across_new_year_pays_each_years_rate(api: Api) -> None:
    rates(api, y2025=6000, y2026=6200)
    kari = by_hand(api, KARI, "2025-12-30T10:00:00+01:00")
    api.command(
        kari,
        "decision",
        {
            "service": "short_term_stay",
            "unit_id": str(api.world.unit("KORT")),
            "starts_on": "2026-03-02",
        },
    )
    api.command(kari, "reservation", {"unit_id": str(api.world.unit("KORT")), "bed": "1"})
    api.command(kari, "arrival")  # 2 March: the wait ends, that day unpaid
    december, january = statement(api, "month=2025-12"), statement(api, "month=2026-01")
    assert [(r["days"], r["rate"], r["amount"]) for r in lines(december)] == [(2, 6000, 12000)]
    assert [(r["days"], r["rate"], r["amount"]) for r in lines(january)] == [(31, 6200, 192200)]
    (line,) = lines(statement(api, "month=2026-03"))
    assert (line["days"], line["ended_on"], line["ended_by"]) == (1, "2026-03-02", "arrival")
    assert line["end_text"] == "kom til kommunal plass"


def test_an_offer_on_the_ready_day_is_listed_with_no_days(api: Api) -> None:
    kari = ready_from_hospital(api, KARI)
    answer(api, kari, can_receive=True)
    api.world.clock.advance(days=5)
    (line,) = lines(found := statement(api, "month=2026-03"))
    assert (line["flow_id"], line["days"], line["amount"]) == (kari, 0, 0)
    assert (found["days"], found["amount"]) == (0, 0)


def test_the_hospital_filter_takes_a_her_id_or_a_name(api: Api) -> None:
    kari = ready_from_hospital(api, KARI)
    ola = ready_from_hospital(api, OLA, hour=10, hospital=OST_HF)
    per = by_hand(api, PER, "2026-03-01T10:00:00+01:00")
    api.world.clock.advance(days=2)
    found = statement(api, "month=2026-03")
    assert [(p["hospital"], [r["flow_id"] for r in p["rows"]]) for p in found["parts"]] == [
        ("Sykehuset Test HF", [kari]),
        ("Sykehuset Øst HF", [ola]),
        ("Sykehus ikke kjent", [per]),
    ]
    assert [h["key"] for h in found["hospitals"]] == ["8000001", "8000009", "Sykehus ikke kjent"]
    by_her = statement(api, "month=2026-03&hospital=8000009")
    assert [r["flow_id"] for r in lines(by_her)] == [ola] and by_her["hospital"] == "8000009"
    assert by_her["hospitals"] == found["hospitals"]
    by_name = statement(api, "month=2026-03&hospital=Sykehuset%20Test%20HF")
    assert [r["flow_id"] for r in lines(by_name)] == [kari]
    assert (by_name["days"], found["days"]) == (3, 3 + 3 + 4)


@pytest.mark.parametrize("path", ["/waiting-days", "/waiting-days/export.csv"])
def test_a_bad_month_or_an_unknown_parameter_is_refused(api: Api, path: str) -> None:
    for query in ("month=2026-13", "month=2026-3", "month=2026-03&sort=name", "", "hospital=x"):
        response = api.get(f"{path}?{query}")
        assert response.status_code == 422, (query, response.text)


@pytest.mark.parametrize("path", ["/waiting-days", "/waiting-days/export.xlsx"])
def test_only_the_allocation_office_gets_the_statement(admin_world: World, path: str) -> None:
    api = Api(admin_world)
    by_hand(api, KARI, "2026-03-01T10:00:00+01:00")
    for user in ("leder", "sykepleier", "hjemmesykepleier", "admin"):
        refused = api.get(f"{path}?month=2026-03", user=user)
        assert refused.status_code == 403, (user, refused.text)
        assert "Kari" not in refused.text
    assert api.get(f"{path}?month=2026-03", user=None).status_code == 401
    theirs = api.get(f"{path}?month=2026-03", user="saksbehandler2")
    assert theirs.status_code == 200 and "Kari" not in readable(theirs)


def test_each_patient_shown_is_in_the_access_log(api: Api) -> None:
    kari = ready_from_hospital(api, KARI)
    ola = by_hand(api, OLA, "2026-03-01T10:00:00+01:00")
    statement(api, "month=2026-03")
    api.get("/waiting-days/export.csv?month=2026-03")
    api.get("/waiting-days/export.xlsx?month=2026-03&hospital=8000001")
    assert looks(api, kari) == [
        "api/eksport/overliggedogn.xlsx",
        "api/eksport/overliggedogn.csv",
        "api/overliggedogn",
    ]
    assert looks(api, ola) == ["api/eksport/overliggedogn.csv", "api/overliggedogn"]


def test_the_csv_and_the_workbook_hold_the_lines_and_the_sums(api: Api) -> None:
    rates(api, y2026=6000)
    kari = ready_from_hospital(api, KARI)
    answer(api, kari, can_receive=False, expected_on="2026-03-05")
    by_hand(api, OLA, "2026-03-01T10:00:00+01:00")
    api.world.clock.advance(days=3)
    answer(api, kari, can_receive=True)

    sent = api.get("/waiting-days/export.csv?month=2026-03")
    assert sent.headers["content-type"].startswith("text/csv")
    assert 'filename="overliggedogn-2026-03.csv"' in sent.headers["content-disposition"]
    text = sent.content.decode("utf-8-sig")
    title, headers, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert title == ["Overliggedøgn"]
    got = [dict(zip(headers, row, strict=True)) for row in rows]
    assert [(r["Sykehus"], r["Døgn i måneden"], r["Beløp (kr)"]) for r in got] == [
        ("Sykehuset Test HF", "3", "18000"),
        ("Sum Sykehuset Test HF", "3", "18000"),
        ("Sykehus ikke kjent", "5", "30000"),
        ("Sum Sykehus ikke kjent", "5", "30000"),
        ("Sum for måneden", "8", "48000"),
    ]
    first = got[0]
    assert (first["HER-id"], first["Navn"], first["Fødselsnummer"]) == (
        "8000001",
        "Kari Nordmann",
        KARI,
    )
    assert (first["Utskrivningsklar fra"], first["Døgnpris (kr)"], first["Døgnpris for år"]) == (
        "2026-03-02",
        "6000",
        "2026",
    )
    assert first["Svar til sykehuset"] == (
        "2.3.2026 09:00: kan ikke ta imot ennå, tilbud ventet 5.3.2026; "
        "5.3.2026 09:00: tilbud klart fra 5.3.2026"
    )
    assert (first["Sluttdag"], first["Hvordan ventetiden endte"]) == ("", "venter fortsatt")
    assert got[2]["Svar til sykehuset"] == "ingen svar"

    book = api.get("/waiting-days/export.xlsx?month=2026-03&hospital=8000001")
    assert book.headers["content-type"] == XLSX
    assert 'filename="overliggedogn-2026-03-8000001.xlsx"' in book.headers["content-disposition"]
    (sheet,) = load_workbook(io.BytesIO(book.content))
    heading, header, *cells = list(sheet.iter_rows(values_only=True))
    assert str(heading[0]).startswith("Overliggedøgn mars 2026 · Testkommune")
    named = [dict(zip(header, row, strict=True)) for row in cells]
    assert [(r["Sykehus"], r["Døgn i måneden"], r["Beløp (kr)"]) for r in named] == [
        ("Sykehuset Test HF", 3, 18000),
        ("Sum Sykehuset Test HF", 3, 18000),
        ("Sum for måneden", 3, 18000),
    ]
    assert named[0]["Utskrivningsklar fra"].date() == date(2026, 3, 2)


def test_the_statement_comes_in_english_when_asked(api: Api) -> None:
    by_hand(api, KARI, "2026-03-01T10:00:00+01:00")
    english = {**api.world.headers(), "Cookie": f"{LANGUAGE_COOKIE}=en"}
    sent = api.world.client.get("/api/v1/waiting-days/export.csv?month=2026-03", headers=english)
    text = sent.content.decode("utf-8-sig")
    assert "Hospital not known" in text and "still waiting" in text and "Sykehus ikke" not in text


def looks(api: Api, flow_id: str) -> list[str]:
    response = api.get(f"/flows/{flow_id}/access-log")
    assert response.status_code == 200, response.text
    return [entry["view"] for entry in response.json()]


def readable(response: httpx.Response) -> str:
    if response.headers["content-type"] != XLSX:
        return response.text
    (sheet,) = load_workbook(io.BytesIO(response.content))
    return repr(list(sheet.iter_rows(values_only=True)))
