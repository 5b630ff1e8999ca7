"""`AllocationBoard`: the caseworker's overview of every patient on the move."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, Engine, and_, select

from flow.vocabulary import Destination, Phase
from projections.cards import FlowCard, load_cards, today
from projections.flow_cards import cards, initials
from projections.task_list import LOOP_OPEN, tasks


@dataclass(frozen=True)
class BrokenLoop:
    """A task whose loop is open past its due time."""

    task_id: UUID
    flow_id: UUID
    name: str
    initials: str
    title: str
    title_en: str  # '' where the task's checklist gave no English title
    owner_unit: UUID | None
    due_at: datetime
    status: str
    national_id: str


@dataclass(frozen=True)
class AllocationBoard:
    in_hospital: list[FlowCard]
    ready: list[FlowCard]
    waiting_for_bed: list[FlowCard]
    on_stay: list[FlowCard]
    going_home: list[FlowCard]
    broken_loops: list[BrokenLoop]
    #: The paid waiting days and their cost so far, of the patients ready in hospital
    #: (the payment clock's, `flow/payment_clock.py`), and how many of them have no answer.
    waiting_days: int
    waiting_cost: int
    unanswered: int

    @classmethod
    def read(
        cls, engine: Engine, municipality_id: UUID, now: datetime, rates: Mapping[int, int]
    ) -> AllocationBoard:
        moving = and_(
            cards.c.municipality_id == municipality_id,
            cards.c.phase.not_in([Phase.CLOSED.value, Phase.HOME_CARE.value]),
        )
        with engine.connect() as db:
            flows = load_cards(db, moving, now, rates)
            broken = _broken_loops(db, municipality_id)
        columns: dict[str, list[FlowCard]] = {k: [] for k in COLUMNS}
        for card in flows:
            columns[column_of(card, now) or "waiting_for_bed"].append(card)
        columns["ready"].sort(key=lambda c: -c.days_waiting)
        going_home = columns["going_home"]
        return cls(
            in_hospital=columns["in_hospital"],
            ready=columns["ready"],
            waiting_for_bed=columns["waiting_for_bed"],
            on_stay=columns["on_stay"],
            going_home=sorted(going_home, key=lambda c: (c.plan_on is None, c.plan_on)),
            broken_loops=broken,
            waiting_days=sum(c.days_waiting for c in columns["ready"]),
            waiting_cost=sum(c.cost_so_far for c in columns["ready"]),
            unanswered=sum(1 for c in columns["ready"] if c.clock and c.clock.unanswered),
        )


#: The board's columns of flows, left to right (the broken loops come last, apart).
COLUMNS = ("in_hospital", "ready", "waiting_for_bed", "on_stay", "going_home")


def column_of(card: FlowCard, now: datetime) -> str | None:
    """The column a flow stands in; None for a flow the board does not show.

    A patient planned home straight from hospital stays in the hospital columns, where the
    waiting days and their cost are counted, until discharged: then going home, as after a
    stay."""
    if card.phase in (Phase.CLOSED, Phase.HOME_CARE):
        return None
    going_home = card.plan_destination == Destination.HOME
    if card.phase == Phase.IN_HOSPITAL:
        return "in_hospital"
    if card.phase == Phase.READY:
        return "ready"
    if card.phase == Phase.ON_STAY:
        horizon = today(now) + timedelta(days=7)
        soon = going_home and card.plan_on is not None and card.plan_on <= horizon
        return "going_home" if soon else "on_stay"
    if card.phase == Phase.DISCHARGED and going_home:
        return "going_home"
    return "waiting_for_bed"


def _broken_loops(db: Connection, municipality_id: UUID) -> list[BrokenLoop]:
    query = (
        select(
            tasks.c.task_id,
            tasks.c.flow_id,
            cards.c.name,
            tasks.c.title,
            tasks.c.title_en,
            tasks.c.owner_unit,
            tasks.c.due_at,
            tasks.c.status,
            cards.c.national_id,
        )
        .join(cards, cards.c.flow_id == tasks.c.flow_id)
        .where(
            tasks.c.municipality_id == municipality_id,
            tasks.c.overdue.is_(True),
            tasks.c.status.in_(LOOP_OPEN),
        )
        .order_by(tasks.c.due_at, tasks.c.task_id)  # a total order: a rebuild shows the same
    )
    return [
        BrokenLoop(task_id, flow_id, name, initials(name), title, english, owner, due, status, nid)
        for task_id, flow_id, name, title, english, owner, due, status, nid in db.execute(query)
    ]
