"""`Figures`: the leaders' figures over a period, per month and per unit, kind or zone —
counts, days, shares and costs, never a patient. Small counts are hidden
(`projections/figures/small_counts.py`).

Days are Oslo days. A bed is occupied on a day when a patient stays in it at the day's end
(a midnight count). The hospital waiting days are those the payment clock counts as paid
(`projections/figures/waiting.py`), each at its year's daily rate.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from flow.payment_clock import oslo_day
from flow.rates import OSLO
from flow.vocabulary import KIND_TEXT, UnitKind
from projections.figures import queries as query
from projections.figures import waiting
from projections.figures.queries import OFFICE, Period, UnitCapacity, month_key
from projections.figures.small_counts import derived, hidden, shown
from projections.figures.table import FigureRow, FigureTable, counted, mean, median
from projections.ready_periods import period_of


@dataclass(frozen=True)
class EmergencyUse:
    """One use of emergency access, as the figures count it."""

    granted_at: datetime
    reviewed: bool
    overdue: bool


@dataclass(frozen=True)
class Figures:
    start: date
    end: date
    tables: list[FigureTable]

    @classmethod
    def read(
        cls,
        engine: Engine,
        municipality_id: UUID,
        start: date,
        end: date,
        now: datetime,
        rates: Mapping[int, int],
        emergency: Iterable[EmergencyUse],
    ) -> Figures:
        today = now.astimezone(OSLO).date()
        period = Period(start, min(end, today))
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
        sums = waiting.waiting_by_month(waits, period.start, period.end, today, rates)
        unit_places = [p for p in places if p.kind != UnitKind.HOME_CARE_ZONE]
        tables = [
            _occupancy(period, unit_places, stay_rows),
            waiting.waiting(period, sums),
            waiting.answers(period, waits),
            waiting.days_avoided(period, waits, sums),
            _length_of_stay(period, places, stay_rows),
            _loops_on_time(places, loops_due),
            _overdue_now(places, overdue_by_owner),
            _readmissions(period, homecomings_by_month),
            _emergency(period, list(emergency)),
            _benefit(period, len(places) + 1, move_rows, loops_due),
        ]
        return cls(start, end, tables)


# -- the figures ---------------------------------------------------------------------------


def _occupancy(period: Period, places: list[UnitCapacity], stay_rows: list[Any]) -> FigureTable:
    """Occupied beds per unit: bed-nights per month, and the share of the unit's beds."""
    nights: dict[UUID, Counter[str]] = defaultdict(Counter)
    for s in stay_rows:
        last = oslo_day(s.left_at) - timedelta(days=1) if s.left_at else period.end
        for day, count in period.days_by_month(oslo_day(s.arrived_at), last):
            nights[s.unit_id][month_key(day)] += count
    counts = [(p.name, [nights[p.id][m] for m in period.months]) for p in places]
    hide = hidden([c for _, c in counts], both_ways=False)
    rows = []
    for i, place in enumerate(places):
        shares = [
            round(100 * nights[place.id][m] / (place.beds * period.days_in(m)), 1)
            if place.beds and period.days_in(m)
            else None
            for m in period.months
        ]
        rows.append(
            FigureRow(place.name, [derived(v, h) for v, h in zip(shares, hide[i], strict=True)])
        )
    return FigureTable(
        "occupancy",
        "Belegg per enhet (andel av sengene, midnattstelling)",
        "prosent",
        period.months,
        rows,
    )


def occupancy_by_day(
    engine: Engine, municipality_id: UUID, start: date, end: date, now: datetime
) -> FigureTable:
    """Occupied beds per unit and day: the figure behind `occupancy`, for export."""
    period = Period(start, min(end, now.astimezone(OSLO).date()))
    with engine.connect() as db:
        places = [
            p for p in query.places_of(db, municipality_id) if p.kind != UnitKind.HOME_CARE_ZONE
        ]
        stay_rows = list(db.execute(query.stays_in(period, municipality_id)))
    days = list(period.days(period.start, period.end))
    occupied: dict[UUID, Counter[date]] = defaultdict(Counter)
    for s in stay_rows:
        last = oslo_day(s.left_at) - timedelta(days=1) if s.left_at else period.end
        for day in period.days(oslo_day(s.arrived_at), last):
            occupied[s.unit_id][day] += 1
    counts = [(p.name, [occupied[p.id][d] for d in days]) for p in places]
    return counted(
        "occupancy_by_day",
        "Belagte senger per enhet og dag",
        [d.isoformat() for d in days],
        counts,
        both_ways=False,
    )


def _length_of_stay(
    period: Period, places: list[UnitCapacity], stay_rows: list[Any]
) -> FigureTable:
    kind_of = {p.id: p.kind for p in places}
    lengths: dict[str, list[float]] = defaultdict(list)
    for s in stay_rows:
        if s.left_at is not None and period.holds(s.left_at):
            lengths[kind_of.get(s.unit_id, "")].append(
                (s.left_at - s.arrived_at).total_seconds() / 86400
            )
    kinds = [k for k in KIND_TEXT if lengths[k]]  # the kinds with a stay ended
    counts = [len(lengths[k]) for k in kinds]
    hide = hidden([[c] for c in counts], both_ways=True)
    rows = [
        FigureRow(
            KIND_TEXT[UnitKind(k)],
            [
                shown(counts[i], hide[i][0]),
                derived(median(lengths[k]), hide[i][0]),
                derived(mean(lengths[k]), hide[i][0]),
            ],
        )
        for i, k in enumerate(kinds)
    ]
    columns = ["Avsluttede opphold", "Median døgn", "Snitt døgn"]
    return FigureTable("length_of_stay", "Liggetid per type korttidsplass", "døgn", columns, rows)


def _loops_on_time(places: list[UnitCapacity], loops_due: list[Any]) -> FigureTable:
    """Per template task and the unit that owns it: loops due in the period, closed on time,
    closed late, not closed."""
    names = {p.id: p.name for p in places}
    tally: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for group in loops_due:
        task = tally[(group.title, names.get(group.owner_unit, OFFICE))]
        task["due"] += group.due
        task["on_time"] += group.on_time
        task["late"] += group.closed - group.on_time
        task["open"] += group.due - group.closed
    keys = sorted(tally)
    counts = [[tally[k][c] for c in ("due", "on_time", "late", "open")] for k in keys]
    hide = hidden(counts, both_ways=True)
    rows = []
    for i, (title, owner) in enumerate(keys):
        due, on_time = counts[i][0], counts[i][1]
        share = round(100 * on_time / due, 1) if due else None
        values = [shown(v, h) for v, h in zip(counts[i], hide[i], strict=True)]
        rows.append(
            FigureRow(f"{title} — {owner}", [*values, derived(share, hide[i][1] or hide[i][0])])
        )
    columns = [
        "Frist i perioden",
        "Lukket i tide",
        "Lukket for sent",
        "Ikke lukket",
        "Andel i tide (%)",
    ]
    return FigureTable(
        "loops", "Lukkede sløyfer i tide, per oppgave og enhet", "antall", columns, rows
    )


def _overdue_now(places: list[UnitCapacity], overdue_by_owner: list[Any]) -> FigureTable:
    names = {p.id: p.name for p in places}
    overdue: Counter[str] = Counter()
    for owner in overdue_by_owner:
        overdue[names.get(owner.owner_unit, OFFICE)] += owner.overdue
    owners = [OFFICE, *(p.name for p in places)]
    hide = hidden([[overdue[o]] for o in owners], both_ways=True)
    rows = [FigureRow(o, [shown(overdue[o], hide[i][0])]) for i, o in enumerate(owners)]
    return FigureTable("overdue_now", "Forfalte oppgaver som er åpne nå", "antall", ["Nå"], rows)


def _readmissions(period: Period, homecomings_by_month: list[Any]) -> FigureTable:
    discharged: Counter[str] = Counter({h.month: h.discharged for h in homecomings_by_month})
    readmitted: Counter[str] = Counter({h.month: h.readmitted for h in homecomings_by_month})
    months = period.months
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
        [("Andel reinnlagt", "%", shares, 0)],
    )


def _emergency(period: Period, uses: list[EmergencyUse]) -> FigureTable:
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for use in uses:
        if period.holds(use.granted_at):
            month = tally[month_key(oslo_day(use.granted_at))]
            month["uses"] += 1
            month["reviewed" if use.reviewed else "not_reviewed"] += 1
            month["overdue"] += use.overdue
    months = period.months
    labels = {
        "uses": "Bruk av nødtilgang",
        "reviewed": "Gjennomgått",
        "not_reviewed": "Ikke gjennomgått",
        "overdue": "Forfalt (over en uke)",
    }
    counts = [(text, [tally[m][key] for m in months]) for key, text in labels.items()]
    return counted("emergency", "Nødtilgang og gjennomgangen av den", months, counts)


def _benefit(
    period: Period, everyone: int, move_rows: list[Any], loops_due: list[Any]
) -> FigureTable:
    """What the board saved: list changes not made by hand, who was told of each move
    against a list e-mailed to every unit and zone, and loops kept."""
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
            ("Mottakere med e-postliste til alle", [made[m] * everyone for m in months]),
            ("Sløyfer lukket i tide", [on_time[m] for m in months]),
            ("Sløyfer for sent eller ikke lukket", [missed[m] for m in months]),
        ],
        both_ways=False,
    )
