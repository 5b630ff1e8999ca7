"""The leaders' figures of the stays on short-term units: occupied beds per unit by month
(and by day, for export), and the length of the stays ended per unit kind by month.

A bed is occupied on a day when a patient stays in it at the day's end (a midnight count),
in Oslo. Every cell is one month's: a night counts in its month, a stay in the month it
ended.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from flow.payment_clock import oslo_day
from flow.vocabulary import KIND_TEXT, UnitKind
from projections.figures.queries import Period, UnitCapacity, month_key
from projections.figures.small_counts import Value, derived, hidden, hidden_by_month, shown
from projections.figures.table import FigureRow, FigureTable, mean, median

#: What a leader reads of a unit kind's stays ended in a month, one row each.
STAY_ROWS = ("avsluttede opphold", "median døgn", "snitt døgn")


def occupancy(period: Period, places: list[UnitCapacity], stay_rows: list[Any]) -> FigureTable:
    """Occupied beds per unit: bed-nights per month, as a share of the unit's beds."""
    nights = _nights(period, stay_rows)
    hide = _hidden_nights(period, places, nights)
    rows = [
        FigureRow(
            place.name,
            [
                derived(_share(period, m, nights[place.id][m], place.beds), hide[i][c])
                for c, m in enumerate(period.months)
            ],
        )
        for i, place in enumerate(places)
    ]
    return FigureTable(
        "occupancy",
        "Belegg per enhet (andel av sengene, midnattstelling)",
        "prosent",
        period.months,
        rows,
    )


def occupancy_overall(
    period: Period, places: list[UnitCapacity], stay_rows: list[Any]
) -> list[Value]:
    """The municipality's occupied beds by month: all its units' bed-nights as a share of
    all their beds. Shown only in a month where every unit's own share is: the units'
    shares give their bed-nights, and the whole less those shown would tell a hidden one."""
    nights = _nights(period, stay_rows)
    hide = _hidden_nights(period, places, nights)
    beds = sum(p.beds for p in places)
    return [
        derived(
            _share(period, m, sum(nights[p.id][m] for p in places), beds),
            any(row[c] for row in hide),
        )
        for c, m in enumerate(period.months)
    ]


def _nights(period: Period, stay_rows: list[Any]) -> dict[UUID, Counter[str]]:
    """Bed-nights per unit and month of the period."""
    nights: dict[UUID, Counter[str]] = defaultdict(Counter)
    for s in stay_rows:
        last = oslo_day(s.left_at) - timedelta(days=1) if s.left_at else period.end
        for day, count in period.days_by_month(oslo_day(s.arrived_at), last):
            nights[s.unit_id][month_key(day)] += count
    return nights


def _hidden_nights(
    period: Period, places: list[UnitCapacity], nights: dict[UUID, Counter[str]]
) -> list[list[bool]]:
    counts = [[nights[p.id][m] for m in period.months] for p in places]
    return hidden_by_month(counts, both_ways=False)


def _share(period: Period, month: str, nights: int, beds: int) -> float | None:
    days = period.days_in(month)
    return round(100 * nights / (beds * days), 1) if beds and days else None


def occupancy_by_day(
    period: Period, places: list[UnitCapacity], stay_rows: list[Any]
) -> FigureTable:
    """Occupied beds per unit and day: the figure behind `occupancy`, for export. A unit's
    days of one month are a line (their sum is the month's bed-nights, which `occupancy`
    tells), and no line runs across months."""
    days = list(period.days(period.start, period.end))
    occupied: dict[UUID, Counter[date]] = defaultdict(Counter)
    for s in stay_rows:
        last = oslo_day(s.left_at) - timedelta(days=1) if s.left_at else period.end
        for day in period.days(oslo_day(s.arrived_at), last):
            occupied[s.unit_id][day] += 1
    counts = [[occupied[p.id][d] for d in days] for p in places]
    hide: list[list[bool]] = [[] for _ in places]
    for month in period.months:
        its_days = [i for i, d in enumerate(days) if month_key(d) == month]
        block = hidden([[row[c] for c in its_days] for row in counts], both_ways=False)
        for row, part in zip(hide, block, strict=True):
            row.extend(part)
    rows = [
        FigureRow(p.name, [shown(v, h) for v, h in zip(counts[i], hide[i], strict=True)])
        for i, p in enumerate(places)
    ]
    columns = [d.isoformat() for d in days]
    title = "Belagte senger per enhet og dag"
    return FigureTable("occupancy_by_day", title, "antall", columns, rows)


def length_of_stay(
    period: Period, places: Sequence[UnitCapacity], stay_rows: list[Any]
) -> FigureTable:
    """Per kind of short-term unit the municipality has, and month: the stays ended in the
    month, and their median and mean length in days where at least 3 ended and none of them
    is hidden. A month's stays, never a period's: a mean over a period one stay longer than
    another would tell that stay's length."""
    kind_of = {p.id: p.kind for p in places}
    lengths: dict[tuple[str, str], list[float]] = defaultdict(list)
    for s in stay_rows:
        if s.left_at is not None and period.holds(s.left_at):
            key = (kind_of.get(s.unit_id, ""), month_key(oslo_day(s.left_at)))
            lengths[key].append((s.left_at - s.arrived_at).total_seconds() / 86400)
    kinds = [k for k in KIND_TEXT if k != UnitKind.HOME_CARE_ZONE and k in kind_of.values()]
    months = period.months
    counts = [[len(lengths[k, m]) for m in months] for k in kinds]
    hide = hidden_by_month(counts, both_ways=True)
    rows = []
    for i, kind in enumerate(kinds):
        ended, typical, average = (f"{KIND_TEXT[kind]}: {text}" for text in STAY_ROWS)
        rows += [
            FigureRow(ended, [shown(c, h) for c, h in zip(counts[i], hide[i], strict=True)]),
            FigureRow(typical, _derived(median, [lengths[kind, m] for m in months], hide[i])),
            FigureRow(average, _derived(mean, [lengths[kind, m] for m in months], hide[i])),
        ]
    return FigureTable(
        "length_of_stay",
        "Liggetid per type korttidsplass",
        "døgn",
        months,
        rows,
        "Oppholdene som ble avsluttet i måneden.",
    )


def _derived(
    of: Callable[[list[float]], float | None], by_month: list[list[float]], hide: list[bool]
) -> list[Value]:
    return [derived(of(values), h) for values, h in zip(by_month, hide, strict=True)]
