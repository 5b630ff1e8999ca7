"""Closed loops: the tasks a flow's events open, and who may move them on.

A task is open until its owner completes it; a task with a receiver stays open as a
loop until the receiver acknowledges it, or goes back to the owner when rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from flow.actor import Actor
from flow.checklists import Checklist, Condition, PartyRole, TaskTemplate
from flow.copying import CopiedByValue
from flow.errors import FlowError, IllegalTransitionError, NotFoundError, NotPermittedError
from flow.flow_values import erased_note
from flow.vocabulary import ERASED, TaskAction, TaskStatus


@dataclass(frozen=True)
class Party:
    """A unit or zone that owns or receives a task; no unit means the allocation office."""

    unit_id: UUID | None


ALLOCATION_OFFICE = Party(None)


@dataclass(frozen=True)
class Task:
    """A concrete task as it was opened: this is what the log keeps."""

    id: UUID
    checklist: str
    key: str
    trigger: str
    title: str
    title_en: str
    owner: Party
    receiver: Party | None
    due_at: datetime
    done_by: str | None


@dataclass(frozen=True)
class TaskState:
    task: Task
    status: str = TaskStatus.OPEN.value
    overdue: bool = False
    note: str = ""

    @property
    def loop_open(self) -> bool:
        return self.status in {TaskStatus.OPEN, TaskStatus.COMPLETED}

    def completed(self, note: str) -> TaskState:
        closes = self.task.receiver is None
        return replace(
            self, status=(TaskStatus.CLOSED if closes else TaskStatus.COMPLETED).value, note=note
        )

    def check_completable(self, role: str, member_of: Collection[UUID]) -> None:
        self._check_status(TaskStatus.OPEN, TaskAction.COMPLETE)
        if not acts_for(self.task.owner, role, member_of):
            raise NotPermittedError(
                "only_owner_completes", task=self.task.title, task_en=self.task.title_en
            )

    def check_answerable(self, role: str, member_of: Collection[UUID], action: str) -> None:
        """Only the receiver acknowledges or rejects, and only once the owner is done."""
        self._check_status(TaskStatus.COMPLETED, action)
        if self.task.receiver is None or not acts_for(self.task.receiver, role, member_of):
            raise NotPermittedError(
                "only_receiver_answers",
                task=self.task.title,
                task_en=self.task.title_en,
                action=action,
            )

    def actions(self, role: str, member_of: Collection[UUID]) -> tuple[TaskAction, ...]:
        """What a user of the role, member of the units, may do to the task now: the one
        answer the commands' checks give, for the lists that offer the actions."""
        checks: dict[TaskAction, Callable[[], None]] = {
            TaskAction.COMPLETE: lambda: self.check_completable(role, member_of),
            TaskAction.ACKNOWLEDGE: lambda: self.check_answerable(
                role, member_of, TaskAction.ACKNOWLEDGE
            ),
            TaskAction.REJECT: lambda: self.check_answerable(role, member_of, TaskAction.REJECT),
        }
        allowed = []
        for action, check in checks.items():
            try:
                check()
            except FlowError:
                continue
            allowed.append(action)
        return tuple(allowed)

    def check_overdue(self, at: datetime) -> None:
        if not self.loop_open or self.overdue or at < self.task.due_at:
            raise IllegalTransitionError(
                "task_not_overdue", task=self.task.title, task_en=self.task.title_en
            )

    def _check_status(self, status: TaskStatus, action: str) -> None:
        if self.status != status:
            raise IllegalTransitionError(
                "task_wrong_status",
                task=self.task.title,
                task_en=self.task.title_en,
                action=action,
                task_status=self.status,
            )


def acts_for(party: Party, role: str, member_of: Collection[UUID]) -> bool:
    """The allocation office acts for the tasks of no unit; a unit's members for its own."""
    if party.unit_id is None:
        return role == "allocation"
    return party.unit_id in member_of


class ClosedLoops(CopiedByValue, Aggregate):
    """The closed-loop tasks of a flow; `PatientFlow` inherits them.

    Subclasses say whether they accept commands (`_check_open`) and who the unit,
    zone and planned date of a template are (`_party`, `_planned_date`).
    """

    if TYPE_CHECKING:
        # Assigned by the subclass's created event: a class annotation at run time
        # would make it a field of that event.
        tasks: dict[str, TaskState]
        erased: bool  # the flow's identity is erased
        # The event classes that @event makes, named for the type checker.
        TaskOpened: ClassVar[type[Aggregate.Event]]
        TaskCompleted: ClassVar[type[Aggregate.Event]]
        TaskAcknowledged: ClassVar[type[Aggregate.Event]]
        TaskRejected: ClassVar[type[Aggregate.Event]]
        TaskOverdue: ClassVar[type[Aggregate.Event]]
        TaskCancelled: ClassVar[type[Aggregate.Event]]

    def _check_open(self) -> None:
        raise NotImplementedError

    def _party(self, role: PartyRole) -> Party | None:
        raise NotImplementedError

    def _planned_date(self) -> date | None:
        raise NotImplementedError

    def _applies(self, condition: Condition | None) -> bool:
        raise NotImplementedError

    # -- opening, from templates ---------------------------------------------------------

    def _kept(self, text: str) -> str:
        """Free text as it may be recorded: none of it once the identity is erased."""
        return ERASED if self.erased and text else text

    def _erase_task_notes(self) -> None:
        """In the erasure's event: the tasks' notes go; a cancelled task's note is the
        system's reason, not anyone's free text, and stays."""
        self.tasks = {
            key: state if state.status == TaskStatus.CANCELLED else erased_note(state)
            for key, state in self.tasks.items()
        }

    def open_checklists(
        self, trigger: str, checklists: list[Checklist], *, by: Actor, at: datetime
    ) -> None:
        """Open the tasks the templates name for an event just recorded on this flow."""
        for checklist in checklists:
            if self._applies(checklist.when):
                for template in checklist.tasks:
                    self._open(checklist.key, trigger, template, by=by, at=at)

    def _open(
        self, checklist: str, trigger: str, template: TaskTemplate, *, by: Actor, at: datetime
    ) -> None:
        """The template's task, unless the same task of the checklist is still in its loop
        (a trigger recorded again, as a changed ready day is, opens no second one)."""
        if any(
            state.loop_open and (state.task.checklist, state.task.key) == (checklist, template.key)
            for state in self.tasks.values()
        ):
            return
        owner = self._party(template.owner)
        receiver = self._party(template.receiver) if template.receiver else None
        if owner is None or (template.receiver and receiver is None):
            return
        task = Task(
            id=uuid5(self.id, f"task/{len(self.tasks)}"),
            checklist=checklist,
            key=template.key,
            trigger=trigger,
            title=template.title,
            title_en=template.title_en,
            owner=owner,
            receiver=receiver,
            due_at=template.due_at(at, self._planned_date()),
            done_by=template.done_by,
        )
        self._task_opened(task=task, by=by, at=at)

    @event("TaskOpened")
    def _task_opened(self, task: Task, by: Actor, at: datetime) -> None:
        self.tasks[str(task.id)] = TaskState(task)

    def complete_tasks_done_by(self, event_name: str, *, by: Actor, at: datetime) -> None:
        """An event that does a task's work completes it without anyone ticking it off."""
        for state in list(self.tasks.values()):
            if state.status == TaskStatus.OPEN and state.task.done_by == event_name:
                self._task_completed(task_id=state.task.id, note="", by=by, at=at)

    # -- the loop ------------------------------------------------------------------------

    def complete_task(
        self, task_id: UUID, note: str, *, by: Actor, member_of: Collection[UUID], at: datetime
    ) -> None:
        self._check_open()
        self.task(task_id).check_completable(by.role, member_of)
        self._task_completed(task_id=task_id, note=self._kept(note), by=by, at=at)

    @event("TaskCompleted")
    def _task_completed(self, task_id: UUID, note: str, by: Actor, at: datetime) -> None:
        key = str(task_id)
        self.tasks[key] = self.tasks[key].completed(note)

    def acknowledge_task(
        self, task_id: UUID, *, by: Actor, member_of: Collection[UUID], at: datetime
    ) -> None:
        """The receiver confirms: the loop is closed."""
        self._check_open()
        self.task(task_id).check_answerable(by.role, member_of, TaskAction.ACKNOWLEDGE)
        self._task_acknowledged(task_id=task_id, by=by, at=at)

    @event("TaskAcknowledged")
    def _task_acknowledged(self, task_id: UUID, by: Actor, at: datetime) -> None:
        key = str(task_id)
        self.tasks[key] = replace(self.tasks[key], status=TaskStatus.CLOSED.value)

    def reject_task(
        self, task_id: UUID, reason: str, *, by: Actor, member_of: Collection[UUID], at: datetime
    ) -> None:
        """The receiver says it is not done: back to the owner, with the reason."""
        self._check_open()
        self.task(task_id).check_answerable(by.role, member_of, TaskAction.REJECT)
        self._task_rejected(task_id=task_id, reason=self._kept(reason), by=by, at=at)

    @event("TaskRejected")
    def _task_rejected(self, task_id: UUID, reason: str, by: Actor, at: datetime) -> None:
        key = str(task_id)
        self.tasks[key] = replace(self.tasks[key], status=TaskStatus.OPEN.value, note=reason)

    def mark_overdue(self, task_id: UUID, *, by: Actor, at: datetime) -> None:
        """Recorded once, when the due time has passed with the loop still open."""
        self._check_open()
        self.task(task_id).check_overdue(at)
        self._task_overdue(task_id=task_id, by=by, at=at)

    @event("TaskOverdue")
    def _task_overdue(self, task_id: UUID, by: Actor, at: datetime) -> None:
        key = str(task_id)
        self.tasks[key] = replace(self.tasks[key], overdue=True)

    def _cancel_tasks(
        self, reason: str, *, by: Actor, at: datetime, triggers: Collection[str] | None = None
    ) -> None:
        """Undoing a trigger cancels the loops it opened that are still open."""
        for state in list(self.tasks.values()):
            if state.loop_open and (triggers is None or state.task.trigger in triggers):
                self._task_cancelled(task_id=state.task.id, reason=reason, by=by, at=at)

    @event("TaskCancelled")
    def _task_cancelled(self, task_id: UUID, reason: str, by: Actor, at: datetime) -> None:
        key = str(task_id)
        self.tasks[key] = replace(self.tasks[key], status=TaskStatus.CANCELLED.value, note=reason)

    # -- reading -------------------------------------------------------------------------

    def task(self, task_id: UUID) -> TaskState:
        try:
            return self.tasks[str(task_id)]
        except KeyError:
            raise NotFoundError("not_found", thing="task") from None

    def overdue_candidates(self, at: datetime) -> list[UUID]:
        """Tasks whose loop is open past the due time and not yet marked overdue."""
        return [
            s.task.id
            for s in self.tasks.values()
            if s.loop_open and not s.overdue and s.task.due_at <= at
        ]
