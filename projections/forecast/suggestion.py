"""Who should have the next bed: for each unit with a bed free now or freeing by plan within
two days, the waiting patients who fit it, in the order of a rule stated with them. A
suggestion, never a decision: the office picks and reserves as always.

A patient fits a bed when the stay decided for her is of the bed's unit kind (the office
gives a bed of the kind when the unit decided is full, `fixtures/simulation/journeys.py`
does the same). The order (`RULE`): first those whose payment clock runs (ready in hospital
and not yet offered a place: each day costs the municipality, forskrift om kommunal
betaling for utskrivningsklare pasienter § 13), the most paid waiting days first; then the
most risk flags; then the one who has needed a place the longest; then the name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from sqlalchemy import Connection, and_, or_, select

from flow.payment_clock import ClockState
from flow.vocabulary import BedStatus, Phase, ServiceKind, UnitKind
from projections.bed_grid import beds, units
from projections.cards import FlowCard
from projections.flow_cards import cards

#: The rule, as shown beside the list.
RULE = (
    "Rekkefølge: først de som venter på sykehus med betalingsklokken i gang, flest "
    "overliggedøgn først; så flest risikoflagg; så den som har ventet lengst."
)
#: How far ahead a planned discharge counts as a bed freeing.
WITHIN_DAYS = 2
#: The patients shown per unit.
SHOWN = 5


@dataclass(frozen=True)
class Bed:
    bed: str
    #: The day it is free: today for a free bed, else the planned discharge's day.
    free_on: date


@dataclass(frozen=True)
class Candidate:
    card: FlowCard
    decided_unit: UUID
    payment_running: bool


@dataclass(frozen=True)
class UnitSuggestion:
    unit_id: UUID
    unit_name: str
    kind: str
    beds: tuple[Bed, ...]
    candidates: tuple[Candidate, ...]
    #: All who fit, of whom `candidates` are the first.
    fitting: int


def suggest(
    db: Connection, municipality_id: UUID, today: date, waiting: Sequence[FlowCard]
) -> list[UnitSuggestion]:
    """The units with a bed free or freeing soon, each with the waiting patients who fit
    it in the order of `RULE`. `waiting` are the board's cards of patients without a bed."""
    kinds: Mapping[UUID, str] = dict(
        db.execute(
            select(units.c.unit_id, units.c.kind).where(units.c.municipality_id == municipality_id)
        ).all()
    )
    ranked = sorted(
        (_candidate(card) for card in waiting if _needs_bed(card, kinds)),
        key=_order,
    )
    found = []
    for unit_id, name, kind, free in _freeing(db, municipality_id, today):
        fitting = [c for c in ranked if kinds[c.decided_unit] == kind]
        found.append(
            UnitSuggestion(unit_id, name, kind, free, tuple(fitting[:SHOWN]), len(fitting))
        )
    return found


def _needs_bed(card: FlowCard, kinds: Mapping[UUID, str]) -> bool:
    return (
        card.decision_service == ServiceKind.SHORT_TERM_STAY
        and card.decision_unit_id in kinds
        and card.reservation is None
        and card.phase in (Phase.REFERRED, Phase.IN_HOSPITAL, Phase.READY)
    )


def _candidate(card: FlowCard) -> Candidate:
    assert card.decision_unit_id is not None
    running = card.clock is not None and card.clock.state == ClockState.RUNNING
    return Candidate(card, card.decision_unit_id, running)


def _order(c: Candidate) -> tuple[object, ...]:
    card = c.card
    since = card.ready_at.date() if card.ready_at else date.max
    return (not c.payment_running, -card.days_waiting, -len(card.flags), since, card.name)


def _freeing(
    db: Connection, municipality_id: UUID, today: date
) -> list[tuple[UUID, str, str, tuple[Bed, ...]]]:
    """Per unit with beds, those free now and those whose patient's discharge is planned
    within `WITHIN_DAYS`."""
    soon = today + timedelta(days=WITHIN_DAYS)
    query = (
        select(units.c.unit_id, units.c.name, units.c.kind, beds.c.bed, cards.c.plan_on)
        .join(beds, beds.c.unit_id == units.c.unit_id)
        .outerjoin(cards, cards.c.flow_id == beds.c.flow_id)
        .where(
            units.c.municipality_id == municipality_id,
            units.c.kind != UnitKind.HOME_CARE_ZONE.value,
            or_(
                beds.c.status == BedStatus.FREE.value,
                and_(
                    beds.c.status == BedStatus.OCCUPIED.value,
                    cards.c.phase == Phase.ON_STAY.value,
                    cards.c.plan_on <= soon,
                ),
            ),
        )
        .order_by(units.c.kind, units.c.name, beds.c.position)
    )
    grouped: dict[UUID, tuple[str, str, list[Bed]]] = {}
    for unit_id, name, kind, bed, plan_on in db.execute(query):
        free_on = today if plan_on is None else max(today, plan_on)
        grouped.setdefault(unit_id, (name, kind, []))[2].append(Bed(bed, free_on))
    return [
        (unit_id, name, kind, tuple(sorted(found, key=lambda b: b.free_on)))
        for unit_id, (name, kind, found) in grouped.items()
    ]
