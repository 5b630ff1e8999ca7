"""Tables written as XLSX and CSV: whatever a name holds, it stays text and the file opens."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from boards.exports.spreadsheets import SheetFormat, spreadsheet
from boards.exports.tables import Cell, Export, Table, slug

SUMMER_MORNING = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)  # 08:30 in Oslo (CEST)


def export_of(*rows: tuple[Cell, ...], title: str = "Pasienter") -> Export:
    headers = ("Navn", "Frist", "Dato", "Døgn")
    return Export("Tavle", "tavle", [Table(title, headers, list(rows))])


def test_a_name_that_looks_like_a_formula_stays_text_in_both_files() -> None:
    tricky = export_of(('=HYPERLINK("http://x","y")', None, None, None), ("-1+2", None, None, 3))
    sheet = load_workbook(io.BytesIO(spreadsheet(tricky, SheetFormat.XLSX, "T", "nb")))["Pasienter"]
    assert sheet["A3"].data_type == "s" and sheet["A3"].value == '=HYPERLINK("http://x","y")'
    assert sheet["A4"].data_type == "s" and sheet["D4"].value == 3
    lines = spreadsheet(tricky, SheetFormat.CSV, "T", "nb").decode("utf-8-sig").splitlines()
    rows = list(csv.reader(lines, delimiter=";"))
    assert rows[2][0] == '\'=HYPERLINK("http://x","y")' and rows[3][0] == "'-1+2"


def test_control_characters_do_not_stop_the_workbook() -> None:
    content = spreadsheet(
        export_of(("Kari\x00\x1b Nordmann", None, None, None)), SheetFormat.XLSX, "T", "nb"
    )
    assert load_workbook(io.BytesIO(content))["Pasienter"]["A3"].value == "Kari Nordmann"


def test_moments_are_oslo_wall_clock_and_days_are_days() -> None:
    table = export_of(("Kari", SUMMER_MORNING, date(2026, 7, 2), 4))
    english = load_workbook(io.BytesIO(spreadsheet(table, SheetFormat.XLSX, "T", "en")))
    cells = english["Pasienter"][3]
    assert cells[1].value == datetime(2026, 7, 1, 8, 30) and cells[1].is_date
    assert cells[1].number_format == "dd/mm/yyyy hh:mm"
    assert cells[2].value == datetime(2026, 7, 2) and cells[2].number_format == "dd/mm/yyyy"
    text = spreadsheet(table, SheetFormat.CSV, "T", "nb").decode("utf-8-sig")
    assert "Kari;2026-07-01 08:30;2026-07-02;4" in text


def test_a_sheet_name_keeps_to_excels_rules() -> None:
    long_title = "Oppgaver: [alle] / første besøk og mye mer enn det"
    content = spreadsheet(export_of(title=long_title), SheetFormat.XLSX, "T", "nb")
    (name,) = load_workbook(io.BytesIO(content)).sheetnames
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_a_place_name_becomes_a_plain_file_name() -> None:
    assert slug("Sone Sør / Ålgård") == "sone-sor-algard"
    assert slug("Korttid Test") == "korttid-test"
    assert slug("***") == "tavle"
