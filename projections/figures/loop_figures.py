"""The leaders' figures of the closed loops: the share closed on time per template task and
owner, by month, and the loops open past their deadline now.

A loop counts in the month it falls due (`queries.falls_due`), closed on time or not as it
stood then, so a month's cells never change once the month is over.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from projections.figures.queries import OFFICE, Period, UnitCapacity
from projections.figures.small_counts import derived, hidden, shown
from projections.figures.table import FigureRow, FigureTable

#: Per template task and owner (title, owner's name): per month, the loops due and on time.
LoopTally = dict[tuple[str, str], Counter[str]]


def tally_loops(places: list[UnitCapacity], loops_due: list[Any]) -> LoopTally:
    """The loops due per template task, the unit that owns it and month (`loops_due_in`):
    how many fell due (`{month}/due`) and how many of them were closed on time."""
    names = {p.id: p.name for p in places}
    tally: LoopTally = defaultdict(Counter)
    for group in loops_due:
        owner = names.get(group.owner_unit, OFFICE)
        tally[group.title, owner][f"{group.month}/due"] += group.due
        tally[group.title, owner][f"{group.month}/on_time"] += group.on_time
    return tally


def hidden_in_month(tally: LoopTally, keys: list[tuple[str, str]], month: str) -> list[bool]:
    """Per task and owner, whether its month is hidden: a month's loops closed on time and
    not, per task and owner, are a table of counts of their own, hidden both ways (a row adds
    up to the loops due, a column to what the benefit figure shows for the month)."""
    counts = [
        [tally[k][f"{month}/on_time"], tally[k][f"{month}/due"] - tally[k][f"{month}/on_time"]]
        for k in keys
    ]
    return [any(row) for row in hidden(counts, both_ways=True)]


def loops_on_time(period: Period, places: list[UnitCapacity], loops_due: list[Any]) -> FigureTable:
    """Per template task and the unit that owns it, and month: the share of the loops due
    that were closed on time.

    A share is shown only where both its counts are (`hidden_in_month`), for a share of a
    count hidden would tell it. Each month by itself, so a share is the same in every period
    that holds its month."""
    tally = tally_loops(places, loops_due)
    keys = sorted(tally)
    shares: list[list[Any]] = [[] for _ in keys]
    for month in period.months:
        hide = hidden_in_month(tally, keys, month)
        for i, key in enumerate(keys):
            kept, all_due = tally[key][f"{month}/on_time"], tally[key][f"{month}/due"]
            share = round(100 * kept / all_due, 1) if all_due else None
            shares[i].append(derived(share, hide[i]))
    rows = [FigureRow(f"{title} — {owner}", shares[i]) for i, (title, owner) in enumerate(keys)]
    return FigureTable(
        "loops",
        "Andel sløyfer lukket i tide, per oppgave og enhet",
        "prosent",
        period.months,
        rows,
        "Av sløyfene med frist i måneden: andelen som ble lukket innen fristen.",
    )


def overdue_now(places: list[UnitCapacity], overdue_by_owner: list[Any]) -> FigureTable:
    """The loops open past their deadline now, per owner: a snapshot of now, not of the
    period."""
    names = {p.id: p.name for p in places}
    overdue: Counter[str] = Counter()
    for owner in overdue_by_owner:
        overdue[names.get(owner.owner_unit, OFFICE)] += owner.overdue
    owners = [OFFICE, *(p.name for p in places)]
    hide = hidden([[overdue[o]] for o in owners], both_ways=True)
    rows = [FigureRow(o, [shown(overdue[o], hide[i][0])]) for i, o in enumerate(owners)]
    return FigureTable("overdue_now", "Forfalte oppgaver som er åpne nå", "antall", ["Nå"], rows)
