"""The boards as spreadsheets, on both stores: the rows of the viewer's own board and no
other, real dates and numbers, the board's refusals, and an access-log row for every
patient a file names, written by the request that made it."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from openpyxl import load_workbook
from sqlalchemy import event
from support.admin_world import admin_world
from support.logins import log_in
from support.world import World

from boards.web.sessions import DEVICE_COOKIE
from flow.municipality import municipality_id
from flow.national_id import with_check_digits

__all__ = ["admin_world"]

API = "/api/v1/boards"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KARI, OLA, PER = (with_check_digits(f"0{n}8180123") for n in (1, 2, 3))
COLUMNS = {
    "in_hospital": "På sykehus",
    "ready": "Utskrivningsklar",
    "waiting_for_bed": "Venter på plass",
    "on_stay": "På korttidsopphold",
    "going_home": "Hjem neste 7 dager",
}

Rows = list[dict[str, Any]]


# -- a few patients, made through the API ---------------------------------------------------


def open_flow(w: World, name: str, national_id: str | None, user: str = "saksbehandler") -> str:
    body = {
        "national_id": national_id,
        "name": name,
        "source": "hospital",
        "location": "Sykehuset Innlandet",
        "need": "Rehabilitering",
    }
    response = w.client.post("/api/v1/flows", json=body, headers=w.headers(user))
    assert response.status_code == 201, response.text
    flow_id: str = response.json()["id"]
    return flow_id


def command(w: World, flow_id: str, path: str, body: dict[str, Any] | None = None) -> None:
    response = w.client.post(
        f"/api/v1/flows/{flow_id}/{path}", json=body or {}, headers=w.headers()
    )
    assert response.status_code == 200, response.text


def patients(w: World) -> dict[str, str]:
    """Kari ready for discharge (an estimate), Ola on a stay at KORT going home to NORD,
    Per with a bed reserved at UTRED."""
    kort, utred, nord = (str(w.unit(code)) for code in ("KORT", "UTRED", "NORD"))
    kari = open_flow(w, "Kari Nordmann", KARI)
    command(
        w, kari, "ready-for-discharge", {"ready_at": "2026-02-27T10:00:00+01:00", "estimate": True}
    )
    ola = open_flow(w, "Ola Nordmann", OLA)
    command(
        w,
        ola,
        "decision",
        {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-02"},
    )
    command(w, ola, "reservation", {"unit_id": kort, "bed": "2"})
    command(w, ola, "arrival")
    command(w, ola, "safety-flags", {"flag": "fall"})
    plan = {"on": "2026-03-03", "destination": "home", "zone_id": nord, "estimate": True}
    command(w, ola, "discharge-plan", plan)
    per = open_flow(w, "Per Utredning", PER)
    command(
        w,
        per,
        "decision",
        {"service": "short_term_stay", "unit_id": utred, "starts_on": "2026-03-02"},
    )
    command(w, per, "reservation", {"unit_id": utred, "bed": "1"})
    return {"kari": kari, "ola": ola, "per": per}


# -- reading the files back -----------------------------------------------------------------


def xlsx_sheets(content: bytes) -> dict[str, Rows]:
    """Each sheet's rows under its header row (row 2; row 1 is the title)."""
    book = load_workbook(io.BytesIO(content))
    sheets = {}
    for sheet in book:
        rows = list(sheet.iter_rows(values_only=True))
        headers = rows[1]
        sheets[sheet.title] = [dict(zip(headers, row, strict=True)) for row in rows[2:]]
    return sheets


def csv_tables(content: bytes) -> dict[str, Rows]:
    """Each block of the file, named by its first line, its rows under its header line."""
    assert content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    tables, block = {}, []
    for line in [*lines, []]:
        if line:
            block.append(line)
            continue
        (title,), headers, *rows = block
        tables[title] = [dict(zip(headers, row, strict=True)) for row in rows]
        block = []
    return tables


def readable(response: Any) -> str:
    """Every byte of the file as text: an XLSX is a zip of XML parts."""
    if response.headers["content-type"] != XLSX:
        return str(response.content.decode("utf-8-sig"))
    with zipfile.ZipFile(io.BytesIO(response.content)) as parts:
        return "".join(parts.read(name).decode("utf-8") for name in parts.namelist())


def export(w: World, path: str, user: str = "saksbehandler") -> Any:
    response = w.client.get(f"{API}/{path}", headers=w.headers(user))
    assert response.status_code == 200, response.text
    return response


def board(w: World, path: str, user: str = "saksbehandler") -> dict[str, Any]:
    response = w.client.get(f"{API}/{path}", headers=w.headers(user))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def looks(w: World, flow_id: str) -> list[str]:
    response = w.client.get(f"/api/v1/flows/{flow_id}/access-log", headers=w.headers())
    assert response.status_code == 200, response.text
    return [entry["view"] for entry in response.json()]


# -- the allocation board -------------------------------------------------------------------


def test_the_allocation_workbook_holds_the_rows_of_the_offices_board(world: World) -> None:
    patients(world)
    world.clock.advance(days=1)
    shown = board(world, "allocation")
    response = export(world, "allocation/export.xlsx")
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="tildeling-2026-03-03.xlsx"'

    sheets = xlsx_sheets(response.content)
    assert list(sheets) == ["Pasienter", "Brutte sløyfer"]
    expected = [
        (title, card["name"], card["national_id"])
        for key, title in COLUMNS.items()
        for card in shown[key]
    ]
    rows = sheets["Pasienter"]
    assert [(r["Kolonne"], r["Navn"], r["Fødselsnummer"]) for r in rows] == expected
    assert len(expected) == 3

    (kari,) = [r for r in rows if r["Navn"] == "Kari Nordmann"]
    (ready,) = shown["ready"]
    assert kari["Overliggedøgn"] == ready["days_waiting"] == 5
    assert kari["Kostnad så langt (kr)"] == ready["cost_so_far"]
    assert isinstance(kari["Kostnad så langt (kr)"], int)
    assert kari["Utskrivningsklar fra"] == datetime(2026, 2, 27, 10, 0)  # Oslo, no zone
    assert kari["Anslag (klar fra)"] == "ja"
    (ola,) = [r for r in rows if r["Navn"] == "Ola Nordmann"]
    assert ola["Planlagt utskrivning"] == datetime(2026, 3, 3)
    assert ola["Anslag (utskrivning)"] == "ja" and ola["Risiko"] == "fallrisiko"


def test_the_workbooks_cells_are_dates_numbers_and_text_under_a_frozen_header(
    world: World,
) -> None:
    patients(world)
    content = export(world, "allocation/export.xlsx").content
    sheet = load_workbook(io.BytesIO(content))["Pasienter"]
    assert sheet.freeze_panes == "A3"
    assert "Tildelingstavle · Testkommune" in str(sheet["A1"].value)
    assert "Eksportert 2. mars 2026 09:00" in str(sheet["A1"].value)
    headers = [cell.value for cell in sheet[2]]
    (row,) = [
        {h: cell for h, cell in zip(headers, cells, strict=True)}
        for cells in sheet.iter_rows(min_row=3)
        if cells[1].value == "Kari Nordmann"
    ]
    assert row["Utskrivningsklar fra"].is_date
    assert row["Utskrivningsklar fra"].number_format == "dd.mm.yyyy hh:mm"
    assert row["Overliggedøgn"].data_type == "n" and row["Fødselsnummer"].data_type == "s"
    assert row["Fødselsnummer"].value == KARI  # text: the leading zero stays
    assert all((sheet.column_dimensions[c].width or 0) >= 10 for c in "ABC")


def test_the_allocation_csv_holds_the_same_rows_for_norwegian_excel(world: World) -> None:
    patients(world)
    shown = board(world, "allocation")
    response = export(world, "allocation/export.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].endswith('tildeling-2026-03-02.csv"')

    tables = csv_tables(response.content)
    assert list(tables) == ["Pasienter", "Brutte sløyfer"]
    rows = tables["Pasienter"]
    expected = [
        (title, card["name"], card["national_id"])
        for key, title in COLUMNS.items()
        for card in shown[key]
    ]
    assert [(r["Kolonne"], r["Navn"], r["Fødselsnummer"]) for r in rows] == expected
    (kari,) = [r for r in rows if r["Navn"] == "Kari Nordmann"]
    assert kari["Utskrivningsklar fra"] == "2026-02-27 10:00"
    assert kari["Overliggedøgn"] == str(shown["ready"][0]["days_waiting"])
    (ola,) = [r for r in rows if r["Navn"] == "Ola Nordmann"]
    assert date.fromisoformat(ola["Planlagt utskrivning"]) == date(2026, 3, 3)


# -- a unit's and a zone's board ------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_a_nurses_export_holds_her_units_patients_and_no_other(world: World, suffix: str) -> None:
    patients(world)
    kort = world.unit("KORT")
    shown = board(world, f"units/{kort}", "sykepleier")
    response = export(world, f"units/{kort}/export.{suffix}", "sykepleier")
    read = xlsx_sheets if suffix == "xlsx" else csv_tables
    tables = read(response.content)
    assert list(tables) == ["Senger", "Kommer", "Reiser i dag og i morgen", "Oppgaver"]
    beds = [(r["Seng"], r["Status"], r["Navn"] or None) for r in tables["Senger"]]
    status = {"free": "Ledig", "occupied": "Opptatt", "reserved": "Reservert"}
    assert beds == [
        (s["bed"], status[s["status"]], s["flow"]["name"] if s["flow"] else None)
        for s in shown["beds"]
    ]
    assert [r["Navn"] for r in tables["Oppgaver"]] == [t["name"] for t in task_rows(shown)]
    assert [r["Navn"] for r in tables["Reiser i dag og i morgen"]] == ["Ola Nordmann"]
    text = readable(response)
    assert "Ola Nordmann" in text
    for hidden in ("Per Utredning", PER, "Kari Nordmann", KARI):
        assert hidden not in text
    assert OLA not in text  # the bed board's page shows no identity number either


def task_rows(shown: dict[str, Any]) -> list[dict[str, Any]]:
    """A board's lists of tasks, one after another, as the export lists them."""
    lists = shown["task_lists"]
    return [*lists["to_do"], *lists["to_confirm"], *lists["waiting_for_others"]]


def test_a_zone_export_holds_who_comes_home_to_the_zone(admin_world: World) -> None:
    w = admin_world
    patients(w)
    nord = w.unit("NORD")
    shown = board(w, f"zones/{nord}", "hjemmesykepleier")
    sheets = xlsx_sheets(export(w, f"zones/{nord}/export.xlsx", "hjemmesykepleier").content)
    assert list(sheets) == ["Kommer hjem", "Oppgaver og første besøk"]
    (ola,) = sheets["Kommer hjem"]
    assert [item["flow"]["name"] for item in shown["coming_home"]] == [ola["Navn"]]
    assert ola["Hjem"] == datetime(2026, 3, 3) and ola["Anslag (utskrivning)"] == "ja"
    assert ola["Fra"] == "Korttid Test"
    checklist = shown["coming_home"][0]["checklist"]
    assert (ola["Sjekkliste utført"], ola["Sjekkliste i alt"]) == (
        checklist["closed"],
        checklist["total"],
    )
    assert [r["Navn"] for r in sheets["Oppgaver og første besøk"]] == [
        t["name"] for t in task_rows(shown)
    ]


# -- the access log -------------------------------------------------------------------------


def test_each_export_logs_every_patient_it_names_in_one_write_before_it_is_sent(
    world: World,
) -> None:
    flows = patients(world)
    statements: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "access_log" in statement and statement.lstrip().upper().startswith("INSERT"):
            statements.append(statement)

    event.listen(world.system.engine, "before_cursor_execute", count)
    try:
        export(world, "allocation/export.xlsx")
    finally:
        event.remove(world.system.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    for flow_id in flows.values():
        assert looks(world, flow_id) == ["api/eksport/tildeling.xlsx"]

    export(world, f"units/{world.unit('KORT')}/export.csv", "sykepleier")
    assert looks(world, flows["ola"]) == ["api/eksport/enhet.csv", "api/eksport/tildeling.xlsx"]
    assert looks(world, flows["per"]) == ["api/eksport/tildeling.xlsx"]


def test_an_erased_patient_shows_as_erased_like_on_the_board(admin_world: World) -> None:
    w = admin_world
    flows = patients(w)
    admin = w.accounts.find("admin")
    assert admin is not None
    w.flows.erase_identity(UUID(flows["kari"]), "sak 2026/17", by=admin.actor, at=w.clock())
    shown = board(w, "allocation")
    assert shown["ready"][0]["name"] == "[slettet]"
    response = export(w, "allocation/export.csv")
    (erased,) = [
        r for r in csv_tables(response.content)["Pasienter"] if r["Kolonne"] == "Utskrivningsklar"
    ]
    assert erased["Navn"] == "[slettet]" and erased["Fødselsnummer"] == ""
    assert "Kari Nordmann" not in readable(response) and KARI not in readable(response)


# -- refusals and tenancy -------------------------------------------------------------------


def test_exports_refuse_as_the_boards_do(admin_world: World) -> None:
    w = admin_world
    kort, utred, nord = (w.unit(code) for code in ("KORT", "UTRED", "NORD"))
    annen = w.unit("ANNEN", "9997")
    refused = [
        ("allocation/export.xlsx", "sykepleier", 403),
        ("allocation/export.csv", "leder", 403),
        ("allocation/export.xlsx", "admin", 403),
        (f"units/{kort}/export.xlsx", "leder", 403),
        (f"units/{utred}/export.xlsx", "sykepleier", 403),
        (f"zones/{nord}/export.csv", "sykepleier", 403),
        (f"units/{uuid4()}/export.xlsx", "saksbehandler", 404),
        (f"units/{annen}/export.xlsx", "saksbehandler", 404),
        (f"units/{nord}/export.xlsx", "saksbehandler", 404),
        (f"zones/{kort}/export.csv", "saksbehandler", 404),
        ("allocation/export.pdf", "saksbehandler", 422),
        ("units/not-a-unit/export.csv", "saksbehandler", 422),
    ]
    for path, user, status in refused:
        response = w.client.get(f"{API}/{path}", headers=w.headers(user))
        assert response.status_code == status, (path, user, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert w.client.get(f"{API}/allocation/export.xlsx").status_code == 401


def test_no_export_crosses_a_municipality(world: World) -> None:
    patients(world)
    open_flow(world, "Nina Naboen", with_check_digits("048180123"), user="saksbehandler2")
    theirs = readable(export(world, "allocation/export.xlsx", "saksbehandler2"))
    ours = readable(export(world, "allocation/export.xlsx"))
    assert "Nina Naboen" in theirs and "Nina Naboen" not in ours
    for name, number in [("Kari Nordmann", KARI), ("Ola Nordmann", OLA), ("Per Utredning", PER)]:
        assert name in ours and name not in theirs and number not in theirs


# -- for browsers ---------------------------------------------------------------------------


def test_a_board_page_links_its_spreadsheets_which_come_in_the_users_language(
    world: World,
) -> None:
    flows = patients(world)
    kort = world.unit("KORT")
    assert log_in(world.client, "sykepleier", "pw-2").status_code == 303
    page = world.client.get(f"/enheter/{kort}")
    assert f'href="/enheter/{kort}/export.xlsx"' in page.text and "Last ned (Excel)" in page.text
    assert f'href="/enheter/{kort}/export.csv"' in page.text

    world.client.cookies.set("sprak", "en")
    response = world.client.get(f"/enheter/{kort}/export.xlsx")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="korttid-test-2026-03-02.xlsx"'
    sheets = xlsx_sheets(response.content)
    assert list(sheets) == ["Beds", "Arriving", "Leaving today and tomorrow", "Tasks"]
    (ola,) = [r for r in sheets["Beds"] if r["Name"]]
    assert ola["Status"] == "Occupied" and ola["Name"] == "Ola Nordmann"
    assert looks(world, flows["ola"])[0] == "eksport/enhet.xlsx"
    assert world.client.get("/tildeling/export.csv").status_code == 403


def test_a_display_device_gets_no_export(world: World) -> None:
    patients(world)
    by = world.accounts.find("saksbehandler")
    assert by is not None
    kort = world.unit("KORT")
    _, token = world.system.devices.issue(
        municipality_id("9998"), kort, "Korridor", by=by.id, at=world.clock()
    )
    bearer = {"Authorization": f"Bearer {token}"}
    assert world.client.get(f"{API}/units/{kort}/export.xlsx", headers=bearer).status_code == 401
    world.client.cookies.set(DEVICE_COOKIE, token)
    page = world.client.get(f"/enheter/{kort}/export.csv", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/logg-inn"
