"""The patient-safety figures counted straight from the log, with none of the read models'
code: each flow's events in order give its stays (arrival to leaving, on the reserved
unit), its flags (raised to cleared) and the loops its arrivals opened; the counts follow
the figures' definitions (`projections/figures/safety.py`) by walking every midnight of a
month, not by days and ranges. Keyed by unit (None: the municipality) and month, each a
{row label: value} as the figure's rows are labelled."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from boards.services.system import System
from flow.payment_clock import midnight, next_month, oslo_day
from flow.vocabulary import FLAG_TEXT, SafetyFlag

DAY, WEEK = timedelta(hours=24), timedelta(days=7)
#: The topics a flow's events are recorded under: its own and its mixins'.
FLOW_AGGREGATES = {"PatientFlow", "ClosedLoops", "HospitalNotices"}
Place = UUID | None


@dataclass
class _Stay:
    unit: UUID
    arrived: datetime
    left: datetime | None = None


@dataclass
class _Flag:
    flag: str
    raised: datetime
    cleared: datetime | None = None


@dataclass
class _Loop:
    key: str
    unit: UUID | None
    opened: datetime
    due: datetime
    done: datetime | None = None
    cancelled: datetime | None = None


@dataclass
class _Flow:
    reserved: UUID | None = None
    stays: list[_Stay] = field(default_factory=list)
    flags: list[_Flag] = field(default_factory=list)
    loops: dict[UUID, _Loop] = field(default_factory=dict)


def flows_of(system: System, municipality_id: UUID) -> list[_Flow]:
    """Every flow of the municipality in the log, as its events tell it."""
    found: dict[UUID, _Flow] = {}
    mapper = system.flows.mapper
    for notification in system.flows.recorder.select_notifications(None, 10**7):
        if notification.topic.split(":")[1].split(".")[0] not in FLOW_AGGREGATES:
            continue
        e: Any = mapper.to_domain_event(notification)
        kind = type(e).__name__
        if kind == "FlowOpened" and e.municipality_id == municipality_id:
            found[e.originator_id] = _Flow()
        flow = found.get(e.originator_id)
        if flow is None:
            continue
        if kind == "BedReserved":
            flow.reserved = e.unit_id
        elif kind == "ReservationCancelled":
            flow.reserved = None
        elif kind == "PatientArrived" and flow.reserved is not None:
            flow.stays.append(_Stay(flow.reserved, e.at))
            flow.reserved = None
        elif kind in ("PatientDischarged", "PatientReadmitted", "FlowClosed"):
            if flow.stays and flow.stays[-1].left is None:
                flow.stays[-1].left = e.at
        elif kind == "SafetyFlagRaised":
            flow.flags.append(_Flag(e.flag, e.at))
        elif kind == "SafetyFlagCleared":
            next(f for f in reversed(flow.flags) if f.flag == e.flag).cleared = e.at
        elif kind == "TaskOpened" and e.task.trigger == "PatientArrived":
            task = e.task
            flow.loops[task.id] = _Loop(task.key, task.owner.unit_id, e.at, task.due_at)
        elif kind == "TaskCompleted" and e.task_id in flow.loops:
            flow.loops[e.task_id].done = flow.loops[e.task_id].done or e.at
        elif kind == "TaskCancelled" and e.task_id in flow.loops:
            flow.loops[e.task_id].cancelled = e.at
    return list(found.values())


def midnights(month: str) -> list[datetime]:
    """The midnights that end the month's days, in UTC."""
    first = date.fromisoformat(f"{month}-01")
    day, after, found = first, next_month(first), []
    while day < after:
        day += timedelta(days=1)
        found.append(midnight(day))
    return found


def _month(moment: datetime) -> str:
    return oslo_day(moment).isoformat()[:7]


def _share(part: int, whole: int, per: int = 100) -> float | None:
    return round(per * part / whole, 1) if whole else None


def screening(flows: list[_Flow], units: list[UUID], month: str, title: str) -> dict[Place, Any]:
    """Per place: the arrivals of the month with the screening, and the shares done within
    24 hours and within a week; one cancelled undone within 24 hours is left out."""
    tally: dict[Place, list[int]] = {p: [0, 0, 0] for p in [None, *units]}
    for loop in (lp for f in flows for lp in f.loops.values()):
        if loop.key == "medication_review" or loop.unit not in units:
            continue
        if _month(loop.opened) != month:
            continue
        if loop.cancelled and loop.cancelled - loop.opened < DAY:
            if loop.done is None or loop.done > loop.cancelled:
                continue
        took = loop.done - loop.opened if loop.done else None
        for place in (loop.unit, None):
            tally[place][0] += 1
            tally[place][1] += took is not None and took <= DAY
            tally[place][2] += took is not None and took <= WEEK
    return {
        place: {
            "Ankomster": n,
            f"{title}: innen 24 timer (%)": _share(in_time, n),
            f"{title}: utført innen en uke (%)": _share(done, n),
        }
        for place, (n, in_time, done) in tally.items()
    }


def medication_review(flows: list[_Flow], units: list[UUID], month: str) -> dict[Place, Any]:
    tally: dict[Place, list[int]] = {p: [0, 0] for p in [None, *units]}
    for loop in (lp for f in flows for lp in f.loops.values()):
        if loop.key != "medication_review" or loop.unit not in units:
            continue
        if _month(loop.due) != month or (loop.cancelled and loop.cancelled < loop.due):
            continue
        for place in (loop.unit, None):
            tally[place][0] += 1
            tally[place][1] += loop.done is not None and loop.done <= loop.due
    return {
        place: {
            "Legemiddelgjennomganger med frist i måneden": n,
            "Gjort innen fristen (%)": _share(in_time, n),
        }
        for place, (n, in_time) in tally.items()
    }


def flags(flows: list[_Flow], units: list[UUID], month: str) -> dict[Place, Any]:
    """Per place and flag: the patients on the unit with it at a midnight of the month, the
    share of the unit's midnights, raisings on the unit per 1,000 of them, and the flags
    raised there and cleared in the month with their median days open."""
    counted: dict[Place, dict[str, Any]] = {}
    ends = midnights(month)
    for place in [None, *units]:
        stays = [(s, f) for f in flows for s in f.stays if place is None or s.unit == place]
        stays = [(s, f) for s, f in stays if s.unit in units]
        bed_days = sum(
            1 for s, _ in stays for m in ends if s.arrived < m and (s.left is None or s.left >= m)
        )
        rows: dict[str, Any] = {}
        for kind in SafetyFlag:
            label = FLAG_TEXT[kind].capitalize()
            patients, nights, raised, open_days = 0, 0, 0, []
            for s, f in stays:
                mine = [g for g in f.flags if g.flag == kind.value]
                flagged = [
                    m
                    for m in ends
                    if s.arrived < m
                    and (s.left is None or s.left >= m)
                    and any(g.raised < m and (g.cleared is None or g.cleared >= m) for g in mine)
                ]
                patients += bool(flagged)
                nights += len(flagged)
                for g in mine:
                    if s.arrived <= g.raised and (s.left is None or g.raised < s.left):
                        raised += _month(g.raised) == month
                        if g.cleared is not None and _month(g.cleared) == month:
                            open_days.append((g.cleared - g.raised).total_seconds() / 86400)
            rows |= {
                f"{label}: pasienter": patients,
                f"{label}: andel av liggedøgn (%)": _share(nights, bed_days),
                f"{label}: satt": raised,
                f"{label}: per 1 000 liggedøgn": _share(raised, bed_days, 1000),
                f"{label}: fjernet": len(open_days),
                f"{label}: median døgn åpent": (
                    round(statistics.median(open_days), 1) if open_days else None
                ),
            }
        counted[place] = rows
    return counted
