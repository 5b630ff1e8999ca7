"""`Figures`: the leaders' figures over whole months that are over, per month and per unit,
kind, task or zone — counts, days, shares and costs, never a patient. Small counts are hidden
(`projections/figures/small_counts.py`).

Figures that cannot be differenced: the period is whole calendar months, and only those
over (`Period.whole_months`); every cell is one month's — a count, a median, a mean or a
share of what happened in that month — or a snapshot of now (`overdue_now`), and is hidden
or shown by that month's counts alone. So two answers show the same value for every cell
they both hold, and their difference is a sum of cells already shown. A figure that counts
what may still follow a month's events (readmissions within 30 days, reviews within a week)
shows the month only once nothing more can come (`Period.settled`).

No figure lets the caller choose a group: the rows are the municipality's own units, unit
kinds, zones, template tasks and the office, each whole, never a set of them the caller
names, so no two groups differ by a patient or a bed of the caller's choosing.

Days are Oslo days. The hospital waiting days are those the payment clock counts as paid
(`projections/figures/waiting.py`), each at its year's daily rate.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine

from access.emergency_access import REVIEW_WITHIN
from flow.payment_clock import next_month, oslo_day
from flow.vocabulary import UnitKind
from projections.figures import queries as query
from projections.figures import waiting
from projections.figures.leader_figures import READMISSION_WINDOW
from projections.figures.loop_figures import loops_on_time, overdue_now, tally_loops
from projections.figures.queries import Period, month_key
from projections.figures.safety import (
    ARRIVAL,
    SCREENED_AT_ALL,
    SafetyFigures,
    SafetyRows,
    safety_figures,
)
from projections.figures.stays import length_of_stay, occupancy, occupancy_by_day
from projections.figures.table import FigureTable, counted
from projections.ready_periods import period_of


@dataclass(frozen=True)
class EmergencyUse:
    """One use of emergency access, as the figures count it."""

    granted_at: datetime
    reviewed_at: datetime | None


@dataclass(frozen=True)
class Figures:
    """The figures of `months`, the whole months over in the period asked for; `start` and
    `end` are their first and last day (of the months asked, when none is over yet).
    `safety`: the patient-safety figures per unit (`projections/figures/safety.py`), which
    the leaders' page shows first."""

    start: date
    end: date
    months: list[str]
    tables: list[FigureTable]
    safety: SafetyFigures

    def every_table(self) -> list[FigureTable]:
        """The safety figures' tables first, then the others: as the page and export show
        them."""
        return [*self.safety.every_table(), *self.tables]

    @classmethod
    def read(
        cls,
        engine: Engine,
        municipality_id: UUID,
        first: date,
        last: date,
        now: datetime,
        rates: Mapping[int, int],
        emergency: Iterable[EmergencyUse],
    ) -> Figures:
        """The figures of the months of `first`'s to `last`'s, both included, that are over
        at `now` (`Period.whole_months`)."""
        today = oslo_day(now)
        period = Period.whole_months(first, last, today)
        with engine.connect() as db:
            places = query.places_of(db, municipality_id)
            found = db.execute(query.waits_in(period, municipality_id)).mappings()
            waits = [period_of(dict(row)) for row in found]
            stay_rows = list(db.execute(query.stays_in(period, municipality_id)))
            loops_due = list(db.execute(query.loops_due_in(period, municipality_id)))
            overdue_by_owner = list(db.execute(query.overdue_by_owner(municipality_id, now)))
            homecomings_by_month = list(
                db.execute(query.homecomings_by_month(period, municipality_id))
            )
            move_rows = list(db.execute(query.moves_in(period, municipality_id)))
            safety = _safety(db, period, municipality_id, places, stay_rows, loops_due, now)
        sums = waiting.waiting_by_month(waits, period.start, period.end, today, rates)
        unit_places = [p for p in places if p.kind != UnitKind.HOME_CARE_ZONE]
        tables = [
            occupancy(period, unit_places, stay_rows),
            waiting.waiting(period, sums),
            waiting.answers(period, waits),
            waiting.days_avoided(period, waits, sums),
            length_of_stay(period, unit_places, stay_rows),
            loops_on_time(period, places, loops_due),
            overdue_now(places, overdue_by_owner),
            readmissions(period.settled(READMISSION_WINDOW, now), homecomings_by_month),
            _emergency(period, period.settled(REVIEW_WITHIN, now), list(emergency)),
            _benefit(period, len(places) + 1, move_rows, loops_due),
        ]
        if period.months:
            return cls(period.start, period.end, period.months, tables, safety)
        start, end = first.replace(day=1), next_month(last) - timedelta(days=1)
        return cls(start, end, [], tables, safety)


def read_occupancy_by_day(
    engine: Engine, municipality_id: UUID, first: date, last: date, now: datetime
) -> FigureTable:
    """Occupied beds per unit and day over the same whole months as `Figures.read`."""
    period = Period.whole_months(first, last, oslo_day(now))
    with engine.connect() as db:
        places = [
            p for p in query.places_of(db, municipality_id) if p.kind != UnitKind.HOME_CARE_ZONE
        ]
        stay_rows = list(db.execute(query.stays_in(period, municipality_id)))
    return occupancy_by_day(period, places, stay_rows)


def first_day_of_data(engine: Engine, municipality_id: UUID) -> date | None:
    """The first day anything the figures count happened in the municipality: every flow
    begins with a move (`figure_moves`), and what the figures count follows one."""
    with engine.connect() as db:
        first: date | None = db.execute(query.first_move(municipality_id)).scalar()
    return first


def read_safety(
    engine: Engine, municipality_id: UUID, first: date, last: date, now: datetime
) -> SafetyFigures:
    """The patient-safety figures alone (a unit's page shows its own), over the same whole
    months as `Figures.read`."""
    period = Period.whole_months(first, last, oslo_day(now))
    with engine.connect() as db:
        places = query.places_of(db, municipality_id)
        stay_rows = list(db.execute(query.stays_in(period, municipality_id)))
        loops_due = list(db.execute(query.loops_due_in(period, municipality_id)))
        return _safety(db, period, municipality_id, places, stay_rows, loops_due, now)


def _safety(
    db: Connection,
    period: Period,
    municipality_id: UUID,
    places: list[query.UnitCapacity],
    stay_rows: list[Any],
    loops_due: list[Any],
    now: datetime,
) -> SafetyFigures:
    arrival_loops = list(db.execute(query.arrival_loops_in(period, municipality_id, ARRIVAL)))
    flag_rows = list(db.execute(query.flags_on_stays(period, municipality_id)))
    return safety_figures(
        period,
        period.settled(SCREENED_AT_ALL, now),
        [p for p in places if p.kind != UnitKind.HOME_CARE_ZONE],
        SafetyRows(arrival_loops, stay_rows, flag_rows, tally_loops(places, loops_due)),
    )


# -- the figures ---------------------------------------------------------------------------


def readmissions(months: list[str], homecomings_by_month: list[Any]) -> FigureTable:
    """Discharges home per month, and how many of them were readmitted within 30 days: a
    month shows once 30 days after its end are gone, when no more can be readmitted."""
    discharged: Counter[str] = Counter({h.month: h.discharged for h in homecomings_by_month})
    readmitted: Counter[str] = Counter({h.month: h.readmitted for h in homecomings_by_month})
    shares = [
        round(100 * readmitted[m] / discharged[m], 1) if discharged[m] else None for m in months
    ]
    return counted(
        "readmissions",
        "Reinnleggelser innen 30 dager etter utskrivning hjem",
        months,
        [
            ("Utskrevet hjem", [discharged[m] for m in months]),
            ("Reinnlagt innen 30 dager", [readmitted[m] for m in months]),
        ],
        [("Andel reinnlagt (%)", shares, (0, 1))],
        note=(
            "Bare måneder som sluttet for minst 30 dager siden: "
            "før det kan flere bli lagt inn igjen."
        ),
    )


def _emergency(period: Period, months: list[str], uses: list[EmergencyUse]) -> FigureTable:
    """Uses of emergency access per month granted, and how many were reviewed within a week
    (`REVIEW_WITHIN`): a month shows once a week after its end is gone, when every use of it
    was reviewed in time or not."""
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for use in uses:
        if period.holds(use.granted_at):
            month = tally[month_key(oslo_day(use.granted_at))]
            month["uses"] += 1
            in_time = use.reviewed_at is not None and (
                use.reviewed_at - use.granted_at <= REVIEW_WITHIN
            )
            month["in_time" if in_time else "not_in_time"] += 1
    labels = {
        "uses": "Bruk av nødtilgang",
        "in_time": "Gjennomgått innen en uke",
        "not_in_time": "Ikke gjennomgått innen en uke",
    }
    counts = [(text, [tally[m][key] for m in months]) for key, text in labels.items()]
    note = (
        "Bare måneder som sluttet for minst en uke siden: "
        "først da er hver bruk gjennomgått i tide eller ikke."
    )
    return counted("emergency", "Nødtilgang og gjennomgangen av den", months, counts, note=note)


def _benefit(
    period: Period, everyone: int, move_rows: list[Any], loops_due: list[Any]
) -> FigureTable:
    """What the board saved: list changes not made by hand, who was told of each move
    against a list e-mailed to every unit and zone (worked out from the moves, so shown only
    where they are), and loops kept."""
    made: Counter[str] = Counter()
    told: Counter[str] = Counter()
    for m in move_rows:
        if period.holds(m.day):
            made[month_key(m.day)] += m.moves
            told[month_key(m.day)] += m.told
    on_time: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for group in loops_due:
        on_time[group.month] += group.on_time
        missed[group.month] += group.due - group.on_time
    months = period.months
    return counted(
        "benefit",
        "Gevinst: listeendringer, mottakere og sløyfer",
        months,
        [
            (
                "Flyttinger registrert (listeendringer ikke gjort for hånd)",
                [made[m] for m in months],
            ),
            ("Mottakere med Pasientflyt", [told[m] for m in months]),
            ("Sløyfer lukket i tide", [on_time[m] for m in months]),
            ("Sløyfer for sent eller ikke lukket", [missed[m] for m in months]),
        ],
        [
            (
                "Mottakere med e-postliste til alle",
                [made[m] * everyone for m in months],
                (0,),
            )
        ],
        both_ways=False,
    )
