"""A figure as the leaders see it: rows of values under its columns, small counts hidden
(`projections/figures/small_counts.py`), and the values worked out from a count shown only
where the count is."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from projections.figures.small_counts import Value, derived, hidden_by_month, shown


@dataclass(frozen=True)
class FigureRow:
    label: str
    values: list[Value]


@dataclass(frozen=True)
class FigureTable:
    """One figure: rows of values under its columns (months, or named columns), and what a
    reader needs to know of them beside the title (`note`, or "")."""

    key: str
    title: str
    measure: str  # what a value is: antall, prosent, døgn, timer, kr
    columns: list[str]
    rows: list[FigureRow]
    note: str = ""


#: A value worked out from count rows of a table: its label, its values by month, and the
#: rows it is worked out from.
WorkedOut = tuple[str, Sequence[float | None], Sequence[int]]


def counted(
    key: str,
    title: str,
    months: list[str],
    counts: list[tuple[str, list[int]]],
    worked_out: Sequence[WorkedOut] = (),
    both_ways: bool = True,
    note: str = "",
) -> FigureTable:
    """A table of counts by month with small ones hidden, each month by itself
    (`hidden_by_month`), and values worked out from its count rows, each shown in a month
    only where every count it is worked out from is shown: a share of a hidden small count
    would tell it."""
    hide = hidden_by_month([c for _, c in counts], both_ways)
    rows = [
        FigureRow(label, [shown(v, h) for v, h in zip(values, hide[i], strict=True)])
        for i, (label, values) in enumerate(counts)
    ]
    for label, values, of_rows in worked_out:
        hidden_where = [any(hide[r][c] for r in of_rows) for c in range(len(months))]
        rows.append(
            FigureRow(label, [derived(v, h) for v, h in zip(values, hidden_where, strict=True)])
        )
    return FigureTable(key, title, "antall", months, rows, note)


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None
