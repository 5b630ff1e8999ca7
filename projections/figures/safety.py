"""Patient safety per unit and month, and for the municipality (issue 26): the screening at
arrival, the medication review, the risk flags and the loops over their deadline. Counts,
shares, rates and medians, never a patient; small counts hidden as in every leader figure
(`projections/figures/small_counts.py`).

Sources, and where this reading follows them rather than the issue:

* The national patient-safety programme I trygge hender 24-7 names the areas for the
  municipal services — falls, pressure ulcers, malnutrition, medication reviews, urinary
  tract infections, delirium — and now points each to the national guidelines
  (https://www.itryggehender24-7.no/reduser-pasientskader/om-innsatsomradene). The guideline
  on malnutrition asks for the risk assessment "innen ett døgn etter innleggelse på ...
  korttidsplass i sykehjem" (Helsedirektoratet, Forebygging og behandling av underernæring,
  https://www.helsedirektoratet.no/retningslinjer/forebygging-og-behandling-av-underernaering):
  so the screening's deadline is 24 hours from the arrival, whatever the checklist's own
  deadline says.
* The DigiPAS evaluation of IKOS and Imatis boards in five municipalities (SINTEF Digital
  2020:01350, Røhne and Grut, 2021) counted "kartlegging av nye pasienter innen frist"
  (8.9 % → 60 %) and "fullført kartlegging" (17.8 % → 90 %). Completed, read at all, would
  change a month for as long as a late screening may come; here it is "done within a
  week" (the guideline's deadline for a long-term place), so a month shows once a week
  after its end is gone and never changes after.
* Prevalence is counted as the programme's point-prevalence surveys count pressure ulcers:
  the patients on the unit at a count, here every midnight (as occupancy is counted), who
  have the flag then. A flag's rate is per 1,000 bed-days, the unit's midnights.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from flow.payment_clock import oslo_day
from flow.vocabulary import FLAG_TEXT, SafetyFlag
from projections.figures.loop_figures import LoopTally, hidden_in_month
from projections.figures.queries import Period, UnitCapacity, month_key
from projections.figures.small_counts import SMALL, Value, derived, hidden, shown
from projections.figures.table import FigureRow, FigureTable, median

#: The event whose checklists open the screening at arrival, and the task among them that
#: is the medication review (counted against its own deadline, not as a screening).
ARRIVAL = "PatientArrived"
MEDICATION_REVIEW = "medication_review"
#: The screening counts as in time within a day of the arrival, and as done within a week.
SCREENED_IN_TIME = timedelta(hours=24)
SCREENED_AT_ALL = timedelta(days=7)
MUNICIPALITY = "Kommunen"


@dataclass(frozen=True)
class SafetyPlace:
    """A unit's safety figures, or the municipality's (`unit_id` None)."""

    name: str
    unit_id: UUID | None
    tables: list[FigureTable]


@dataclass(frozen=True)
class SafetyFigures:
    """The municipality's figures first, then each unit's."""

    places: list[SafetyPlace]

    def every_table(self) -> list[FigureTable]:
        return [table for place in self.places for table in place.tables]

    def of_unit(self, unit_id: UUID) -> SafetyPlace | None:
        return next((p for p in self.places if p.unit_id == unit_id), None)


#: Per unit (None: the municipality) and month, the counts a figure hides or shows.
Counts = dict[tuple[UUID | None, str], list[int]]


def protected(
    units: list[UnitCapacity], months: list[str], counts: Counts, width: int
) -> dict[Any, bool]:
    """Per unit and month, whether its counts are hidden: each month the units' counts are
    a table hidden both ways (its columns add up to the municipality's, which is shown), and
    a unit with any cell hidden shows none of its values. The municipality's are hidden
    where one of its own counts is small."""
    hide: dict[Any, bool] = {}
    for month in months:
        table = [counts.get((u.id, month), [0] * width) for u in units]
        for unit, row in zip(units, hidden(table, both_ways=True) if table else [], strict=True):
            hide[unit.id, month] = any(row)
        total = counts.get((None, month), [0] * width)
        hide[None, month] = any(0 < c < SMALL for c in total)
    return hide


def _summed(counts: Counts, units: list[UnitCapacity], months: list[str], width: int) -> None:
    """The municipality's counts: the units' summed."""
    for month in months:
        counts[None, month] = [
            sum(counts.get((u.id, month), [0] * width)[i] for u in units) for i in range(width)
        ]


def _places(units: list[UnitCapacity]) -> list[tuple[UUID | None, str]]:
    return [(None, MUNICIPALITY), *((u.id, u.name) for u in units)]


# -- screening at arrival and the medication review ----------------------------------------


def screening(
    months: list[str], units: list[UnitCapacity], arrival_loops: list[Any]
) -> dict[UUID | None, FigureTable]:
    """Per place, and month of arrival: for each screening the arrival's checklist opens,
    the share of arrivals with it done within 24 hours and within a week. An arrival whose
    screening was cancelled before its 24 hours were over (the patient left) is not
    counted; one cancelled later counts as not done."""
    known = {u.id for u in units}
    parts: dict[str, Counts] = defaultdict(dict)  # per screening: [in time, later, never]
    for loop in arrival_loops:
        if loop.key == MEDICATION_REVIEW or loop.owner_unit not in known:
            continue
        month = month_key(oslo_day(loop.opened_at))
        if month not in months:
            continue
        closed, cancelled = loop.closed_at, loop.cancelled_at
        if cancelled is not None and cancelled - loop.opened_at < SCREENED_IN_TIME:
            if closed is None or closed > cancelled:
                continue
        took = closed - loop.opened_at if closed is not None else None
        part = 2 if took is None or took > SCREENED_AT_ALL else int(took > SCREENED_IN_TIME)
        cell = parts[loop.title].setdefault((loop.owner_unit, month), [0, 0, 0])
        cell[part] += 1
    titles = sorted(parts)
    hides = {}
    for title in titles:
        _summed(parts[title], units, months, 3)
        hides[title] = protected(units, months, parts[title], 3)
    tables = {}
    for place, _name in _places(units):
        rows = []
        arrivals_hidden = [any(hides[t][place, m] for t in titles) for m in months]
        rows.append(
            FigureRow(
                "Ankomster",
                [
                    shown(max((sum(parts[t].get((place, m), [0])) for t in titles), default=0), h)
                    for m, h in zip(months, arrivals_hidden, strict=True)
                ],
            )
        )
        for title in titles:
            cells = [parts[title].get((place, m), [0, 0, 0]) for m in months]
            hide = [hides[title][place, m] for m in months]
            rows += [
                FigureRow(f"{title}: innen 24 timer (%)", _shares(cells, [0], hide)),
                FigureRow(f"{title}: utført innen en uke (%)", _shares(cells, [0, 1], hide)),
            ]
        tables[place] = FigureTable(
            _key("safety_screening", place),
            "Innkomstvurdering ved ankomst",
            "prosent",
            months,
            rows,
            "Ankomster i måneden, og andelen der vurderingen ble gjort innen 24 timer og "
            "innen en uke. Måneden vises når en uke etter den er gått.",
        )
    return tables


def medication_review(
    months: list[str], units: list[UnitCapacity], arrival_loops: list[Any]
) -> dict[UUID | None, FigureTable]:
    """Per place, and month of the deadline: the medication reviews the arrival's checklist
    opened that fell due, and the share done by the checklist's deadline; one cancelled
    before its deadline (the patient left) is not counted."""
    known = {u.id for u in units}
    counts: Counts = {}
    for loop in arrival_loops:
        if loop.key != MEDICATION_REVIEW or loop.owner_unit not in known:
            continue
        if loop.cancelled_at is not None and loop.cancelled_at < loop.due_at:
            continue
        month = month_key(oslo_day(loop.due_at))
        if month not in months:
            continue
        cell = counts.setdefault((loop.owner_unit, month), [0, 0])
        cell[0 if loop.closed_at is not None and loop.closed_at <= loop.due_at else 1] += 1
    _summed(counts, units, months, 2)
    hide = protected(units, months, counts, 2)
    tables = {}
    for place, _name in _places(units):
        cells = [counts.get((place, m), [0, 0]) for m in months]
        hidden_months = [hide[place, m] for m in months]
        rows = [
            FigureRow(
                "Legemiddelgjennomganger med frist i måneden",
                [shown(sum(c), h) for c, h in zip(cells, hidden_months, strict=True)],
            ),
            FigureRow("Gjort innen fristen (%)", _shares(cells, [0], hidden_months)),
        ]
        tables[place] = FigureTable(
            _key("safety_medication_review", place),
            "Legemiddelgjennomgang etter ankomst",
            "prosent",
            months,
            rows,
        )
    return tables


def _shares(cells: list[list[int]], of: list[int], hide: list[bool]) -> list[Value]:
    return [
        derived(round(100 * sum(c[i] for i in of) / sum(c), 1) if sum(c) else None, h)
        for c, h in zip(cells, hide, strict=True)
    ]


# -- the risk flags ------------------------------------------------------------------------


@dataclass
class _FlagCounts:
    """Per flag: per unit and month, the patients with it at a midnight, its raisings on
    the unit and its clearings (with their days open), and the unit's bed-days."""

    at_midnight: dict[str, dict[Any, set[int]]]
    raised: dict[str, Counter[Any]]
    open_days: dict[str, dict[Any, list[float]]]
    bed_days: Counter[Any]


def _count_flags(period: Period, stay_rows: list[Any], flag_rows: list[Any]) -> _FlagCounts:
    bed_days: Counter[Any] = Counter()
    for s in stay_rows:
        for day, n in period.days_by_month(oslo_day(s.arrived_at), _last_night(s.left_at, period)):
            bed_days[s.unit_id, month_key(day)] += n
    counts = _FlagCounts(defaultdict(lambda: defaultdict(set)), defaultdict(Counter), {}, bed_days)
    counts.open_days = defaultdict(lambda: defaultdict(list))
    for r in flag_rows:
        first = max(oslo_day(r.arrived_at), oslo_day(r.raised_at))
        last = min(_last_night(r.left_at, period), _last_night(r.cleared_at, period))
        for day, _ in period.days_by_month(first, last):
            counts.at_midnight[r.flag][r.unit_id, month_key(day)].add(r.stay)
        raised_here = r.arrived_at <= r.raised_at and (r.left_at is None or r.raised_at < r.left_at)
        if raised_here and period.holds(r.raised_at):
            counts.raised[r.flag][r.unit_id, month_key(oslo_day(r.raised_at))] += 1
        if raised_here and r.cleared_at is not None and period.holds(r.cleared_at):
            days = (r.cleared_at - r.raised_at).total_seconds() / 86400
            counts.open_days[r.flag][r.unit_id, month_key(oslo_day(r.cleared_at))].append(days)
    return counts


def _last_night(end: Any, period: Period) -> date:
    """The last day a stay or a flag is there at its end (at midnight): the day before it
    ends, or the period's last day while it goes on."""
    return oslo_day(end) - timedelta(days=1) if end is not None else period.end


def flags(
    period: Period, units: list[UnitCapacity], stay_rows: list[Any], flag_rows: list[Any]
) -> dict[UUID | None, list[FigureTable]]:
    """Per place, for each risk flag and month: the patients with it at a midnight count
    and the share of the bed-days they are; the flags raised on the unit and their rate per
    1,000 bed-days; the flags cleared and how many days they had been open (median). A flag
    raised before the arrival counts at the unit's midnights, not as raised there."""
    months, c = period.months, _count_flags(period, stay_rows, flag_rows)
    for unit_id, month in list(c.bed_days):
        c.bed_days[None, month] += c.bed_days[unit_id, month]
    kinds = [f.value for f in SafetyFlag]

    def measure(per_unit: Callable[[str, Any], int]) -> dict[str, tuple[Counts, dict[Any, bool]]]:
        result = {}
        for flag in kinds:
            counts: Counts = {(u.id, m): [per_unit(flag, (u.id, m))] for u in units for m in months}
            _summed(counts, units, months, 1)
            result[flag] = (counts, protected(units, months, counts, 1))
        return result

    patients = measure(lambda f, key: len(c.at_midnight[f][key]))
    raised = measure(lambda f, key: c.raised[f][key])
    cleared = measure(lambda f, key: len(c.open_days[f][key]))
    for flag in kinds:  # the municipality's days open: the units' together
        for m in months:
            c.open_days[flag][None, m] = [d for u in units for d in c.open_days[flag][u.id, m]]
    nights_with = _nights_with_flag(period, flag_rows)
    tables: dict[UUID | None, list[FigureTable]] = {}
    for place, _name in _places(units):
        at_midnight, rate, how_long = [], [], []
        for flag in kinds:
            label = FLAG_TEXT[SafetyFlag(flag)].capitalize()
            p_counts, p_hide = patients[flag]
            r_counts, r_hide = raised[flag]
            o_counts, o_hide = cleared[flag]
            beds = [c.bed_days[place, m] for m in months]
            at_midnight += [
                FigureRow(f"{label}: pasienter", _counted(p_counts, p_hide, place, months)),
                FigureRow(
                    f"{label}: andel av liggedøgn (%)",
                    [
                        derived(_per(nights_with[flag][place, m], b, 100), p_hide[place, m])
                        for m, b in zip(months, beds, strict=True)
                    ],
                ),
            ]
            rate += [
                FigureRow(f"{label}: satt", _counted(r_counts, r_hide, place, months)),
                FigureRow(
                    f"{label}: per 1 000 liggedøgn",
                    [
                        derived(_per(r_counts[place, m][0], b, 1000), r_hide[place, m])
                        for m, b in zip(months, beds, strict=True)
                    ],
                ),
            ]
            how_long += [
                FigureRow(f"{label}: fjernet", _counted(o_counts, o_hide, place, months)),
                FigureRow(
                    f"{label}: median døgn åpent",
                    [
                        derived(median(c.open_days[flag][place, m]), o_hide[place, m])
                        for m in months
                    ],
                ),
            ]
        tables[place] = [
            FigureTable(
                _key("safety_flags_midnight", place),
                "Risikoflagg ved midnattstelling",
                "antall",
                months,
                at_midnight,
                "Pasienter som hadde flagget ved minst én midnatt i måneden, og andelen "
                "av enhetens liggedøgn (midnatter) med flagget.",
            ),
            FigureTable(
                _key("safety_flags_raised", place),
                "Risikoflagg satt",
                "antall",
                months,
                rate,
                "Flagg satt under oppholdet på enheten, og per 1 000 liggedøgn.",
            ),
            FigureTable(
                _key("safety_flags_open", place),
                "Hvor lenge risikoflagg er åpne",
                "døgn",
                months,
                how_long,
                "Flagg satt på enheten og fjernet i måneden: hvor mange døgn de var åpne. "
                "Flagg som fortsatt er åpne, er ikke med.",
            ),
        ]
    return tables


def _nights_with_flag(period: Period, flag_rows: list[Any]) -> dict[str, Counter[Any]]:
    """Per flag, unit (and None: all units) and month: the midnights a patient on the unit
    had it."""
    nights: dict[str, Counter[Any]] = defaultdict(Counter)
    for r in flag_rows:
        first = max(oslo_day(r.arrived_at), oslo_day(r.raised_at))
        last = min(_last_night(r.left_at, period), _last_night(r.cleared_at, period))
        for day, n in period.days_by_month(first, last):
            nights[r.flag][r.unit_id, month_key(day)] += n
            nights[r.flag][None, month_key(day)] += n
    return nights


def _counted(
    counts: Counts, hide: dict[Any, bool], place: UUID | None, months: list[str]
) -> list[Value]:
    return [shown(counts[place, m][0], hide[place, m]) for m in months]


def _per(count: int, bed_days: int, per: int) -> float | None:
    return round(per * count / bed_days, 1) if bed_days else None


# -- the loops over their deadline -----------------------------------------------------------


def overdue_trend(
    months: list[str], units: list[UnitCapacity], tally: LoopTally
) -> dict[UUID | None, FigureTable]:
    """Per template task and owner, and month: the loops that fell due in the month and
    were not closed by their deadline, hidden as the share closed on time is
    (`hidden_in_month`), so that the two figures together tell no more than either. The
    municipality's table has every owner; a unit's, its own tasks."""
    keys = sorted(tally)
    hide = {m: hidden_in_month(tally, keys, m) for m in months}
    tables = {}
    for place, name in _places(units):
        rows = [
            FigureRow(
                f"{title} — {owner}",
                [
                    shown(
                        tally[title, owner][f"{m}/due"] - tally[title, owner][f"{m}/on_time"],
                        hide[m][i],
                    )
                    for m in months
                ],
            )
            for i, (title, owner) in enumerate(keys)
            if place is None or owner == name
        ]
        tables[place] = FigureTable(
            _key("safety_overdue", place),
            "Sløyfer over fristen, per oppgave og eier",
            "antall",
            months,
            rows,
            "Sløyfer med frist i måneden som ikke ble lukket innen fristen.",
        )
    return tables


def _key(figure: str, place: UUID | None) -> str:
    return figure if place is None else f"{figure}-{place.hex}"


def safety_figures(
    period: Period,
    screened_months: list[str],
    units: list[UnitCapacity],
    rows: SafetyRows,
) -> SafetyFigures:
    """Every place's tables: the municipality's first, then each unit's in order. The
    screening shows only `screened_months`: those a week after whose end is gone."""
    screened = screening(screened_months, units, rows.arrival_loops)
    reviews = medication_review(period.months, units, rows.arrival_loops)
    flagged = flags(period, units, rows.stays, rows.flags)
    overdue = overdue_trend(period.months, units, rows.tally)
    return SafetyFigures(
        [
            SafetyPlace(
                name,
                place,
                [screened[place], reviews[place], *flagged[place], overdue[place]],
            )
            for place, name in _places(units)
        ]
    )


@dataclass(frozen=True)
class SafetyRows:
    """What the safety figures read (`projections/figures/queries.py`)."""

    arrival_loops: list[Any]
    stays: list[Any]
    flags: list[Any]
    tally: LoopTally
