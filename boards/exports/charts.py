"""Bar charts drawn on the server as SVG: plain shapes and words, legible without colour.

A chart of a figure by month has a group of standing bars per month, one bar for each of its
series (the units of the occupancy, the counts of a figure), each series filled with its own
pattern that the legend shows beside its name, and the value written over each bar where
there is room (the table under the chart has every value). A chart of a figure by unit, kind
or task is one column: a lying bar per row, its name before it and its value after it. A
value that is hidden or missing gets no bar, only its sign ("<3", ":" or "–").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from projections.figures.small_counts import Value
from projections.figures.table import FigureRow

WIDTH, HEIGHT = 640, 170
_TOP, _BOTTOM, _LEFT = 18, 24, 8
_LINE, _NAMES, _VALUES = 22, 400, 50  # a lying bar's height, and room for names and values
#: A bar narrower than this has no room for its value written over it.
_WRITTEN = 30
#: How many patterns tell the series apart (`figures.html` draws them).
PATTERNS = 6


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # a lying bar's name
    value: str  # written over the bar, or after a lying one ("" when there is no room)
    series: int = 0


@dataclass(frozen=True)
class Tick:
    """A month's name under its group of bars."""

    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    title: str
    measure: str  # what a bar's value is: prosent, døgn, antall, kr
    bars: list[Bar]
    series: list[str] = field(default_factory=list)  # the legend's names, pattern by pattern
    ticks: list[Tick] = field(default_factory=list)
    lying: bool = False
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - _BOTTOM


def series_chart(
    title: str, measure: str, rows: list[FigureRow], labels: list[str], number: object
) -> Chart:
    """The rows as the series of one chart over the columns `labels` (its months as the page
    writes them); `number` formats a value as the page's language writes it."""
    numbers = [v for row in rows for v in row.values if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    slot = (WIDTH - 2 * _LEFT) / max(len(labels), 1)
    width = slot * 0.8 / max(len(rows), 1)
    room = HEIGHT - _TOP - _BOTTOM
    bars = []
    for s, row in enumerate(rows):
        for i, value in enumerate(row.values):
            height = room * value / top if isinstance(value, int | float) else 0.0
            written = _written(value, number) if width >= _WRITTEN else ""
            x = _LEFT + i * slot + slot * 0.1 + s * width
            bars.append(Bar(x, HEIGHT - _BOTTOM - height, width, height, "", written, s))
    ticks = [Tick(_LEFT + (i + 0.5) * slot, label) for i, label in enumerate(labels)]
    return Chart(title, measure, bars, [row.label for row in rows], ticks)


def lying_bar_chart(row: FigureRow, measure: str, names: list[str], number: object) -> Chart:
    """One column of a figure as lying bars, a line per name."""
    numbers = [v for v in row.values if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    room = WIDTH - _NAMES - _VALUES
    bars = [
        Bar(
            x=_NAMES,
            y=i * _LINE + 3,
            width=room * value / top if isinstance(value, int | float) else 0.0,
            height=_LINE - 6,
            label=name,
            value=_written(value, number),
        )
        for i, (value, name) in enumerate(zip(row.values, names, strict=True))
    ]
    height = len(bars) * _LINE
    return Chart(row.label, measure, bars, lying=True, height=height, baseline=_NAMES)


def _written(value: Value, number: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    assert callable(number)
    return str(number(value))
