"""The risk flags of the patient-safety figures (issue 26), per unit and month and for the
municipality: the patients with a flag at a midnight count and their share of the bed-days,
as point-prevalence surveys count (`projections/figures/safety.py`
names the sources), the flags raised per 1,000 bed-days, and how long the flags cleared in a
month had been open."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from flow.payment_clock import oslo_day
from flow.vocabulary import FLAG_TEXT, SafetyFlag
from projections.figures.queries import Period, UnitCapacity, month_key
from projections.figures.safety_counts import Counts, figure_key, places, protected, summed
from projections.figures.small_counts import Value, derived, shown
from projections.figures.table import FigureRow, FigureTable, median


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
    counts = _FlagCounts(
        defaultdict(lambda: defaultdict(set)),
        defaultdict(Counter),
        defaultdict(lambda: defaultdict(list)),
        bed_days,
    )
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
            summed(counts, units, months, 1)
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
    for place, _name in places(units):
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
                figure_key("safety_flags_midnight", place),
                "Risikoflagg ved midnattstelling",
                "antall",
                months,
                at_midnight,
                "Pasienter som hadde flagget ved minst én midnatt i måneden, og andelen "
                "av enhetens liggedøgn (midnatter) med flagget.",
            ),
            FigureTable(
                figure_key("safety_flags_raised", place),
                "Risikoflagg satt",
                "antall",
                months,
                rate,
                "Flagg satt under oppholdet på enheten, og per 1 000 liggedøgn.",
            ),
            FigureTable(
                figure_key("safety_flags_open", place),
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
