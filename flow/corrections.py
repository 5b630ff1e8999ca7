"""Correcting a command given by mistake: an arrival registered for the wrong patient, a move
to the wrong bed, a discharge by mistake. Nothing is deleted: the flow records that the
command is corrected (`CommandCorrected`), and is again as it was before it — its bed, its
phase, its wait in hospital (the payment clock runs again), its decision. The loops the
command opened and that are still open are cancelled.

The one who gave the command corrects it within `CORRECTION_WINDOW`; later, or someone else's,
only the allocation office, with a reason. Only the flow's last command can be corrected, and
only while the flow is as that command left it: a command given after it (a plan, a flag, a
new decision) was given to the flow as it then stood. `PatientFlow` inherits this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate, event

from flow.actor import Actor
from flow.closed_loops import ClosedLoops
from flow.errors import IllegalTransitionError, NotPermittedError
from flow.vocabulary import Command

#: How long the one who gave a command may correct it herself.
CORRECTION_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Correctable:
    command: Command
    #: The fields of the flow the command's event changes, which the correction gives back.
    fields: tuple[str, ...]
    #: Why the loops it opened are cancelled, in bokmål.
    cancelled: str


#: The commands that can be corrected, by the event each records.
CORRECTABLE = {
    "PatientArrived": Correctable(
        Command.ARRIVE,
        ("stay", "reservation", "phase", "arrived_at", "ready", "discharge_plan"),
        "Ankomsten ble registrert ved en feil og er korrigert.",
    ),
    "PatientMoved": Correctable(
        Command.MOVE, ("stay",), "Flyttingen ble registrert ved en feil og er korrigert."
    ),
    "PatientDischarged": Correctable(
        Command.DISCHARGE,
        ("phase", "discharged_to", "discharged_at", "stay", "ready", "decision"),
        "Utskrivningen ble registrert ved en feil og er korrigert.",
    ),
}

#: The flow's own state, which any later command changes (its loops and the hospital's
#: notices are not part of it: they follow the flow, they do not move it).
_STATE = (
    "patient",
    "location",
    "need",
    "phase",
    "admitted_at",
    "ready",
    "hospital_answer",
    "wait",
    "decision",
    "reservation",
    "stay",
    "arrived_at",
    "discharge_plan",
    "discharged_to",
    "discharged_at",
    "home_care_zone",
    "closing_reason",
    "erased",
)


@dataclass(frozen=True)
class LastCommand:
    """The flow's last command that can be corrected, and what it changed."""

    event: str
    version: int
    by: Actor
    at: datetime
    before: tuple[tuple[str, Any], ...]  # the fields it changed, as they were
    after: tuple[Any, ...]  # the flow's state as it left it
    tasks_before: int  # the flow's tasks before it: those after are the loops it opened

    @property
    def command(self) -> Command:
        return CORRECTABLE[self.event].command

    def own(self, by: Actor, at: datetime) -> bool:
        """Given by `by`, and within the window at `at`."""
        return by.user_id == self.by.user_id and at - self.at <= CORRECTION_WINDOW


class Corrections(ClosedLoops):
    """The flow's last correctable command, and its correction."""

    if TYPE_CHECKING:
        last_command: LastCommand | None  # assigned by the subclass's created event
        safety_flags: dict[str, datetime]
        CommandCorrected: ClassVar[type[Aggregate.Event]]

    def correctable(self) -> LastCommand | None:
        """The command a correction would undo now, if any."""
        last = self.last_command
        if last is None or self._state() != last.after:
            return None
        return last

    def correct(self, command: Command, reason: str, *, by: Actor, at: datetime) -> None:
        """Undo `command`, which must be the flow's last (the caller names it, so that a
        correction never undoes something else than what its user saw)."""
        self._check_open()
        last = self.correctable()
        if last is None or last.command != command:
            raise IllegalTransitionError("nothing_to_correct", command=command.value)
        if not last.own(by, at):
            if by.role != "allocation":
                minutes = int(CORRECTION_WINDOW.total_seconds() // 60)
                raise NotPermittedError("correction_by_office", minutes=minutes)
            if not reason.strip():
                raise IllegalTransitionError("correction_needs_reason")
        self._command_corrected(
            command=command.value, corrects=last.version, reason=self._kept(reason), by=by, at=at
        )
        said = CORRECTABLE[last.event].cancelled
        for state in list(self.tasks.values())[last.tasks_before :]:
            if state.loop_open and state.task.trigger == last.event:
                self._task_cancelled(task_id=state.task.id, reason=said, by=by, at=at)

    @event("CommandCorrected")
    def _command_corrected(
        self, command: str, corrects: int, reason: str, by: Actor, at: datetime
    ) -> None:
        assert self.last_command is not None
        for name, value in self.last_command.before:
            setattr(self, name, value)
        self.last_command = None

    # -- for the events of the commands that can be corrected ----------------------------

    @contextmanager
    def _remembered(self, event_name: str, by: Actor, at: datetime) -> Iterator[None]:
        """Around the event's body: the fields it changes as they were, and the flow as it
        leaves it, kept as its last command. The event's version is the flow's next (the
        body runs before the version moves)."""
        before = tuple((name, getattr(self, name)) for name in CORRECTABLE[event_name].fields)
        yield
        self.last_command = LastCommand(
            event_name, self.version + 1, by, at, before, self._state(), len(self.tasks)
        )

    def _state(self) -> tuple[Any, ...]:
        flags = tuple(sorted(self.safety_flags.items()))
        return (*(getattr(self, name) for name in _STATE), flags)
