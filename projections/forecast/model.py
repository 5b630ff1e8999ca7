"""The next days of beds and need, drawn many times from what is known now and what the
municipality's own history says (`Situation`, `History`): each figure the median of the
draws with the 10th and 90th percentiles as its range.

One draw, per unit kind (a patient decided for a unit takes any free bed of its kind, as
the office does when that unit is full):
- Each patient in a bed (or with one reserved) leaves on the day planned; one without a
  plan after a stay as long as one the kind's past stays that lasted at least as long as
  hers so far, drawn at random (none that long: she stays past the horizon), and no
  sooner than a discharge of the kind is usually planned ahead, since hers is not yet.
- Each patient in hospital is declared ready after as many days from admission as a past
  admission that lasted at least as long, and then needs a bed of a kind with the share
  of the past ready declarations that went on to a stay of that kind.
- Patients not yet known come at the recent daily rate (Poisson), weighed by the weekday
  as the last year's were: from hospital, admitted after now and ready by the day; from
  home, referred after now and starting by the day.
- Each day the beds that free are taken by those waiting; the rest wait, except for an
  acute bed: a stay for immediate help (øyeblikkelig hjelp døgnopphold, helse- og
  omsorgstjenesteloven § 3-5 third paragraph and forskrift om øyeblikkelig hjelp
  døgntilbud, FOR-2015-11-13-1287, https://lovdata.no/dokument/SF/forskrift/2015-11-13-1287)
  has no waiting list: a patient who finds no such bed goes to hospital that day.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median_low
from uuid import UUID

from flow.vocabulary import UnitKind
from projections.forecast.inputs import History, Situation

#: The draws made of a forecast: enough for a steady median and decile at a board's sizes.
DRAWS = 120
#: The days shown after today (today's remainder is drawn too: it decides tomorrow's start).
DAYS = 14


@dataclass(frozen=True)
class Spread:
    """A figure as the draws gave it: the median and the 10th and 90th percentiles."""

    low: int
    mid: int
    high: int

    @classmethod
    def of(cls, values: Sequence[int]) -> Spread:
        ordered = sorted(values)
        last = len(ordered) - 1
        return cls(
            ordered[int(0.1 * last)], int(median_low(ordered)), ordered[math.ceil(0.9 * last)]
        )


@dataclass(frozen=True)
class Day:
    """One day of one unit kind: the beds that free that day, the beds there are that day
    (free at its start, and freed), the patients needing a bed that day (waiting from
    before, and new), the patients still waiting at its end, and the free beds left."""

    day: date
    frees: Spread
    beds: Spread
    need: Spread
    unmet: Spread
    free_at_end: Spread

    @property
    def short(self) -> bool:
        """More patients need a bed than there are beds, in most draws."""
        return self.unmet.mid > 0


@dataclass(frozen=True)
class UnitDay:
    """One day of one unit: the beds its patients free, and its free beds at the day's end
    (those waiting take a bed of the unit of their kind with the most free)."""

    day: date
    frees: Spread
    free_at_end: Spread


@dataclass(frozen=True)
class UnitForecast:
    unit_id: UUID
    name: str
    beds: int
    free_now: int
    days: tuple[UnitDay, ...]

    @property
    def ahead(self) -> tuple[UnitDay, ...]:
        return self.days[1:]


@dataclass(frozen=True)
class KindForecast:
    kind: str
    beds: int
    free_now: int
    #: Today's remainder first, then the next `DAYS` days.
    days: tuple[Day, ...]
    units: tuple[UnitForecast, ...]

    @property
    def ahead(self) -> tuple[Day, ...]:
        """The days after today."""
        return self.days[1:]


@dataclass(frozen=True)
class Forecast:
    made_on: date
    kinds: tuple[KindForecast, ...]

    def of_kind(self, kind: str) -> KindForecast | None:
        return next((k for k in self.kinds if k.kind == kind), None)


def forecast(situation: Situation, history: History, *, seed: int, draws: int = DRAWS) -> Forecast:
    """The forecast of every unit kind with beds; the same inputs and seed, the same result."""
    rng = random.Random(seed)
    kinds = sorted(
        {u.kind for u in situation.units}, key=lambda k: list(UnitKind).index(UnitKind(k))
    )
    result = []
    for kind in kinds:
        runs = [_Draw(situation, history, kind, rng).run() for _ in range(draws)]
        dates = [situation.today + timedelta(days=t) for t in range(DAYS + 1)]
        days = tuple(
            Day(dates[t], *(Spread.of([getattr(r, name)[t] for r in runs]) for name in _FIGURES))
            for t in range(DAYS + 1)
        )
        units = [u for u in situation.units if u.kind == kind]
        per_unit = tuple(
            UnitForecast(
                u.unit_id,
                u.name,
                u.beds,
                u.free,
                tuple(
                    UnitDay(
                        dates[t],
                        Spread.of([r.unit_frees[t][u.unit_id] for r in runs]),
                        Spread.of([r.unit_free_at_end[t][u.unit_id] for r in runs]),
                    )
                    for t in range(DAYS + 1)
                ),
            )
            for u in units
        )
        beds, free = sum(u.beds for u in units), sum(u.free for u in units)
        result.append(KindForecast(kind, beds, free, days, per_unit))
    return Forecast(situation.today, tuple(result))


_FIGURES = ("frees", "beds", "need", "unmet", "free_at_end")


@dataclass
class _Run:
    frees: list[int] = field(default_factory=list)
    beds: list[int] = field(default_factory=list)
    need: list[int] = field(default_factory=list)
    unmet: list[int] = field(default_factory=list)
    free_at_end: list[int] = field(default_factory=list)
    unit_frees: list[dict[UUID, int]] = field(default_factory=list)
    unit_free_at_end: list[dict[UUID, int]] = field(default_factory=list)


class _Draw:
    """One draw of the days ahead of one unit kind."""

    def __init__(self, situation: Situation, history: History, kind: str, rng: random.Random):
        self.situation, self.history, self.kind, self.rng = situation, history, kind, rng
        self.horizon = DAYS + 1
        self.stays = history.stay_days.get(kind, ())

    def run(self) -> _Run:
        s, arriving = self.situation, self._arriving()
        units = [u for u in s.units if u.kind == self.kind]
        leaving = {u.unit_id: [0] * (self.horizon + 1) for u in units}
        self._leaving(leaving)
        waiting = sum(1 for w in s.waiting if w.kind == self.kind and w.from_day <= s.today)
        free = {u.unit_id: u.free for u in units}
        run = _Run()
        for t in range(self.horizon):
            frees = {unit: days[t] for unit, days in leaving.items()}
            beds = {unit: free[unit] + frees[unit] for unit in free}
            waiting += arriving[t]
            taken = min(waiting, sum(beds.values()))
            run.beds.append(sum(beds.values()))
            for _ in range(taken):  # to the unit with the most free beds; they leave in turn
                unit = max(beds, key=beds.__getitem__)
                beds[unit] -= 1
                stay = max(1, _remaining(self.stays, 0, self.rng))
                if t + stay < self.horizon:
                    leaving[unit][t + stay] += 1
            run.frees.append(sum(frees.values()))
            run.need.append(waiting)
            waiting -= taken
            run.unmet.append(waiting)
            if self.kind == UnitKind.ACUTE:
                waiting = 0  # to hospital instead
            free = beds
            run.free_at_end.append(sum(free.values()))
            run.unit_frees.append(frees)
            run.unit_free_at_end.append(dict(free))
        return run

    def _leaving(self, leaving: dict[UUID, list[int]]) -> None:
        """The beds the patients in them now free, per unit and day: on the day planned, or
        after a stay drawn from the kind's past; the last place counts those past the
        horizon."""
        s = self.situation
        for occupant in s.occupants:
            if occupant.kind != self.kind or occupant.unit_id not in leaving:
                continue
            if occupant.plan_on is not None:
                day = max(0, (occupant.plan_on - s.today).days)
            else:
                day = self._unplanned(occupant.days_in)
            leaving[occupant.unit_id][min(day, self.horizon)] += 1

    def _unplanned(self, days_in: int) -> int:
        """Days left of a stay in its `days_in`th day with no discharge planned yet: drawn
        from the past stays that lasted as long, and as many days as a past discharge was
        planned ahead, drawn too, must be left (a plan not made yet is that far off)."""
        leads = self.history.plan_lead.get(self.kind, ())
        for _ in range(20):
            left = _remaining(self.stays, days_in, self.rng)
            if not leads or left >= leads[self.rng.randrange(len(leads))]:
                return left
        return left

    def _arriving(self) -> list[int]:
        """The patients who come to need a bed of the kind, per day: those known to start
        later, those in hospital now, and those not yet known."""
        s, h, rng = self.situation, self.history, self.rng
        arriving = [0] * self.horizon
        for w in s.waiting:
            day = (w.from_day - s.today).days
            if w.kind == self.kind and 0 < day < self.horizon:
                arriving[day] += 1
        share = h.kind_share.get(self.kind, 0.0)
        for patient in s.in_hospital:
            if rng.random() < share:
                day = 0 if patient.ready else _remaining(h.ready_days, patient.days_in, rng)
                if day < self.horizon:
                    arriving[day] += 1
        home = h.home_per_day.get(self.kind, 0.0)
        for t in range(self.horizon):
            # Admitted after now and ready by day t; referred after now to start by day t.
            new = h.ready_per_day * share * within(h.ready_days, t)
            new += home * within(h.home_lead.get(self.kind, ()), t)
            new *= h.weekday_weight[(s.today + timedelta(days=t)).weekday()]
            arriving[t] += poisson(rng, new * (s.day_left if t == 0 else 1.0))
        return arriving


def _remaining(lengths: Sequence[int], at_least: int, rng: random.Random) -> int:
    """Days left of something that has lasted `at_least` days, drawn from the sorted
    `lengths` of past ones that lasted at least as long; none did: a long time."""
    first = bisect.bisect_left(lengths, at_least)
    if first == len(lengths):
        return 10_000
    return lengths[rng.randrange(first, len(lengths))] - at_least


def within(lengths: Sequence[int], days: int) -> float:
    """The share of the sorted `lengths` of at most `days`."""
    if not lengths:
        return 0.0
    return bisect.bisect_right(lengths, days) / len(lengths)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: the means here are a few a day)."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
