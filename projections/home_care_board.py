"""`HomeCareBoard`: who comes home to a zone in the next 14 days (from a stay or straight
from hospital), and first visits due."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, Engine, and_, or_, select

from flow.errors import NotFoundError
from flow.vocabulary import HOSPITAL_PHASES, Destination, Phase
from projections.bed_grid import units
from projections.cards import FlowCard, load_cards, today
from projections.flow_cards import cards
from projections.task_list import tasks
from projections.task_lists import TaskLists, TaskRow

HORIZON_DAYS = 14
#: Where a discharge home is planned from: a stay, or hospital.
_PLANNED_FROM = [Phase.ON_STAY, *HOSPITAL_PHASES]


@dataclass(frozen=True)
class Checklist:
    """The state of a flow's handover checklist to home care."""

    closed: int
    total: int
    overdue: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.closed == self.total


@dataclass(frozen=True)
class Homecoming:
    flow: FlowCard
    checklist: Checklist


@dataclass(frozen=True)
class HomeCareBoard:
    zone_id: UUID
    name: str
    day: date
    coming_home: list[Homecoming]
    #: What the unit (zone) must do or confirm, as before the lists; `task_lists` has all three.
    tasks: list[TaskRow]
    task_lists: TaskLists

    @classmethod
    def read(
        cls,
        engine: Engine,
        municipality_id: UUID,
        zone_id: UUID,
        now: datetime,
        rates: Mapping[int, int],
        role: str = "",
        member_of: Collection[UUID] = (),
    ) -> HomeCareBoard:
        day = today(now)
        with engine.connect() as db:
            zone = db.execute(
                select(units).where(
                    units.c.unit_id == zone_id,
                    units.c.municipality_id == municipality_id,
                    units.c.kind == "home_care_zone",
                )
            ).first()
            if zone is None:
                raise NotFoundError("not_found", thing="zone")
            coming = and_(
                cards.c.plan_zone == zone_id,
                cards.c.plan_destination == Destination.HOME.value,
                or_(
                    and_(
                        cards.c.phase.in_(_PLANNED_FROM),
                        cards.c.plan_on <= day + timedelta(days=HORIZON_DAYS),
                    ),
                    cards.c.phase == Phase.DISCHARGED.value,
                ),
            )
            flows = load_cards(db, coming, now, rates)
            lists = _checklists(db, [c.flow_id for c in flows])
            zone_tasks = TaskLists.read(db, municipality_id, {zone_id}, role, member_of)
        return cls(
            zone_id=zone_id,
            name=zone.name,
            day=day,
            coming_home=[
                Homecoming(c, lists.get(c.flow_id, Checklist(0, 0, 0)))
                for c in sorted(flows, key=lambda c: (c.plan_on is None, c.plan_on))
            ],
            tasks=[*zone_tasks.to_do, *zone_tasks.to_confirm],
            task_lists=zone_tasks,
        )


def _checklists(db: Connection, flow_ids: list[UUID]) -> dict[UUID, Checklist]:
    """Counts of the home-going tasks of each flow's current discharge plan."""
    query = (
        select(tasks.c.flow_id, tasks.c.status, tasks.c.overdue)
        .join(cards, cards.c.flow_id == tasks.c.flow_id)
        .where(
            tasks.c.flow_id.in_(flow_ids),
            tasks.c.trigger == "DischargePlanned",
            tasks.c.opened_at >= cards.c.plan_made_at,
            tasks.c.status != "cancelled",
        )
    )
    counts: dict[UUID, list[int]] = {}
    for flow_id, status, overdue in db.execute(query):
        closed, total, late = counts.setdefault(flow_id, [0, 0, 0])
        counts[flow_id] = [
            closed + (status == "closed"),
            total + 1,
            late + (overdue and status != "closed"),
        ]
    return {flow_id: Checklist(*c) for flow_id, c in counts.items()}
