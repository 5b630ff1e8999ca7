"""An export's tables as a file: XLSX (one sheet a table, a title row, real dates) or CSV
(UTF-8 with BOM and `;`, as Norwegian Excel opens it; the tables one after another).

Times are written as Oslo's wall clock without a zone, which is what a spreadsheet holds.
Text is always text: a name that starts with `=` is not a formula (in CSV it gets a leading
apostrophe, as OWASP advises against formula injection)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from enum import StrEnum

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from boards.exports.tables import Cell, Export, Table
from flow.rates import OSLO


class SheetFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {
    SheetFormat.CSV: "text/csv; charset=utf-8",
    SheetFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: How each language writes a day and a moment, as Excel number formats.
_DATE_FORMATS = {"nb": ("dd.mm.yyyy", "dd.mm.yyyy hh:mm"), "en": ("dd/mm/yyyy", "dd/mm/yyyy hh:mm")}
_NUMBER_FORMAT = "#,##0"
_DECIMAL_FORMAT = "#,##0.0"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet(export: Export, kind: SheetFormat, heading: str, language: str) -> bytes:
    """`heading` names the board and the moment of export, above each sheet's header row."""
    if kind == SheetFormat.CSV:
        return _csv(export, language)
    return _xlsx(export, heading, language)


def download(content: bytes, kind: SheetFormat, filename: str) -> Response:
    """A spreadsheet as an attachment, kept out of every cache."""
    return Response(
        content,
        media_type=MEDIA_TYPES[kind],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",  # patients' names stay out of caches
        },
    )


def local(value: datetime) -> datetime:
    """A moment as Oslo's wall clock, without a zone."""
    return value.astimezone(OSLO).replace(tzinfo=None)


# -- XLSX ----------------------------------------------------------------------------------


def _xlsx(export: Export, heading: str, language: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    day_format, moment_format = _DATE_FORMATS.get(language, _DATE_FORMATS["nb"])
    for table in export.tables:
        sheet = book.create_sheet(_sheet_name(table.title, book.sheetnames))
        sheet.cell(1, 1, _text(heading)).font = Font(bold=True, size=13)
        for column, header in enumerate(table.headers, start=1):
            sheet.cell(2, column, _text(header)).font = Font(bold=True)
        for row_number, row in enumerate(table.rows, start=3):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row_number, column)
                if isinstance(value, datetime):
                    cell.value, cell.number_format = local(value), moment_format
                elif isinstance(value, date):
                    cell.value, cell.number_format = value, day_format
                elif isinstance(value, int):
                    cell.value, cell.number_format = value, _NUMBER_FORMAT
                elif isinstance(value, float):
                    cell.value, cell.number_format = value, _DECIMAL_FORMAT
                elif isinstance(value, str):
                    cell.value = _text(value)
                    cell.data_type = "s"  # never a formula, whatever it starts with
        sheet.freeze_panes = "A3"
        if table.headers:
            last = f"{get_column_letter(len(table.headers))}{max(2, len(table.rows) + 2)}"
            sheet.auto_filter.ref = f"A2:{last}"
        _fit_columns(sheet, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: str) -> str:
    """Control characters have no place in an XLSX cell; openpyxl refuses them."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", value))


def _sheet_name(title: str, taken: list[str]) -> str:
    """Excel's rules: at most 31 characters, none of `[]:*?/\\`, unique in the book."""
    name = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Ark"
    candidate, n = name, 2
    while candidate.lower() in (t.lower() for t in taken):
        candidate, n = f"{name[:28]} {n}", n + 1
    return candidate


def _fit_columns(sheet: Worksheet, table: Table) -> None:
    for column, header in enumerate(table.headers, start=1):
        widest = max([len(header), *(_width(row[column - 1]) for row in table.rows)])
        sheet.column_dimensions[get_column_letter(column)].width = min(widest + 2, 50)


def _width(value: Cell) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return len(str(value)) if value is not None else 0


# -- CSV -----------------------------------------------------------------------------------


def _csv(export: Export, language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for number, table in enumerate(export.tables):
        if number:
            writer.writerow([])
        writer.writerow([_csv_cell(table.title, language)])
        writer.writerow([_csv_cell(header, language) for header in table.headers])
        writer.writerows([_csv_cell(value, language) for value in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def _csv_cell(value: Cell, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):  # Norwegian Excel reads a decimal comma
        return str(value).replace(".", ",") if language == "nb" else str(value)
    if isinstance(value, datetime):
        return local(value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return f"'{value}"
    return str(value)
