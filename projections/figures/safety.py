"""Patient safety per unit and month, and for the municipality (issue 26): the screening at
arrival, the medication review, the risk flags and the loops over their deadline. Counts,
shares, rates and medians, never a patient; small counts hidden as in every leader figure
(`projections/figures/small_counts.py`).

Sources, and where this reading follows them rather than the issue:

* The national patient-safety programme I trygge hender 24-7 has replaced its bundles of
  measures for its areas — among them falls in institutions, pressure ulcers, medication
  use in nursing homes and home care with the medication review, and early detection of a
  worsening state — with the national guidelines and advice
  (https://www.itryggehender24-7.no/reduser-pasientskader/om-innsatsomradene); the flags
  counted here are the boards' own (fall, pressure ulcer, malnutrition, delirium, isolation,
  medication review due). The guideline on malnutrition asks for the risk assessment
  "innen ett døgn etter innleggelse på ... korttidsplass i sykehjem" (Helsedirektoratet,
  Forebygging og behandling av underernæring,
  https://www.helsedirektoratet.no/retningslinjer/forebygging-og-behandling-av-underernaering):
  so the screening's deadline is 24 hours from the arrival, whatever the checklist's own
  deadline says (DigiPAS, below, counted "innen frist", the deadline each municipality set).
* The DigiPAS evaluation of IKOS and Imatis boards in five municipalities (SINTEF Digital
  2020:01350, Røhne and Grut, 2021) counted "kartlegging av nye pasienter innen frist"
  (8.9 % → 60 %) and "fullført kartlegging" (17.8 % → 90 %). Completed, read at all, would
  change a month for as long as a late screening may come; here it is "done within a
  week" (the guideline's deadline for a long-term place), so a month shows once a week
  after its end is gone and never changes after.
* Prevalence is counted as point-prevalence surveys count (Folkehelseinstituttet's of
  infections in nursing homes, the pressure-ulcer surveys): the patients on the unit at a
  count who have the condition then; here the count is every midnight, as occupancy is
  counted, so a month shows the patients flagged at one midnight or more and the share of
  its bed-days flagged. A flag's rate is per 1,000 bed-days, the unit's midnights.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from flow.payment_clock import oslo_day
from projections.figures.loop_figures import LoopTally, hidden_in_month
from projections.figures.queries import Period, UnitCapacity, month_key
from projections.figures.safety_counts import Counts, figure_key, places, protected, summed
from projections.figures.safety_flags import flags
from projections.figures.small_counts import Value, derived, shown
from projections.figures.table import FigureRow, FigureTable

#: The event whose checklists open the screening at arrival, and the task among them that
#: is the medication review (counted against its own deadline, not as a screening).
ARRIVAL = "PatientArrived"
MEDICATION_REVIEW = "medication_review"
#: The screening counts as in time within a day of the arrival, and as done within a week.
SCREENED_IN_TIME = timedelta(hours=24)
SCREENED_AT_ALL = timedelta(days=7)


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
        summed(parts[title], units, months, 3)
        hides[title] = protected(units, months, parts[title], 3)
    tables = {}
    for place, _name in places(units):
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
            figure_key("safety_screening", place),
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
    summed(counts, units, months, 2)
    hide = protected(units, months, counts, 2)
    tables = {}
    for place, _name in places(units):
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
            figure_key("safety_medication_review", place),
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
    for place, name in places(units):
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
            figure_key("safety_overdue", place),
            "Sløyfer over fristen, per oppgave og eier",
            "antall",
            months,
            rows,
            "Sløyfer med frist i måneden som ikke ble lukket innen fristen.",
        )
    return tables


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
            for place, name in places(units)
        ]
    )


@dataclass(frozen=True)
class SafetyRows:
    """What the safety figures read (`projections/figures/queries.py`)."""

    arrival_loops: list[Any]
    stays: list[Any]
    flags: list[Any]
    tally: LoopTally
