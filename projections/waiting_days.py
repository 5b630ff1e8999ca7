"""The waiting-day statement: for one month, each wait in hospital after a ready notice
that the month saw, with the days the payment clock (`flow/payment_clock.py`) counts in that
month and what they cost; what the allocation office lays beside a hospital's monthly invoice.

A wait is on the statement when its ready day is in or before the month and it did not end
before the month's second day: one with no paid day in the month (an offer on the ready day)
is listed too, so the office sees that the hospital must not bill it. The current month
counts to today; a month not yet begun has no rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, or_, select

from flow.payment_clock import (
    WAIT_END_TEXT,
    Answer,
    WaitEnd,
    by_month,
    cost_of,
    midnight,
    next_month,
    oslo_day,
)
from flow.rates import daily_rate, rate_year
from projections.flow_cards import cards
from projections.ready_periods import period_of, periods

#: The hospital of a flow opened by hand, which no hospital's message named.
UNKNOWN_HOSPITAL = "Sykehus ikke kjent"
#: What the statement says of a wait that has not ended.
STILL_WAITING = "venter fortsatt"


@dataclass(frozen=True, slots=True)
class Hospital:
    name: str  # `UNKNOWN_HOSPITAL` when no message named it
    her: str  # its HER-id, "" when not known

    @property
    def key(self) -> str:
        """What the statement's `hospital` filter takes for it: the HER-id, or the name."""
        return self.her or self.name


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One wait in hospital after a ready notice, as the month's statement counts it."""

    flow_id: UUID
    period: int  # the flow's first wait is 1
    name: str
    national_id: str
    hospital: str
    hospital_her: str
    ready_on: date
    estimate: bool
    answers: tuple[Answer, ...]  # in the order told
    ended_on: date | None
    ended_by: str | None  # a `WaitEnd`; None while the patient still waits
    end_text: str  # why it ended, or `STILL_WAITING`
    days: int  # paid days in the month
    rate: int
    rate_year: int  # the year whose rate applies
    rate_carried_forward: bool  # the month's year has no rate of its own in the table
    amount: int


@dataclass(frozen=True, slots=True)
class HospitalPart:
    """The rows of one hospital, as its invoice for the month should have them."""

    hospital: str
    hospital_her: str
    rows: tuple[StatementRow, ...]
    days: int
    amount: int


@dataclass(frozen=True, slots=True)
class Statement:
    month: date  # its first day
    counted_to: date  # the month's last day, or today in the current month
    hospital: str | None  # the filter asked for
    hospitals: tuple[Hospital, ...]  # every hospital with rows in the month, for a filter
    parts: tuple[HospitalPart, ...]
    days: int
    amount: int


def statement(
    engine: Engine,
    municipality_id: UUID,
    month: date,
    hospital: str | None,
    now: datetime,
    rates: Mapping[int, int],
) -> Statement:
    """The month's statement (`month`: any day of it) for the municipality, of one hospital
    (its HER-id or its name) or of all."""
    first, today = month.replace(day=1), oslo_day(now)
    after = next_month(first)
    counted_to = min(after - timedelta(days=1), today)
    rows = _rows(engine, municipality_id, first, after, today, rates) if first <= today else []
    hospitals = tuple(sorted({Hospital(r.hospital, r.hospital_her) for r in rows}, key=_order))
    if hospital is not None:
        rows = [r for r in rows if hospital in (r.hospital, r.hospital_her or None)]
    parts = tuple(
        HospitalPart(place.name, place.her, tuple(shown), sum(r.days for r in shown), sum_of(shown))
        for place, grouped in groupby(rows, key=lambda r: Hospital(r.hospital, r.hospital_her))
        for shown in [list(grouped)]
    )
    return Statement(
        month=first,
        counted_to=counted_to,
        hospital=hospital,
        hospitals=hospitals,
        parts=parts,
        days=sum(p.days for p in parts),
        amount=sum(p.amount for p in parts),
    )


def sum_of(rows: Sequence[StatementRow]) -> int:
    return sum(r.amount for r in rows)


def _order(place: Hospital) -> tuple[bool, str, str]:
    return place.name == UNKNOWN_HOSPITAL, place.name, place.her


def _rows(
    engine: Engine,
    municipality_id: UUID,
    first: date,
    after: date,
    today: date,
    rates: Mapping[int, int],
) -> list[StatementRow]:
    """The waits ready by the month's end (by today in the current month) that had not
    ended by the month's first day."""
    ready_by = midnight(min(after, today + timedelta(days=1)))
    query = (
        select(periods, cards.c.name, cards.c.national_id)
        .join(cards, cards.c.flow_id == periods.c.flow_id)
        .where(
            periods.c.municipality_id == municipality_id,
            periods.c.ready_at < ready_by,
            or_(
                periods.c.ended_at.is_(None),
                periods.c.ended_at >= midnight(first + timedelta(days=1)),
            ),
        )
    )
    with engine.connect() as db:
        found = [_row(row, first, after, today, rates) for row in db.execute(query).mappings()]
    # A total order: two waits ready the same day keep their places on every store.
    return sorted(
        found,
        key=lambda r: (
            _order(Hospital(r.hospital, r.hospital_her)),
            r.ready_on,
            r.flow_id,
            r.period,
        ),
    )


def _row(
    row: Mapping[Any, Any], first: date, after: date, today: date, rates: Mapping[int, int]
) -> StatementRow:
    period = period_of(row)
    in_month = list(by_month(period.spans(today), first, after))
    year = rate_year(first, rates)
    ended_by = period.ended_by
    return StatementRow(
        flow_id=row["flow_id"],
        period=row["number"],
        name=row["name"],
        national_id=row["national_id"],
        hospital=row["hospital"] or UNKNOWN_HOSPITAL,
        hospital_her=row["hospital_her"],
        ready_on=period.ready_on,
        estimate=period.estimate,
        answers=tuple(period.answers),
        ended_on=period.ended_on,
        ended_by=ended_by,
        end_text=WAIT_END_TEXT[WaitEnd(ended_by)] if ended_by else STILL_WAITING,
        days=sum(span.days for span in in_month),
        rate=daily_rate(first, rates),
        rate_year=year,
        rate_carried_forward=year != first.year,
        amount=cost_of(in_month, rates),
    )
