"""The closed loops as a flow's stored events tell them, read without the domain's code.

`walk` follows every task of one flow through its stored events and fails on the first
event the loop does not allow:

- a task is opened once, and every other task event names a task opened before it;
- a task is completed only while open (opened, or rejected since its last completion);
- it is acknowledged or rejected only after a completion since its last opening or
  rejection, and only if it has a receiver;
- `TaskOverdue` comes at most once per task, while its loop is open, never before its
  due time;
- a task is cancelled only while its loop is open;
- after `FlowClosed` come only the cancellations of that same command, each naming the
  closing, and no loop is left open.

It returns what each task came to, to compare with the state the flow keeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

OPEN, COMPLETED, CLOSED, CANCELLED = "open", "completed", "closed", "cancelled"


@dataclass
class TaskLog:
    """One task as its events left it."""

    task_id: UUID
    title: str
    due_at: datetime
    has_receiver: bool
    status: str = OPEN
    overdue_at: datetime | None = None
    note: str = ""

    @property
    def loop_open(self) -> bool:
        return self.status in {OPEN, COMPLETED}

    def summary(self) -> tuple[str, bool, str]:
        """What the flow's `TaskState` must say: status, overdue and note."""
        return self.status, self.overdue_at is not None, self.note


def walk(flow_events: Iterable[Any]) -> dict[UUID, TaskLog]:
    """Every task of the flow whose events these are, checking each event in turn."""
    tasks: dict[UUID, TaskLog] = {}
    closing: Any = None
    for position, domain_event in enumerate(flow_events, start=1):
        name = type(domain_event).__name__
        where = f"event {position} ({name})"
        if name == "IdentityErased":  # allowed at any time, closed flows included
            continue
        if closing is not None:
            assert name == "TaskCancelled", f"{where} recorded after the flow was closed"
            assert (domain_event.by, domain_event.at) == (closing.by, closing.at), (
                f"{where} after the closing, but not by the closing command"
            )
        if name == "FlowClosed":
            closing = domain_event
            continue
        if not name.startswith("Task"):
            continue
        if name == "TaskOpened":
            task = domain_event.task
            assert task.id not in tasks, f"{where}: task {task.title!r} opened twice"
            tasks[task.id] = TaskLog(task.id, task.title, task.due_at, task.receiver is not None)
            continue
        log = tasks.get(domain_event.task_id)
        assert log is not None, f"{where} for a task never opened"
        step(log, name, domain_event, where, closing)
    if closing is not None:
        still_open = [(log.title, log.status) for log in tasks.values() if log.loop_open]
        assert not still_open, f"the flow was closed with open loops: {still_open}"
    return tasks


def step(log: TaskLog, name: str, domain_event: Any, where: str, closing: Any) -> None:
    """Move one task on by one of its events, or fail if the loop does not allow it."""
    task = f"{where}: task {log.title!r} is {log.status}"
    if name == "TaskCompleted":
        assert log.status == OPEN, f"{task}, not open, and was completed"
        log.status = COMPLETED if log.has_receiver else CLOSED
        log.note = domain_event.note
    elif name == "TaskAcknowledged":
        assert log.has_receiver, f"{task} and has no receiver, but was acknowledged"
        assert log.status == COMPLETED, (
            f"{task}: acknowledged without a completion since its last opening or rejection"
        )
        log.status = CLOSED
    elif name == "TaskRejected":
        assert log.has_receiver, f"{task} and has no receiver, but was rejected"
        assert log.status == COMPLETED, (
            f"{task}: rejected without a completion since its last opening or rejection"
        )
        log.status, log.note = OPEN, domain_event.reason
    elif name == "TaskOverdue":
        assert log.overdue_at is None, f"{task}: TaskOverdue a second time"
        assert domain_event.at >= log.due_at, (
            f"{task}: overdue at {domain_event.at}, before its due time {log.due_at}"
        )
        assert log.loop_open, f"{task}: overdue when its loop was no longer open"
        log.overdue_at = domain_event.at
    elif name == "TaskCancelled":
        assert log.loop_open, f"{task}: cancelled when its loop was no longer open"
        if closing is not None:
            reason = domain_event.reason
            assert "avsluttet" in reason and closing.reason in reason, (
                f"{task}: cancelled at the closing ({closing.reason}) with the note {reason!r}"
            )
        log.status, log.note = CANCELLED, domain_event.reason
    else:
        raise AssertionError(f"{where}: a task event the loop does not know")
