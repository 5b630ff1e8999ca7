"""The leaders' figures as the API and the page read them: the period asked for, the
read models caught up, the uses of emergency access counted; never a patient."""

from __future__ import annotations

from datetime import date, datetime

from access.accounts import User
from boards import period
from boards.charts import Chart, bar_chart, lying_bar_chart
from boards.system import System
from boards.translations import formatters
from projections.figures import EmergencyUse, FigureRow, Figures

#: The figures show the last twelve months unless asked otherwise.
DEFAULT_DAYS = 365


def figures_for(
    system: System, leader: User, start: date | None, end: date | None, now: datetime
) -> Figures:
    first, last = period.days(start, end, now, default=DEFAULT_DAYS)
    system.projector.catch_up()
    uses = [
        EmergencyUse(grant.granted_at, grant.reviewed_at is not None, grant.overdue(now))
        for grant in system.emergency.granted_between(
            leader.municipality_id, *period.moments(first, last)
        )
    ]
    return Figures.read(
        system.engine, leader.municipality_id, first, last, now, system.daily_rates, uses
    )


def column_labels(figures: Figures, language: str) -> dict[str, list[str]]:
    """Per figure, its columns as the page writes them: a month as "mar. 26"."""
    day = formatters(language)["day"]
    return {
        table.key: [
            day(date.fromisoformat(f"{c}-01"), "MMM yy") if _is_month(c) else c
            for c in table.columns
        ]
        for table in figures.tables
    }


def charts_of(figures: Figures, language: str) -> dict[str, list[Chart]]:
    """Per figure, its charts: a chart per row of a figure by month, and for a figure by
    unit, kind or task, one of its first column across the rows."""
    number = formatters(language)["number"]
    labels = column_labels(figures, language)
    charts: dict[str, list[Chart]] = {}
    for table in figures.tables:
        if all(_is_month(c) for c in table.columns):
            drawn = [bar_chart(row, labels[table.key], number) for row in table.rows]
        else:
            first = FigureRow(table.columns[0], [row.values[0] for row in table.rows])
            drawn = [lying_bar_chart(first, [row.label for row in table.rows], number)]
        # A chart with nothing to draw (all hidden or missing) is left out; its table stays.
        charts[table.key] = [c for c in drawn if any(bar.width and bar.height for bar in c.bars)]
    return charts


def _is_month(column: str) -> bool:
    return len(column) == 7 and column[4] == "-"
