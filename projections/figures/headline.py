"""The headline of the leaders' page: a month against the month before for the municipality
as a whole — occupied beds, hospital waiting days and their cost, loops closed on time,
readmissions — and the loops overdue now; never a patient.

Each value is a cell of one month (or a count at a moment), protected as the figure it comes
from protects its own (`projections/figures/small_counts.py`): the waiting days and their
cost and the readmissions are the cells of their figures; the loops closed on time are
worked out from the counts the benefit figure shows; the occupied beds of all units only
where every unit's own share is shown; the loops overdue now the sum of a column the overdue
figure already hides both ways, against those overdue when this month began, a count of its
own with a small one hidden. So the headline tells nothing the figures do not, and a change
is the difference of two values shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Connection, Engine

from flow.payment_clock import first_day, midnight, oslo_day
from flow.vocabulary import UnitKind
from projections.figures import queries as query
from projections.figures import waiting
from projections.figures.leader_figures import READMISSION_WINDOW
from projections.figures.queries import Period
from projections.figures.report import readmissions
from projections.figures.small_counts import SMALL, Value, derived, hidden_by_month, shown
from projections.figures.stays import occupancy_overall
from projections.figures.table import FigureTable
from projections.ready_periods import period_of

#: The months read: the month, the one before, and the one before that, for a readmission
#: is shown only once 30 days after its month are gone.
_MONTHS_READ = 3
T = TypeVar("T")


@dataclass(frozen=True)
class Headline:
    """One figure of the headline: its value in `month` against `before`, the month before,
    as the figures show them (a number, "<3", ":" or None); a month is None when there is
    none to show. A figure of `now` has no month, and `before` is the first day of this
    month: it is compared with the moment this month began."""

    key: str
    label: str
    measure: str  # prosent, døgn, kr, antall
    month: date | None
    before: date | None
    value: Value
    previous: Value
    now: bool = False

    @property
    def change(self) -> float | None:
        """The value less the previous, where both are shown."""
        if isinstance(self.value, int | float) and isinstance(self.previous, int | float):
            return round(self.value - self.previous, 1)
        return None


def read_headline(
    engine: Engine, municipality_id: UUID, month: date, now: datetime, rates: Mapping[int, int]
) -> list[Headline]:
    """The headline of `month` (a month over at `now`) against the month before."""
    first = month.replace(day=1)
    for _ in range(_MONTHS_READ - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    period = Period.whole_months(first, month, oslo_day(now))
    this_month = oslo_day(now).replace(day=1)
    with engine.connect() as db:
        places = query.places_of(db, municipality_id)
        found = db.execute(query.waits_in(period, municipality_id)).mappings()
        waits = [period_of(dict(row)) for row in found]
        stay_rows = list(db.execute(query.stays_in(period, municipality_id)))
        loops = list(db.execute(query.loops_due_in(period, municipality_id)))
        overdue = _overdue(db, municipality_id, now)
        overdue_before = _overdue(db, municipality_id, midnight(this_month))
        homecomings = list(db.execute(query.homecomings_by_month(period, municipality_id)))
        started: date | None = db.execute(query.first_move(municipality_id)).scalar()
    months = period.months[-2:]
    sums = waiting.waiting_by_month(waits, period.start, period.end, oslo_day(now), rates)
    waits_table = waiting.waiting(period, sums)
    units = [p for p in places if p.kind != UnitKind.HOME_CARE_ZONE]
    settled = period.settled(READMISSION_WINDOW, now)[-2:]
    readmitted = readmissions(settled, homecomings)
    headlines = [
        _of("occupancy", "Belegg", "prosent", months, occupancy_overall(period, units, stay_rows)),
        _of("waiting_days", "Overliggedøgn", "døgn", months, _row(waits_table, "Overliggedøgn")),
        _of(
            "waiting_cost", "Kostnad for overliggedøgn", "kr", months, _row(waits_table, "Kostnad")
        ),
        _of("loops_on_time", "Sløyfer lukket i tide", "prosent", months, _on_time(period, loops)),
        Headline(
            "overdue_now",
            "Forfalte oppgaver nå",
            "antall",
            None,
            this_month,
            _small(overdue),
            _small(overdue_before),
            now=True,
        ),
        _of(
            "readmissions",
            "Reinnlagt innen 30 dager",
            "prosent",
            settled,
            _row(readmitted, "Andel"),
        ),
    ]
    return [_since(h, started) for h in headlines]


def _since(headline: Headline, started: date | None) -> Headline:
    """A month before the municipality's first data has no figures, not figures of zero:
    nothing to compare with (a municipality that began in November is not "up 45 waiting
    days from October")."""
    if headline.now or headline.before is None or started is None:
        return headline
    if headline.before >= started.replace(day=1):
        return headline
    return replace(headline, previous=None)


def _of(key: str, label: str, measure: str, months: list[str], values: list[Value]) -> Headline:
    """The last of `months` against the one before it, with their `values`; either is
    missing (None) when there are fewer months."""
    (before, month), (previous, value) = _last_two(months), _last_two(values)
    return Headline(
        key,
        label,
        measure,
        first_day(month) if month else None,
        first_day(before) if before else None,
        value,
        previous,
    )


def _last_two(values: Sequence[T]) -> tuple[T | None, T | None]:
    padded: list[T | None] = [None, None, *values]
    return padded[-2], padded[-1]


def _row(table: FigureTable, label: str) -> list[Value]:
    """The values of the table's row whose label begins with `label`."""
    return next(row.values for row in table.rows if row.label.startswith(label))


def _on_time(period: Period, loops_due: list[Any]) -> list[Value]:
    """The share of the loops due in each month that were closed on time, shown where the
    benefit figure shows both its counts (closed on time, and not)."""
    on_time: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for group in loops_due:
        on_time[group.month] += group.on_time
        missed[group.month] += group.due - group.on_time
    months = period.months
    counts = [[on_time[m] for m in months], [missed[m] for m in months]]
    hide = hidden_by_month(counts, both_ways=False)
    return [
        derived(
            round(100 * on_time[m] / (on_time[m] + missed[m]), 1)
            if on_time[m] + missed[m]
            else None,
            hide[0][c] or hide[1][c],
        )
        for c, m in enumerate(months)
    ]


def _overdue(db: Connection, municipality_id: UUID, moment: datetime) -> int:
    """The loops open past their deadline at `moment`, all owners'."""
    return sum(o.overdue for o in db.execute(query.overdue_by_owner(municipality_id, moment)))


def _small(count: int) -> Value:
    return shown(count, 0 < count < SMALL)
