"""`TaskLists`: a party's three lists of tasks, from the task list and the flow cards.

"Å gjøre": the open tasks the party owns; "Til bekreftelse": the tasks done by their owners
that the party receives, waiting for its answer; "Venter på andre": the tasks the party owns
and has done, waiting for their receiver. A party is the allocation office (the tasks of no
unit) or some of a user's units and zones. Each list in one total order, due time then task
id, so a rebuild of the read models shows the same lists.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Column, ColumnElement, Connection, and_, select

from flow.closed_loops import Party, Task, TaskState
from flow.vocabulary import HOSPITAL_PHASES, Phase, TaskAction, TaskStatus
from projections.bed_grid import units
from projections.flow_cards import cards
from projections.task_list import tasks


@dataclass(frozen=True)
class Returned:
    """The receiver sent the task back: why, who (a user id) and when."""

    reason: str
    by: str
    at: datetime
    by_name: str = ""  # the user's name, from the accounts (`boards/services/task_lists.py`)


@dataclass(frozen=True)
class TaskRow:
    task_id: UUID
    flow_id: UUID
    name: str
    title: str
    title_en: str
    due_at: datetime
    overdue: bool
    status: str
    owner_unit: UUID | None
    receiver_unit: UUID | None
    #: Where the patient is: a bed of a unit, a zone, or in hospital (neither).
    unit_id: UUID | None
    bed: str | None
    zone_id: UUID | None
    place_name: str | None  # the unit's (with the bed) or the zone's name
    in_hospital: bool
    returned: Returned | None
    actions: tuple[TaskAction, ...]


@dataclass(frozen=True)
class TaskLists:
    to_do: list[TaskRow]
    to_confirm: list[TaskRow]
    waiting_for_others: list[TaskRow]

    @property
    def rows(self) -> list[TaskRow]:
        return [*self.to_do, *self.to_confirm, *self.waiting_for_others]

    def only(self, flow_ids: Collection[UUID]) -> TaskLists:
        """The lists with only the rows of these flows."""
        return TaskLists(
            *(
                [row for row in rows if row.flow_id in flow_ids]
                for rows in (self.to_do, self.to_confirm, self.waiting_for_others)
            )
        )

    def map(self, change: Callable[[TaskRow], TaskRow]) -> TaskLists:
        return TaskLists(
            *(
                [change(row) for row in rows]
                for rows in (self.to_do, self.to_confirm, self.waiting_for_others)
            )
        )

    @classmethod
    def read(
        cls,
        db: Connection,
        municipality_id: UUID,
        party: Collection[UUID] | None,
        role: str,
        member_of: Collection[UUID],
    ) -> TaskLists:
        """The lists of the party (units or zones; None: the allocation office), each row
        with the actions the domain lets a user of `role`, member of `member_of`, take
        (`TaskState.actions`)."""
        owned, received = _of(tasks.c.owner_unit, party), _of(tasks.c.receiver_unit, party)
        open_, done = TaskStatus.OPEN.value, TaskStatus.COMPLETED.value
        wheres = (
            and_(owned, tasks.c.status == open_),
            and_(received, tasks.c.has_receiver, tasks.c.status == done),
            and_(owned, tasks.c.has_receiver, tasks.c.status == done),
        )
        names: dict[UUID, str] = {
            unit_id: name for unit_id, name in db.execute(select(units.c.unit_id, units.c.name))
        }
        lists = [
            [
                _row(r, role, member_of, names)
                for r in db.execute(
                    select(tasks, *_WHERE)
                    .join(cards, cards.c.flow_id == tasks.c.flow_id)
                    .where(tasks.c.municipality_id == municipality_id, where)
                    .order_by(tasks.c.due_at, tasks.c.task_id)
                ).mappings()
            ]
            for where in wheres
        ]
        return cls(*lists)


_WHERE = (
    cards.c.name,
    cards.c.phase,
    cards.c.unit_id.label("card_unit"),
    cards.c.bed,
    cards.c.plan_zone,
    cards.c.home_care_zone,
)


def _of(column: Column[Any], party: Collection[UUID] | None) -> ColumnElement[bool]:
    if party is None:
        return column.is_(None)
    return column.in_(list(party))


def _row(r: Any, role: str, unit_ids: Collection[UUID], names: dict[UUID, str]) -> TaskRow:
    owner = Party(r["owner_unit"])
    receiver = Party(r["receiver_unit"]) if r["has_receiver"] else None
    task = Task(
        r["task_id"],
        r["checklist"],
        r["key"],
        r["trigger"],
        r["title"],
        r["title_en"],
        owner,
        receiver,
        r["due_at"],
        None,
    )
    state = TaskState(task, r["status"], r["overdue"])
    returned = (
        Returned(r["returned_reason"], r["returned_by"] or "", r["returned_at"])
        if r["returned_reason"] is not None and r["status"] == TaskStatus.OPEN.value
        else None
    )
    in_hospital = r["phase"] in HOSPITAL_PHASES
    at_home = r["phase"] in (Phase.DISCHARGED, Phase.HOME_CARE)
    unit_id = r["card_unit"] if r["bed"] else None
    zone_id = (r["home_care_zone"] or r["plan_zone"]) if at_home else None
    return TaskRow(
        task_id=r["task_id"],
        flow_id=r["flow_id"],
        name=r["name"],
        title=r["title"],
        title_en=r["title_en"],
        due_at=r["due_at"],
        overdue=r["overdue"],
        status=r["status"],
        owner_unit=r["owner_unit"],
        receiver_unit=r["receiver_unit"],
        unit_id=unit_id,
        bed=r["bed"],
        zone_id=zone_id,
        place_name=names.get(place) if (place := unit_id or zone_id) else None,
        in_hospital=in_hospital,
        returned=returned,
        actions=state.actions(role, unit_ids),
    )
