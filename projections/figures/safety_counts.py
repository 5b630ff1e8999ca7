"""What the patient-safety figures (`projections/figures/safety.py`,
`projections/figures/safety_flags.py`) share: their counts per unit and month, summed for the
municipality, and the one rule that hides them (`protected`), the same in every safety
figure and like every leader figure's (`projections/figures/small_counts.py`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.figures.queries import UnitCapacity
from projections.figures.small_counts import SMALL, hidden

MUNICIPALITY = "Kommunen"

#: Per unit (None: the municipality) and month, the counts a figure hides or shows.
Counts = dict[tuple[UUID | None, str], list[int]]


def protected(
    units: list[UnitCapacity], months: list[str], counts: Counts, width: int
) -> dict[Any, bool]:
    """Per unit and month, whether its counts are hidden: each month the units' counts are
    a table hidden both ways (its columns add up to the municipality's, which is shown), and
    a unit with any cell hidden shows none of its values. The municipality's are hidden
    where one of its own counts is small."""
    hide: dict[Any, bool] = {}
    for month in months:
        table = [counts.get((u.id, month), [0] * width) for u in units]
        for unit, row in zip(units, hidden(table, both_ways=True) if table else [], strict=True):
            hide[unit.id, month] = any(row)
        total = counts.get((None, month), [0] * width)
        hide[None, month] = any(0 < c < SMALL for c in total)
    return hide


def summed(counts: Counts, units: list[UnitCapacity], months: list[str], width: int) -> None:
    """The municipality's counts: the units' summed."""
    for month in months:
        counts[None, month] = [
            sum(counts.get((u.id, month), [0] * width)[i] for u in units) for i in range(width)
        ]


def places(units: list[UnitCapacity]) -> list[tuple[UUID | None, str]]:
    return [(None, MUNICIPALITY), *((u.id, u.name) for u in units)]


def figure_key(figure: str, place: UUID | None) -> str:
    return figure if place is None else f"{figure}-{place.hex}"
