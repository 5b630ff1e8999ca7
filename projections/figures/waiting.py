"""The leaders' figures of the waits in hospital after a ready notice, counted by the payment
clock (`flow/payment_clock.py`, forskrift § 13): the paid days, what they cost, how soon the
municipality answered, and the days avoided by an offer ready — never a patient.

A wait counts in a month when it has a day in hospital after its ready day in the month: from
and including the ready day up to the day it ended, that day not counted, or up to and
including today while it goes on (the days the waiting-day statement lists a wait for, even
with no day paid). Of those days the paid ones are the clock's spans, split by month; the
others were not paid because an offer was ready.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flow.payment_clock import ReadyPeriod, Span, WaitEnd, by_month, cost_of, oslo_day
from projections.figures.queries import Period, month_key
from projections.figures.table import FigureTable, counted, median


@dataclass
class MonthWaits:
    """The waits of one month, as the figures sum them."""

    waits: int = 0  # waits with a day in hospital after their ready day in the month
    days: int = 0  # those days in hospital
    paid: int = 0  # the paid days among them
    cost: int = 0  # what the paid days cost
    spared: int = 0  # waits with a day in the month not paid, for an offer was ready
    spared_cost: int = 0  # what the days not paid would have cost

    @property
    def unpaid(self) -> int:
        """Days in hospital after the ready day not paid: an offer was ready."""
        return self.days - self.paid


def waiting_by_month(
    periods: Iterable[ReadyPeriod], start: date, end: date, today: date, rates: Mapping[int, int]
) -> dict[str, MonthWaits]:
    """Per month ("YYYY-MM") of the days [start, end], the waits with a day in hospital after
    their ready day in it, those days, the paid ones among them (the clock's spans up to
    today, split by month) and what they cost at each year's rate."""
    after = end + timedelta(days=1)
    months: dict[str, MonthWaits] = defaultdict(MonthWaits)
    for period in periods:
        stop = period.ended_on if period.ended_on is not None else today + timedelta(days=1)
        in_hospital = {
            month_key(part.first): part
            for part in by_month([Span(period.ready_on, stop)], start, after)
        }
        paid: dict[str, list[Span]] = defaultdict(list)
        for part in by_month(period.spans(today), start, after):
            paid[month_key(part.first)].append(part)
        for month, part in in_hospital.items():
            counts = months[month]
            paid_days, paid_cost = sum(s.days for s in paid[month]), cost_of(paid[month], rates)
            counts.waits += 1
            counts.days += part.days
            counts.paid += paid_days
            counts.cost += paid_cost
            if paid_days < part.days:
                counts.spared += 1
                counts.spared_cost += cost_of([part], rates) - paid_cost
    return dict(months)


def offer_on_ready_day(period: ReadyPeriod) -> bool:
    """The municipality told the hospital, by the ready day, that an offer was ready on it:
    the answer in force on the ready day stops the clock on that day, so no day is paid."""
    answer = period.in_force(period.ready_on)
    stops_on = answer.stops_on if answer is not None else None
    return stops_on is not None and stops_on <= period.ready_on


def began(period: ReadyPeriod) -> bool:
    """The wait did not end before its ready moment (which the hospital may move to a later
    day): one that did was never a wait, and counts in no month. Else a period beginning
    after its end but before its ready moment would not read it, one beginning before would,
    and a month's cell would hang on the period asked for."""
    return period.ended_at is None or period.ended_at >= period.ready_at


def waiting(period: Period, sums: Mapping[str, MonthWaits]) -> FigureTable:
    """Waits, paid days and their cost per month (`sums`: `waiting_by_month` of the period)."""
    month = [sums.get(m, MonthWaits()) for m in period.months]
    return counted(
        "waiting",
        "Overliggedøgn på sykehus etter utskrivningsklar, og hva de koster",
        period.months,
        [("Pasienter som ventet", [m.waits for m in month])],
        [
            ("Overliggedøgn (døgn)", [float(m.paid) for m in month], (0,)),
            ("Kostnad (kr)", [float(m.cost) for m in month], (0,)),
        ],
    )


def days_avoided(
    period: Period, waits: list[ReadyPeriod], sums: Mapping[str, MonthWaits]
) -> FigureTable:
    """Per month: the patients declared ready that month who were told an offer was ready
    on their ready day, and the days in hospital after a ready day that were not paid since
    an offer was ready, with the waits they belong to and what they would have cost."""
    month = [sums.get(m, MonthWaits()) for m in period.months]
    same_day = Counter(
        month_key(w.ready_on)
        for w in waits
        if began(w) and period.holds(w.ready_at) and offer_on_ready_day(w)
    )
    return counted(
        "days_avoided",
        "Overliggedøgn unngått fordi et tilbud var klart",
        period.months,
        [
            ("Tilbud klart på utskrivningsklar-dagen", [same_day[m] for m in period.months]),
            ("Pasienter med døgn uten betaling", [m.spared for m in month]),
        ],
        [
            ("Døgn på sykehus uten betaling (døgn)", [float(m.unpaid) for m in month], (1,)),
            ("Kostnad unngått (kr)", [float(m.spared_cost) for m in month], (1,)),
        ],
        both_ways=False,
    )


def answers(period: Period, waits: list[ReadyPeriod]) -> FigureTable:
    """The patients declared ready, the municipality's first answers to the hospital and
    the arrivals at a municipal place after a wait, each in the month it happened, with the
    hours from declared ready to the answer and the days to arrival. An answer given before
    the ready moment counts as given at it.

    Each in its own month, not by the month declared ready: a wait of October answered or
    ended in November would change October's cells after October is over, and the
    difference of two readings would tell the day's answers or arrivals."""
    notified: Counter[str] = Counter()
    answer_hours: dict[str, list[float]] = defaultdict(list)
    arrival_days: dict[str, list[float]] = defaultdict(list)
    for wait in filter(began, waits):
        if period.holds(wait.ready_at):
            notified[month_key(wait.ready_on)] += 1
        if wait.answers:
            told = max(wait.answers[0].told_at, wait.ready_at)
            if period.holds(told):
                hours = (told - wait.ready_at).total_seconds() / 3600
                answer_hours[month_key(oslo_day(told))].append(hours)
        arrived = wait.ended_at if wait.ended_by == WaitEnd.ARRIVAL else None
        if arrived is not None and period.holds(arrived):
            days = (arrived - wait.ready_at).total_seconds() / 86400
            arrival_days[month_key(oslo_day(arrived))].append(days)
    months = period.months
    return counted(
        "answers",
        "Fra utskrivningsklar til kommunens svar og til ankomst",
        months,
        [
            ("Meldt utskrivningsklar", [notified[m] for m in months]),
            ("Besvart", [len(answer_hours[m]) for m in months]),
            ("Kom til kommunal plass", [len(arrival_days[m]) for m in months]),
        ],
        [
            ("Median til svar (timer)", [median(answer_hours[m]) for m in months], (1,)),
            ("Median til ankomst (døgn)", [median(arrival_days[m]) for m in months], (2,)),
        ],
        both_ways=False,
        note="Hver i måneden det skjedde: meldingen, kommunens første svar og ankomsten.",
    )
