"""`TaskList`: every task of every flow, for finding a task's flow, due loops and boards.

A task sent back keeps who sent it, when and why until its owner is done again; the reason
is the receiver's free text, erased with the patient's identity."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    Uuid,
    false,
    select,
)

from access.database import UTCDateTime
from flow.closed_loops import ClosedLoops
from flow.patient_flow import PatientFlow
from flow.vocabulary import ERASED, TaskStatus
from projections.projection import Handler, Projection
from projections.rows import Rows
from projections.versions import table_name

metadata = MetaData()
#: The read model whose tables these are (`projections.versions`).
MODEL = "task_list"

NAME = table_name("task_list", MODEL)

tasks = Table(
    NAME,
    metadata,
    Column("task_id", Uuid, primary_key=True),
    Column("flow_id", Uuid, nullable=False),
    Column("municipality_id", Uuid, nullable=False),
    Column("checklist", String(64), nullable=False),
    Column("trigger", String(64), nullable=False),
    Column("key", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("title_en", String(200), nullable=False),
    Column("owner_unit", Uuid, nullable=True),
    Column("receiver_unit", Uuid, nullable=True),
    Column("has_receiver", Boolean, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("overdue", Boolean, nullable=False),
    Column("returned_reason", String(2000), nullable=True),  # sent back, until done again
    Column("returned_by", String(64), nullable=True),
    Column("returned_at", UTCDateTime, nullable=True),
    # The deadline process's question, which reads the loops still open and not yet
    # overdue, not every task of the past; also the allocation board's broken loops.
    Index(f"{NAME}_due", "overdue", "status", "due_at"),
    # A flow's tasks; a board counts its cards' open and overdue loops from this index alone.
    Index(f"{NAME}_by_flow", "flow_id", "status", "overdue"),
    # A party's lists (`projections/task_lists.py`): what it owns, what it receives, in the
    # order they are shown (the office's parties are the rows of no unit).
    Index(
        f"{NAME}_by_owner",
        "municipality_id",
        "owner_unit",
        "status",
        "due_at",
        "task_id",
    ),
    Index(
        f"{NAME}_by_receiver",
        "municipality_id",
        "receiver_unit",
        "status",
        "due_at",
    ),
)

_NOT_RETURNED = {"returned_reason": None, "returned_by": None, "returned_at": None}

LOOP_OPEN = (TaskStatus.OPEN.value, TaskStatus.COMPLETED.value)
_FINAL = {TaskStatus.CLOSED.value, TaskStatus.CANCELLED.value}


class TaskList(Projection):
    name = MODEL
    tables = (tasks,)
    by_task = (tasks.c.task_id,)
    finished = {tasks.name: lambda row: row["status"] in _FINAL}

    def handlers(self) -> dict[type, Handler]:
        # Task events are stored as ClosedLoops.*: PatientFlow.TaskOpened is a subclass
        # that eventsourcing makes, and no stored event is an instance of it.
        return {
            ClosedLoops.TaskOpened: self._opened,
            ClosedLoops.TaskCompleted: self._completed,
            ClosedLoops.TaskAcknowledged: self._set(status=TaskStatus.CLOSED.value),
            ClosedLoops.TaskRejected: self._rejected,
            ClosedLoops.TaskOverdue: self._set(overdue=True),
            ClosedLoops.TaskCancelled: self._set(
                status=TaskStatus.CANCELLED.value, **_NOT_RETURNED
            ),
            PatientFlow.IdentityErased: self._erased,
        }

    def _opened(self, rows: Rows, e: Any) -> None:
        task = e.task
        rows.put(
            tasks,
            {
                "task_id": task.id,
                "flow_id": e.originator_id,
                "municipality_id": e.by.municipality_id,
                "checklist": task.checklist,
                "trigger": task.trigger,
                "key": task.key,
                "title": task.title,
                "title_en": task.title_en,
                "owner_unit": task.owner.unit_id,
                "receiver_unit": task.receiver.unit_id if task.receiver else None,
                "has_receiver": task.receiver is not None,
                "opened_at": e.at,
                "due_at": task.due_at,
                "status": TaskStatus.OPEN.value,
                "overdue": False,
                **_NOT_RETURNED,
            },
        )

    def _completed(self, rows: Rows, e: Any) -> None:
        row = rows.get(tasks, e.task_id)
        if row is not None:
            closes = not row["has_receiver"]
            status = TaskStatus.CLOSED if closes else TaskStatus.COMPLETED
            rows.update(tasks, e.task_id, status=status.value, **_NOT_RETURNED)

    def _rejected(self, rows: Rows, e: Any) -> None:
        rows.update(
            tasks,
            e.task_id,
            status=TaskStatus.OPEN.value,
            returned_reason=e.reason,
            returned_by=e.by.user_id,
            returned_at=e.at,
        )

    def _erased(self, rows: Rows, e: Any) -> None:
        """The reasons the flow's tasks were sent back go with the patient's identity."""
        for row in rows.where(tasks.c.flow_id, e.originator_id):
            if row["returned_reason"]:
                rows.update(tasks, row["task_id"], returned_reason=ERASED)

    @staticmethod
    def _set(**values: Any) -> Handler:
        def handle(rows: Rows, e: Any) -> None:
            rows.update(tasks, e.task_id, **values)

        return handle


def flow_of_task(engine: Engine, task_id: UUID, municipality_id: UUID) -> UUID | None:
    query = select(tasks.c.flow_id).where(
        tasks.c.task_id == task_id, tasks.c.municipality_id == municipality_id
    )
    with engine.connect() as db:
        flow_id: UUID | None = db.scalar(query)
    return flow_id


def flows_with_loops_due(engine: Engine, at: datetime) -> list[UUID]:
    """Flows with a loop open past its due time that is not yet marked overdue."""
    query = (
        select(tasks.c.flow_id)
        .where(tasks.c.status.in_(LOOP_OPEN), tasks.c.overdue == false(), tasks.c.due_at <= at)
        .distinct()
    )
    with engine.connect() as db:
        return list(db.scalars(query))
