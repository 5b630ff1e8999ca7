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


def loops_on_time(period: Period, places: list[UnitCapacity], loops_due: list[Any]) -> FigureTable:
    """Per template task and the unit that owns it, and month: the share of the loops due
    that were closed on time.

    A month's loops closed on time and not, per task and owner, are a table of counts of
    their own, hidden both ways (a row adds up to the loops due, a column to what the benefit
    figure shows for the month); a share is shown only where both its counts are, for a
    share of a count hidden would tell it. Each month by itself, so a share is the same in
    every period that holds its month."""
    names = {p.id: p.name for p in places}
    tally: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for group in loops_due:
        owner = names.get(group.owner_unit, OFFICE)
        tally[group.title, owner][f"{group.month}/due"] += group.due
        tally[group.title, owner][f"{group.month}/on_time"] += group.on_time
    keys = sorted(tally)
    shares: list[list[Any]] = [[] for _ in keys]
    for month in period.months:
        due = [tally[k][f"{month}/due"] for k in keys]
        on_time = [tally[k][f"{month}/on_time"] for k in keys]
        counts = [[kept, all_due - kept] for kept, all_due in zip(on_time, due, strict=True)]
        hide = hidden(counts, both_ways=True)
        for i, (kept, all_due) in enumerate(zip(on_time, due, strict=True)):
            share = round(100 * kept / all_due, 1) if all_due else None
            shares[i].append(derived(share, any(hide[i])))
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
