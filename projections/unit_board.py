"""`UnitBoard`: a short-term unit's beds, who comes and goes, and its open tasks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, Engine, and_, or_, select

from flow.errors import NotFoundError
from flow.vocabulary import Phase
from projections.bed_grid import beds, units
from projections.cards import FlowCard, load_cards, today
from projections.flow_cards import cards, initials
from projections.task_list import LOOP_OPEN, tasks


@dataclass(frozen=True)
class BedSlot:
    bed: str
    status: str
    blocked_reason: str | None
    flow: FlowCard | None


@dataclass(frozen=True)
class UnitTask:
    task_id: UUID
    flow_id: UUID
    name: str
    initials: str
    title: str
    owner_unit: UUID | None
    receiver_unit: UUID | None
    due_at: datetime
    status: str
    overdue: bool
    part: str  # "owner": the unit must do it; "receiver": the unit must confirm it


@dataclass(frozen=True)
class UnitBoard:
    unit_id: UUID
    name: str
    kind: str
    day: date
    beds: list[BedSlot]
    arrivals: list[FlowCard]
    departures: list[FlowCard]
    tasks: list[UnitTask]

    @property
    def free(self) -> int:
        return sum(1 for slot in self.beds if slot.status == "free")

    @classmethod
    def read(
        cls,
        engine: Engine,
        municipality_id: UUID,
        unit_id: UUID,
        now: datetime,
        rates: Mapping[int, int],
    ) -> UnitBoard:
        with engine.connect() as db:
            unit = db.execute(
                select(units).where(
                    units.c.unit_id == unit_id,
                    units.c.municipality_id == municipality_id,
                    units.c.kind != "home_care_zone",
                )
            ).first()
            if unit is None:
                raise NotFoundError("not_found", thing="unit")
            here = load_cards(db, cards.c.unit_id == unit_id, now, rates)
            slots = _slots(db, unit_id, {c.flow_id: c for c in here})
            unit_tasks = open_tasks_of(db, unit_id)
        day = today(now)
        window = (day, day + timedelta(days=1))
        return cls(
            unit_id=unit_id,
            name=unit.name,
            kind=unit.kind,
            day=day,
            beds=slots,
            arrivals=[c for c in here if c.phase != Phase.ON_STAY],
            departures=[
                c
                for c in here
                if c.phase == Phase.ON_STAY and c.plan_on is not None and c.plan_on <= window[1]
            ],
            tasks=unit_tasks,
        )


def _slots(db: Connection, unit_id: UUID, held: Mapping[UUID, FlowCard]) -> list[BedSlot]:
    rows = db.execute(select(beds).where(beds.c.unit_id == unit_id).order_by(beds.c.position))
    return [
        BedSlot(r.bed, r.status, r.blocked_reason, held.get(r.flow_id) if r.flow_id else None)
        for r in rows
    ]


def open_tasks_of(db: Connection, unit_id: UUID) -> list[UnitTask]:
    """Tasks the unit (or zone) must do, or must confirm now that the owner is done."""
    mine = or_(
        tasks.c.owner_unit == unit_id,
        and_(tasks.c.receiver_unit == unit_id, tasks.c.status == "completed"),
    )
    query = (
        select(tasks, cards.c.name)
        .join(cards, cards.c.flow_id == tasks.c.flow_id)
        .where(mine, tasks.c.status.in_(LOOP_OPEN))
        .order_by(tasks.c.due_at)
    )
    return [
        UnitTask(
            r.task_id,
            r.flow_id,
            r.name,
            initials(r.name),
            r.title,
            r.owner_unit,
            r.receiver_unit,
            r.due_at,
            r.status,
            r.overdue,
            "owner" if r.owner_unit == unit_id else "receiver",
        )
        for r in db.execute(query)
    ]
