"""The payment clock: which hospital days after a patient is declared ready for discharge
the municipality pays for. One rule, used by the card, the waiting-day statement and the
leaders' figures.

Forskrift om kommunal medfinansiering av spesialisthelsetjenesten og kommunal betaling for
utskrivningsklare pasienter (FOR-2011-11-18-1115) § 13, as the ministry reads it
(regjeringen.no, «Problemstilling når betalingsplikt for utskrivningsklar pasient inntrer»,
id682783, and «Betalingsplikt ved avmelding på grunn av ny sykdom, komplikasjon eller
lignende», id682786):

* the municipality pays from and including the day the patient is declared ready, when it
  has told the hospital it cannot receive the patient, or has not answered;
* it pays up to the day it tells the hospital, expressly, that an offer is ready; that day
  is not paid. The ministry's example: ready and notified on day 1, offer told on day 4:
  three days. An offer told for a later day stops the clock on that day;
* when it cannot receive the patient it tells the hospital when an offer is expected
  (§ 11 second paragraph); that date stops nothing, it is what the hospital was told;
* a later answer replaces an earlier one: an offer withdrawn ("cannot receive" after "offer
  ready") starts the clock again from the day it is told;
* the wait ends with arrival, discharge, the hospital's withdrawal of the notice (new
  illness: the days before still count, the clock stops from that day), death or closing;
  the day it ends is not paid.

Days are Oslo calendar days, so a day of a daylight-saving change is one day like any
other. Each day costs its year's daily rate (`flow/rates.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise

from flow.errors import UnusableTextError
from flow.rates import OSLO, daily_rate


class ClockState(StrEnum):
    NOT_STARTED = "not_started"  # the ready day is still to come
    RUNNING = "running"  # no answer, or "cannot receive", or an offer from a later day
    STOPPED = "stopped"  # an offer is ready
    ENDED = "ended"  # the wait is over


class WaitEnd(StrEnum):
    """How a wait in hospital after the ready notice ended."""

    ARRIVAL = "arrival"
    DISCHARGE = "discharge"  # straight from hospital
    WITHDRAWAL = "withdrawal"  # the hospital withdrew the notice (avmelding): new illness
    READMISSION = "readmission"
    DEATH = "death"
    CLOSING = "closing"


WAIT_END_TEXT = {
    WaitEnd.ARRIVAL: "kom til kommunal plass",
    WaitEnd.DISCHARGE: "skrevet ut fra sykehuset",
    WaitEnd.WITHDRAWAL: "avmeldt av sykehuset",
    WaitEnd.READMISSION: "lagt inn igjen",
    WaitEnd.DEATH: "døde",
    WaitEnd.CLOSING: "forløpet avsluttet",
}


def oslo_day(moment: datetime) -> date:
    """The calendar day in Oslo of a moment."""
    return moment.astimezone(OSLO).date()


def midnight(day: date) -> datetime:
    """The first moment of an Oslo day, in UTC."""
    return datetime.combine(day, time(), tzinfo=OSLO).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the municipality told the hospital: an offer ready from a day, or that it
    cannot receive the patient yet (with when an offer is expected, if known)."""

    told_at: datetime
    can_receive: bool
    offer_from: date | None = None
    expected_on: date | None = None

    @property
    def told_on(self) -> date:
        return oslo_day(self.told_at)

    @property
    def stops_on(self) -> date | None:
        """The first day this answer leaves unpaid: the offer's day (never before the day
        it was told), or None for "cannot receive"."""
        if not self.can_receive:
            return None
        return max(self.offer_from or self.told_on, self.told_on)


def answer_days(
    can_receive: bool, offer_from: date | None, expected_on: date | None, at: datetime
) -> tuple[date | None, date | None]:
    """An answer's days as recorded: an offer's day (the day told if not given), or the
    day an offer is expected; neither before the day told, for an answer tells what is
    from now on and cannot stop days already paid."""
    told_on = oslo_day(at)
    if can_receive:
        offer_from, expected_on = offer_from or told_on, None
    else:
        offer_from = None
    for day in (offer_from, expected_on):
        if day is not None and day < told_on:
            raise UnusableTextError("answer_day_past", day=day.isoformat())
    return offer_from, expected_on


@dataclass(frozen=True, slots=True)
class Span:
    """Paid days from `first` up to, not including, `stop`."""

    first: date
    stop: date

    @property
    def days(self) -> int:
        return (self.stop - self.first).days


@dataclass(frozen=True, slots=True)
class Clock:
    """A wait's clock on a day: its state, the paid days and what they cost so far."""

    state: ClockState
    days: int
    cost: int
    #: Since when the clock runs (the ready day, or the day an offer was withdrawn), or
    #: since when it is stopped (the offer's day).
    since: date | None
    #: The answer now in force, if any.
    answer: Answer | None
    #: The ready day is the hospital's estimate: the days count provisionally.
    provisional: bool
    ended_on: date | None = None
    ended_by: str | None = None
    #: The day an offer was expected, as told to the hospital, has passed without an offer.
    expected_passed: bool = False

    @property
    def unanswered(self) -> bool:
        """Ready, and the hospital has had no answer: the cue to answer today."""
        return self.answer is None and self.state != ClockState.ENDED


@dataclass(frozen=True, slots=True)
class ReadyPeriod:
    """One period a patient was declared ready while in hospital: from the ready notice
    (its day as the latest change says) to its end, with every answer given in it."""

    ready_at: datetime
    estimate: bool = False
    answers: Sequence[Answer] = ()
    ended_at: datetime | None = None
    ended_by: str | None = None

    @property
    def ready_on(self) -> date:
        return oslo_day(self.ready_at)

    @property
    def ended_on(self) -> date | None:
        return oslo_day(self.ended_at) if self.ended_at is not None else None

    def in_force(self, day: date) -> Answer | None:
        """The answer in force on a day: the last told on or before it."""
        found = None
        for answer in self.answers:  # in the order told
            if answer.told_on > day:
                break
            found = answer
        return found

    def spans(self, today: date) -> list[Span]:
        """The paid days, up to and including `today` while the wait goes on."""
        stop = self.ended_on if self.ended_on is not None else today + timedelta(days=1)
        start = self.ready_on
        if stop <= start:
            return []
        # Each answer rules from the day it was told up to the next answer's day; a later
        # answer on the same day replaces an earlier one.
        ruled: list[tuple[date, Answer | None]] = [(date.min, None)]
        for answer in self.answers:
            if ruled[-1][0] == answer.told_on:
                ruled[-1] = (answer.told_on, answer)
            else:
                ruled.append((answer.told_on, answer))
        spans: list[Span] = []
        for (begins, ruling), (ends, _) in pairwise([*ruled, (date.max, None)]):
            stops_on = ruling.stops_on if ruling is not None else None
            paid_until = ends if stops_on is None else min(ends, stops_on)
            first, last = max(begins, start), min(paid_until, stop)
            if first < last:
                if spans and spans[-1].stop == first:
                    spans[-1] = Span(spans[-1].first, last)
                else:
                    spans.append(Span(first, last))
        return spans

    def paid_days(self, today: date) -> Iterator[date]:
        for span in self.spans(today):
            for n in range(span.days):
                yield span.first + timedelta(days=n)

    def clock(self, today: date, rates: Mapping[int, int]) -> Clock:
        """The clock on `today`: what the card shows."""
        spans = self.spans(today)
        answer = self.in_force(today)
        stops_on = answer.stops_on if answer is not None else None
        if self.ended_on is not None:
            state, since = ClockState.ENDED, None
        elif today < self.ready_on:
            state, since = ClockState.NOT_STARTED, None
        elif stops_on is not None and stops_on <= today:
            state, since = ClockState.STOPPED, stops_on
        else:
            state, since = ClockState.RUNNING, spans[-1].first if spans else self.ready_on
        return Clock(
            state,
            days=sum(s.days for s in spans),
            cost=cost_of(spans, rates),
            since=since,
            answer=answer,
            provisional=self.estimate,
            ended_on=self.ended_on,
            ended_by=self.ended_by,
            expected_passed=bool(
                state == ClockState.RUNNING
                and answer is not None
                and answer.expected_on is not None
                and answer.expected_on < today
            ),
        )


def cost_of(spans: Sequence[Span], rates: Mapping[int, int]) -> int:
    """What the paid days cost, each day at its year's rate."""
    cost = 0
    for span in spans:
        for part in _split(span, lambda day: date(day.year + 1, 1, 1)):
            cost += part.days * daily_rate(part.first, rates)
    return cost


def by_month(spans: Iterable[Span], first: date, after: date) -> Iterator[Span]:
    """The days of the spans from `first` up to, not including, `after`, cut at each new
    month: parts within one month (what a month's statement or figure counts)."""
    for span in spans:
        for part in _split(span, next_month):
            start, stop = max(part.first, first), min(part.stop, after)
            if start < stop:
                yield Span(start, stop)


def next_month(day: date) -> date:
    """The first day of the month after the day's."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def first_day(month: str) -> date:
    """The first day of a month written YYYY-MM."""
    return date.fromisoformat(f"{month}-01")


def _split(span: Span, following: Callable[[date], date]) -> Iterator[Span]:
    """A span cut where `following` says the next part begins (a new year, a new month)."""
    first = span.first
    while first < span.stop:
        stop = min(following(first), span.stop)
        yield Span(first, stop)
        first = stop
