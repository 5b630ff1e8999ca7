"""The leaders' figures as the API and the page read them: the months asked for, the read
models caught up, the uses of emergency access counted; never a patient."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from fastapi.responses import Response

from access.accounts import User
from boards.exports import period
from boards.exports.charts import Chart, lying_bar_chart, series_chart
from boards.exports.spreadsheets import SheetFormat, download, spreadsheet
from boards.exports.tables import Export, Table
from boards.services.system import System
from boards.web.translations import formatters, translator
from flow.payment_clock import first_day, next_month, oslo_day
from projections.figures.headline import Headline, read_headline
from projections.figures.report import (
    EmergencyUse,
    Figures,
    first_day_of_data,
    read_occupancy_by_day,
    read_safety,
)
from projections.figures.safety import SafetyPlace
from projections.figures.table import FigureRow, FigureTable

#: A figure whose rows are many (one for each task and owner): its table reads better than
#: a chart of them all would.
TABLE_ONLY = frozenset({"loops"})
#: What a figure by month draws as the series of its one chart, all of one measure: the
#: rows whose label ends with one of these, and that measure. A figure not named here draws
#: every row (each unit's occupied beds, each count of emergency access), in its measure.
DRAWN: dict[str, tuple[str, tuple[str, ...]]] = {
    "waiting": ("døgn", ("Overliggedøgn (døgn)",)),
    "answers": ("antall", ("Meldt utskrivningsklar", "Besvart", "Kom til kommunal plass")),
    "days_avoided": ("døgn", ("Døgn på sykehus uten betaling (døgn)",)),
    "length_of_stay": ("døgn", (": median døgn",)),
    "readmissions": ("antall", ("Utskrevet hjem", "Reinnlagt innen 30 dager")),
    "benefit": ("antall", ("Mottakere med Pasientflyt", "Mottakere med e-postliste til alle")),
}


def figures_for(
    system: System, leader: User, start: date | None, end: date | None, now: datetime
) -> Figures:
    """The figures of the months asked for (any day of a month stands for the month) that
    are over: `boards.exports.period.months`, `Figures.read`."""
    first, last = period.months(start, end, now)
    system.projector.catch_up()
    asked = period.moments(first, next_month(last) - timedelta(days=1))
    uses = [
        EmergencyUse(grant.granted_at, grant.reviewed_at)
        for grant in system.emergency.granted_between(leader.municipality_id, *asked)
    ]
    return Figures.read(
        system.engine,
        leader.municipality_id,
        first,
        last,
        now,
        system.rates.of(leader.municipality_id),
        uses,
    )


def default_start(system: System, leader: User, now: datetime) -> date:
    """The first month the page shows when none is asked for: of the months that have
    data, at most the last `period.MOST_MONTHS` over (`period.first_with_data`)."""
    system.projector.catch_up()
    first = first_day_of_data(system.engine, leader.municipality_id)
    return period.first_with_data(first, now)


def headline_for(system: System, leader: User, figures: Figures, now: datetime) -> list[Headline]:
    """The headline of the figures' last month against the month before; none when no
    month of theirs is over yet."""
    if not figures.months:
        return []
    rates = system.rates.of(leader.municipality_id)
    return read_headline(system.engine, leader.municipality_id, figures.end, now, rates)


#: A unit's page shows its own safety figures of the last this many months over.
UNIT_MONTHS = 3


def unit_safety(
    system: System, municipality_id: UUID, unit_id: UUID, now: datetime, language: str
) -> tuple[SafetyPlace | None, dict[str, list[str]]]:
    """A unit's own patient-safety figures over its last months over, as the leaders see
    them (the same hidden cells), and their columns as the page writes them."""
    last = oslo_day(now).replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    for _ in range(UNIT_MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    system.projector.catch_up()
    place = read_safety(system.engine, municipality_id, first, last, now).of_unit(unit_id)
    return place, column_labels(place.tables if place else [], language)


def figures_download(
    system: System,
    leader: User,
    start: date | None,
    end: date | None,
    sheet_format: SheetFormat,
    language: str,
    now: datetime,
) -> Response:
    """The figures as a spreadsheet: a sheet (or a block of CSV) per figure, the
    patient-safety figures of the municipality and each unit first, plus the occupied beds
    per unit and day; the same hidden cells as the page."""
    figures = figures_for(system, leader, start, end, now)
    by_day = read_occupancy_by_day(
        system.engine, leader.municipality_id, figures.start, figures.end, now
    )
    _ = translator(language)
    labels = column_labels(figures.every_table(), language)
    safety = [
        (f"{_(place.name)} · {_(table.title)}", table)
        for place in figures.safety.places
        for table in place.tables
    ]
    others = [(_(table.title), table) for table in [*figures.tables, by_day]]
    tables = [
        Table(
            title,
            ("", *labels.get(table.key, table.columns)),
            [(_(row.label), *row.values) for row in table.rows],
        )
        for title, table in [*safety, *others]
    ]
    municipality = system.flows.municipality_name(leader.municipality_id)
    export = Export(f"{_('Tall for ledere')} · {municipality}", "ledertall", tables)
    moment = formatters(language)["moment"](now, "d. MMMM y HH:mm")
    first, last = figures.start.isoformat()[:7], figures.end.isoformat()[:7]
    heading = f"{export.title} · {first} – {last} · {_('Eksportert')} {moment}"
    content = spreadsheet(export, sheet_format, heading, language)
    name = f"ledertall-{first}-{last}.{sheet_format.value}"
    return download(content, sheet_format, name)


def column_labels(tables: list[FigureTable], language: str) -> dict[str, list[str]]:
    """Per figure, its columns as the page writes them: a month as "mar. 26"."""
    day = formatters(language)["day"]
    return {
        table.key: [day(first_day(c), "MMM yy") if _is_month(c) else c for c in table.columns]
        for table in tables
    }


def charts_of(
    figures: Figures, labels: dict[str, list[str]], language: str
) -> dict[str, Chart | None]:
    """Per figure, its one chart: for a figure by month, the rows it draws (`DRAWN`) as
    the series of a chart over its months (`labels`: as the page writes them); for a figure
    by unit, kind or task, its first column as lying bars; none for a figure of many rows
    (`TABLE_ONLY`), nor where there is nothing to draw (all hidden or missing): its table
    stays."""
    number = formatters(language)["number"]
    charts: dict[str, Chart | None] = {}
    for table in figures.tables:
        chart = _chart_of(table, labels[table.key], number)
        drawing = chart is not None and any(bar.width and bar.height for bar in chart.bars)
        charts[table.key] = chart if drawing else None
    return charts


def _chart_of(table: FigureTable, labels: list[str], number: object) -> Chart | None:
    if table.key in TABLE_ONLY:
        return None
    if all(_is_month(c) for c in table.columns):
        measure, drawn = DRAWN.get(table.key, (table.measure, ()))
        rows = [r for r in table.rows if not drawn or r.label.endswith(drawn)]
        return series_chart(table.title, measure, rows, labels, number)
    first = FigureRow(table.columns[0], [row.values[0] for row in table.rows])
    return lying_bar_chart(first, table.measure, [row.label for row in table.rows], number)


def _is_month(column: str) -> bool:
    return len(column) == 7 and column[4] == "-"
