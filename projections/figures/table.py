"""A figure as the leaders see it: rows of values under its columns, small counts hidden
(`projections/figures/small_counts.py`), and the values worked out from a count shown only
where the count is."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from projections.figures.small_counts import Value, derived, hidden, shown


@dataclass(frozen=True)
class FigureRow:
    label: str
    values: list[Value]


@dataclass(frozen=True)
class FigureTable:
    """One figure: rows of values under its columns (months, or named columns)."""

    key: str
    title: str
    measure: str  # what a value is: antall, prosent, døgn, timer, kr
    columns: list[str]
    rows: list[FigureRow]


def counted(
    key: str,
    title: str,
    columns: list[str],
    counts: list[tuple[str, list[int]]],
    worked_out: Sequence[tuple[str, str, list[float | None], int]] = (),
    measure: str = "antall",
    both_ways: bool = True,
) -> FigureTable:
    """A table of counts with small ones hidden, and values derived from one of its count
    rows (`worked_out`: label, measure, values, the row they come from) shown where it is."""
    hide = hidden([c for _, c in counts], both_ways)
    rows = [
        FigureRow(label, [shown(v, h) for v, h in zip(values, hide[i], strict=True)])
        for i, (label, values) in enumerate(counts)
    ]
    for label, unit, values, of_row in worked_out:
        rows.append(
            FigureRow(
                f"{label} ({unit})",
                [derived(v, h) for v, h in zip(values, hide[of_row], strict=True)],
            )
        )
    return FigureTable(key, title, measure, columns, rows)


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None
