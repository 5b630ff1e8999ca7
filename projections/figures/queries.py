"""What the leaders' figures read: the municipality's places, the period (whole Oslo months,
and their moments in UTC as the rows store them), and the queries that give the rows that can
count in a period, or the store's own counts of them (`projections/figures/report.py` makes
the tables).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)

from flow.payment_clock import first_day, midnight, next_month
from projections.bed_grid import units
from projections.figures.leader_figures import flags, homecomings, loops, moves, stays
from projections.ready_periods import periods


@dataclass(frozen=True)
class UnitCapacity:
    """A unit with its beds (a zone has none), as the leaders' figures count by it."""

    id: UUID
    name: str
    kind: str
    beds: int


OFFICE = "Tildelingskontoret"


def places_of(db: Connection, municipality_id: UUID) -> list[UnitCapacity]:
    query = select(units).where(units.c.municipality_id == municipality_id).order_by(units.c.name)
    return [UnitCapacity(r.unit_id, r.name, r.kind, r.beds) for r in db.execute(query)]


class Period:
    """The days [start, end] and their months: for the figures, whole months that are over
    (`whole_months`)."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.months: list[str] = []
        day = start.replace(day=1)
        while day <= end:
            self.months.append(month_key(day))
            day = next_month(day)

    @classmethod
    def whole_months(cls, first: date, last: date, today: date) -> Period:
        """The months of `first`'s to `last`'s, both included, that are over by `today`:
        none when none is over yet.

        Only whole months, and only those over, so that no two periods differ by less than a
        month: a month in progress grows every day, and its figure today less its figure
        yesterday would be the day's own small count; two periods ending on two days of one
        month would do the same. Every cell is then one month's, the same in every period
        that holds the month, and a difference of two answers is a sum of cells both show."""
        end = min(next_month(last), today.replace(day=1)) - timedelta(days=1)
        return cls(first.replace(day=1), end)

    def settled(self, after: timedelta, now: datetime) -> list[str]:
        """The months of the period of which every moment is at least `after` ago: a figure
        that counts what may follow an event for a while (a readmission within 30 days of a
        discharge) shows a month only once nothing more can come, so that its cells, too,
        never change once shown."""
        return [m for m in self.months if midnight(next_month(first_day(m))) + after <= now]

    def days(self, first: date, last: date) -> Iterable[date]:
        """The days of [first, last] in the period."""
        day, last = max(first, self.start), min(last, self.end)
        while day <= last:
            yield day
            day += timedelta(days=1)

    def days_by_month(self, first: date, last: date) -> Iterable[tuple[date, int]]:
        """The days of [first, last] in the period, month by month: the first of them in
        each month and how many they are."""
        day, last = max(first, self.start), min(last, self.end)
        while day <= last:
            after = min(next_month(day), last + timedelta(days=1))
            yield day, (after - day).days
            day = after

    def holds(self, moment: datetime | date) -> bool:
        if isinstance(moment, datetime):  # compared as instants: no time zone to work out
            first, after = self.moments
            return first <= moment < after
        return self.start <= moment <= self.end

    @cached_property
    def moments(self) -> tuple[datetime, datetime]:
        """The period as [its first moment, the moment after it), in UTC, as the rows hold
        their moments: compared without a zone lookup."""
        return midnight(self.start), midnight(self.end + timedelta(days=1))

    def month_of(self, moment: ColumnElement[datetime]) -> ColumnElement[Any]:
        """The month of a moment in the period, worked out by the store: each month ends at
        an Oslo midnight, held in UTC like the moment, so no store needs Oslo's zone."""
        ends = [(m, midnight(next_month(first_day(m)))) for m in self.months]
        if not ends:  # no month over yet, so no row: but PostgreSQL groups by no constant
            return cast(moment, String)
        return case(*((moment < end, month) for month, end in ends))

    def days_in(self, month: str) -> int:
        first = first_day(month)
        last = next_month(first) - timedelta(days=1)
        return sum(n for _, n in self.days_by_month(first, last))


def month_key(day: date) -> str:
    return day.isoformat()[:7]


# -- what is read: the rows that can count in the period, or their counts ------------------


def waits_in(period: Period, municipality_id: UUID) -> Select[Any]:
    """The waits in hospital after a ready notice (`ready_periods`) that can have a day in
    the period, with what the payment clock reads of them (`period_of`); no flow id."""
    first, after = period.moments
    p = periods.c
    return select(p.ready_at, p.estimate, p.answers, p.ended_at, p.ended_by).where(
        p.municipality_id == municipality_id,
        p.ready_at < after,
        or_(p.ended_at.is_(None), p.ended_at >= first),
    )


def stays_in(period: Period, municipality_id: UUID) -> Select[Any]:
    first, after = period.moments
    return select(stays.c.unit_id, stays.c.arrived_at, stays.c.left_at).where(
        stays.c.municipality_id == municipality_id,
        stays.c.arrived_at < after,
        or_(stays.c.left_at.is_(None), stays.c.left_at >= first),
    )


def falls_due() -> ColumnElement[datetime]:
    """When a loop falls due as the figures count it: at its deadline, or when it was opened
    if that was later (a deadline counted back from a planned day may be past when the plan
    is made). So a loop never joins a month after the month is over."""
    return case((loops.c.opened_at > loops.c.due_at, loops.c.opened_at), else_=loops.c.due_at)


def loops_due_in(period: Period, municipality_id: UUID) -> Select[Any]:
    """Loops falling due in the period and not cancelled before, per task, owner and month:
    how many, and how many of them closed on time. A loop cancelled after its deadline
    counts as due and not closed on time, as it was when it fell due: what happens after a
    month never changes the month."""
    first, after = period.moments
    due = falls_due()
    keys = (loops.c.title, loops.c.owner_unit, period.month_of(due).label("month"))
    return (
        select(
            *keys,
            func.count().label("due"),
            func.sum(case((loops.c.closed_at <= loops.c.due_at, 1), else_=0)).label("on_time"),
        )
        .where(
            loops.c.municipality_id == municipality_id,
            or_(loops.c.cancelled_at.is_(None), loops.c.cancelled_at >= due),
            due >= first,
            due < after,
        )
        .group_by(*keys)
    )


def arrival_loops_in(period: Period, municipality_id: UUID, trigger: str) -> Select[Any]:
    """The loops the arrival's checklists opened (`trigger`: the arrival's event) in the
    period or due in it, each with its unit, when it was opened (the arrival), due, closed
    or cancelled."""
    first, after = period.moments
    c = loops.c
    return select(
        c.key, c.title, c.owner_unit, c.opened_at, c.due_at, c.closed_at, c.cancelled_at
    ).where(
        c.municipality_id == municipality_id,
        c.trigger == trigger,
        or_(
            and_(c.opened_at >= first, c.opened_at < after),
            and_(c.due_at >= first, c.due_at < after),
        ),
    )


def flags_on_stays(period: Period, municipality_id: UUID) -> Select[Any]:
    """Each safety flag beside each stay on a unit it was open during, both reaching into
    the period: the stay's unit and times, the flag's times. The stay is a number within
    this answer only (`stay`), never the flow's id."""
    first, after = period.moments
    s, f = stays.c, flags.c
    stay = func.dense_rank().over(order_by=(s.flow_id, s.number)).label("stay")
    return (
        select(stay, s.unit_id, s.arrived_at, s.left_at, f.flag, f.raised_at, f.cleared_at)
        .join_from(stays, flags, f.flow_id == s.flow_id)
        .where(
            s.municipality_id == municipality_id,
            f.municipality_id == municipality_id,
            s.arrived_at < after,
            or_(s.left_at.is_(None), s.left_at >= first),
            f.raised_at < after,
            or_(f.cleared_at.is_(None), f.cleared_at >= first),
            or_(s.left_at.is_(None), f.raised_at < s.left_at),
            or_(f.cleared_at.is_(None), f.cleared_at > s.arrived_at),
        )
    )


def overdue_by_owner(municipality_id: UUID, moment: datetime) -> Select[Any]:
    """Loops open past their deadline at a moment (now, or before: a loop's closing and
    cancelling are kept and never undone), per owner."""
    return (
        select(loops.c.owner_unit, func.count().label("overdue"))
        .where(
            loops.c.municipality_id == municipality_id,
            loops.c.opened_at <= moment,
            loops.c.due_at < moment,
            or_(loops.c.closed_at.is_(None), loops.c.closed_at > moment),
            or_(loops.c.cancelled_at.is_(None), loops.c.cancelled_at > moment),
        )
        .group_by(loops.c.owner_unit)
    )


def homecomings_by_month(period: Period, municipality_id: UUID) -> Select[Any]:
    """Discharges home in the period per month, and how many were readmitted."""
    first, after = period.moments
    month = period.month_of(homecomings.c.discharged_at).label("month")
    return (
        select(
            month,
            func.count().label("discharged"),
            func.count(homecomings.c.readmitted_at).label("readmitted"),
        )
        .where(
            homecomings.c.municipality_id == municipality_id,
            homecomings.c.discharged_at >= first,
            homecomings.c.discharged_at < after,
        )
        .group_by(month)
    )


def moves_in(period: Period, municipality_id: UUID) -> Select[Any]:
    return select(moves.c.day, moves.c.moves, moves.c.told).where(
        moves.c.municipality_id == municipality_id,
        moves.c.day >= period.start,
        moves.c.day <= period.end,
    )


def first_move(municipality_id: UUID) -> Select[Any]:
    """The day of the municipality's first move (`first_day_of_data`)."""
    return select(func.min(moves.c.day)).where(moves.c.municipality_id == municipality_id)
