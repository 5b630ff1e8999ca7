"""The waiting-day statement as a spreadsheet to lay beside a hospital's invoice: one line per
wait with the statement's columns, a sum line after each hospital's and one for the month.
The same read and check as the statement's page and JSON; the access log is written before
the file is sent, as for every export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from fastapi.responses import Response

from access.accounts import User
from access.policy import viewer_of
from boards.exports.spreadsheets import SheetFormat, download, spreadsheet
from boards.exports.tables import Cell, Export, Table, Words, slug
from boards.services import board_reads
from boards.services.looks import looks_logged
from boards.services.system import System
from boards.web.translations import formatters, translator
from flow.payment_clock import Answer
from projections.waiting_days import Statement, StatementRow

HEADERS = (
    "Sykehus",
    "HER-id",
    "Navn",
    "Fødselsnummer",
    "Utskrivningsklar fra",
    "Anslag (klar fra)",
    "Svar til sykehuset",
    "Sluttdag",
    "Hvordan ventetiden endte",
    "Døgn i måneden",
    "Døgnpris (kr)",
    "Døgnpris for år",
    "Beløp (kr)",
)


def statement_download(
    system: System,
    user: User,
    month: date,
    hospital: str | None,
    sheet_format: SheetFormat,
    language: str,
    now: datetime,
    *,
    via: str = "",
) -> Response:
    """`via` prefixes the access log's view: "api/" for the JSON API, "" for the pages."""
    found = board_reads.waiting_day_statement(system, viewer_of(user), month, hospital, now)
    view = f"{via}eksport/overliggedogn.{sheet_format.value}"
    with looks_logged(system, user, found, view, now):  # written while the file is made
        _, formats = translator(language), formatters(language)
        export = statement_export(
            found, _, formats, system.flows.municipality_name(user.municipality_id)
        )
        exported = formats["moment"](now, "d. MMMM y HH:mm")
        heading = f"{export.title} · {_('Eksportert')} {exported}"
        content = spreadsheet(export, sheet_format, heading, language)
    filename = f"{export.stem}.{sheet_format.value}"
    return download(content, sheet_format, filename)


def statement_export(
    found: Statement, _: Words, formats: dict[str, Callable[..., str]], municipality: str
) -> Export:
    month = formats["day"](found.month, "LLLL y")
    rows: list[tuple[Cell, ...]] = []
    for part in found.parts:
        rows += [_line(row, _, formats) for row in part.rows]
        rows.append(
            _sum(f"{_('Sum')} {_(part.hospital)}", part.hospital_her, part.days, part.amount)
        )
    rows.append(_sum(_("Sum for måneden"), None, found.days, found.amount))
    title = f"{_('Overliggedøgn')} {month} · {municipality}"
    stem = "-".join(
        [
            "overliggedogn",
            found.month.strftime("%Y-%m"),
            *([slug(found.hospital)] if found.hospital else []),
        ]
    )
    table = Table(_("Overliggedøgn"), tuple(_(header) for header in HEADERS), rows)
    return Export(title, stem, [table])


def answer_words(answer: Answer, _: Words, formats: dict[str, Callable[..., str]]) -> str:
    """An answer as the statement writes it: when it was told, and what."""
    told = formats["moment"](answer.told_at, "d.M.y HH:mm")
    if answer.can_receive:
        what = _("tilbud klart fra {day}").format(day=formats["day"](answer.offer_from, "d.M.y"))
    elif answer.expected_on is not None:
        expected = formats["day"](answer.expected_on, "d.M.y")
        what = _("kan ikke ta imot ennå, tilbud ventet {day}").format(day=expected)
    else:
        what = _("kan ikke ta imot ennå")
    return f"{told}: {what}"


def _line(row: StatementRow, _: Words, formats: dict[str, Callable[..., str]]) -> tuple[Cell, ...]:
    return (
        _(row.hospital),
        row.hospital_her,
        row.name,
        row.national_id,
        row.ready_on,
        _("ja") if row.estimate else None,
        "; ".join(answer_words(answer, _, formats) for answer in row.answers) or _("ingen svar"),
        row.ended_on,
        _(row.end_text),
        row.days,
        row.rate,
        row.rate_year,
        row.amount,
    )


def _sum(label: str, her: str | None, days: int, amount: int) -> tuple[Cell, ...]:
    return (label, her, *[None] * 7, days, None, None, amount)
