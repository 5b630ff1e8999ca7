"""`UnitBoard`: a short-term unit's beds, who comes and goes, and its lists of tasks."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, Engine, select

from flow.errors import NotFoundError
from flow.vocabulary import Phase
from projections.bed_grid import beds, units
from projections.cards import FlowCard, load_cards, today
from projections.flow_cards import cards
from projections.task_lists import TaskLists, TaskRow


@dataclass(frozen=True)
class BedSlot:
    bed: str
    status: str
    blocked_reason: str | None
    flow: FlowCard | None


@dataclass(frozen=True)
class UnitBoard:
    unit_id: UUID
    name: str
    kind: str
    day: date
    beds: list[BedSlot]
    arrivals: list[FlowCard]
    departures: list[FlowCard]
    #: What the unit (zone) must do or confirm, as before the lists; `task_lists` has all three.
    tasks: list[TaskRow]
    task_lists: TaskLists

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
        role: str = "",
        member_of: Collection[UUID] = (),
    ) -> UnitBoard:
        """The unit's board; its tasks with the actions a user of `role`, member of
        `member_of`, may take."""
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
            unit_tasks = TaskLists.read(db, municipality_id, {unit_id}, role, member_of)
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
            tasks=[*unit_tasks.to_do, *unit_tasks.to_confirm],
            task_lists=unit_tasks,
        )


def _slots(db: Connection, unit_id: UUID, held: Mapping[UUID, FlowCard]) -> list[BedSlot]:
    rows = db.execute(select(beds).where(beds.c.unit_id == unit_id).order_by(beds.c.position))
    return [
        BedSlot(r.bed, r.status, r.blocked_reason, held.get(r.flow_id) if r.flow_id else None)
        for r in rows
    ]
