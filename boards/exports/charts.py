"""Bar charts drawn on the server as SVG: plain shapes and words, legible without colour.

A chart of a figure by month is one row: a standing bar per month with its value written on
it. A chart of a figure by unit, kind or task is one column: a lying bar per row, its name
before it and its value after it. A value that is hidden or missing gets no bar, only its
sign ("<3", ":" or "–").
"""

from __future__ import annotations

from dataclasses import dataclass

from projections.figures.small_counts import Value
from projections.figures.table import FigureRow

WIDTH, HEIGHT = 720, 150
_TOP, _BOTTOM, _LEFT = 18, 24, 8
_LINE, _NAMES, _VALUES = 22, 440, 50  # a lying bar's height, and room for names and values


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # under the bar
    value: str  # above it


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    lying: bool = False
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - _BOTTOM


def bar_chart(row: FigureRow, labels: list[str], number: object) -> Chart:
    """One row as bars; `number` formats a value as the page's language writes it."""
    numbers = [v for v in row.values if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    slot = (WIDTH - 2 * _LEFT) / max(len(row.values), 1)
    room = HEIGHT - _TOP - _BOTTOM
    bars = []
    for i, (value, label) in enumerate(zip(row.values, labels, strict=True)):
        height = room * value / top if isinstance(value, int | float) else 0.0
        bars.append(
            Bar(
                x=_LEFT + i * slot + slot * 0.15,
                y=HEIGHT - _BOTTOM - height,
                width=slot * 0.7,
                height=height,
                label=label,
                value=_written(value, number),
            )
        )
    return Chart(row.label, bars)


def lying_bar_chart(row: FigureRow, names: list[str], number: object) -> Chart:
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
    return Chart(row.label, bars, lying=True, height=len(bars) * _LINE, baseline=_NAMES)


def _written(value: Value, number: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    assert callable(number)
    return str(number(value))
