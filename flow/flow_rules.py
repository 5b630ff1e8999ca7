"""The rules of a patient flow: which commands it allows in the state it is in, and how a
refusal names that state and the step to take first."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Protocol

from flow.errors import IllegalTransitionError
from flow.flow_values import BedRef, DischargePlan
from flow.refusals import Param
from flow.vocabulary import HOSPITAL_PHASES, Command, Destination, Phase, ServiceKind


class FlowFacts(Protocol):
    """What the rules read of a flow, and no more. The aggregate has these facts, and so
    has a board's card of the flow (projections/cards.py): both are judged by one set of
    rules."""

    @property
    def phase(self) -> str: ...

    @property
    def admitted_at(self) -> datetime | None: ...

    @property
    def decision_service(self) -> str | None: ...

    @property
    def reservation(self) -> BedRef | None: ...

    @property
    def discharge_plan(self) -> DischargePlan | None: ...

    @property
    def discharged_to(self) -> str | None: ...

    @property
    def safety_flags(self) -> Collection[str]: ...


Rule = Callable[[FlowFacts], bool]


def may_leave(f: FlowFacts) -> bool:
    """A discharge is planned and made from a stay, or straight from hospital when no bed
    is reserved (with a reservation the patient goes to that bed: arrival)."""
    return f.phase == Phase.ON_STAY or (f.phase in HOSPITAL_PHASES and f.reservation is None)


#: What each command needs of the flow's state, stated once: the guards use it, so does
#: the sentence that tells the user what is allowed instead, and so does every board's card.
RULES: dict[Command, Rule] = {
    Command.ADMIT: lambda f: (
        f.phase in {Phase.REFERRED, Phase.IN_HOSPITAL} and f.admitted_at is None
    ),
    Command.NOTIFY_READY: lambda f: f.phase == Phase.IN_HOSPITAL,
    Command.WITHDRAW_READY: lambda f: f.phase == Phase.READY,
    Command.ANSWER_HOSPITAL: lambda f: f.phase == Phase.READY,
    Command.RECORD_WAIT_REASON: lambda f: f.phase == Phase.READY,
    Command.DECIDE: lambda f: True,
    Command.RESERVE_BED: lambda f: (
        f.phase != Phase.ON_STAY
        and f.reservation is None
        and f.decision_service == ServiceKind.SHORT_TERM_STAY
    ),
    Command.CANCEL_RESERVATION: lambda f: f.reservation is not None,
    Command.ARRIVE: lambda f: f.reservation is not None,
    Command.MOVE: lambda f: f.phase == Phase.ON_STAY,
    Command.PLAN_DISCHARGE: may_leave,
    Command.DISCHARGE: lambda f: may_leave(f) and f.discharge_plan is not None,
    Command.START_HOME_CARE: lambda f: (
        f.phase == Phase.DISCHARGED and f.discharged_to == Destination.HOME
    ),
    Command.READMIT: lambda f: f.phase in {Phase.ON_STAY, Phase.DISCHARGED, Phase.HOME_CARE},
    Command.RAISE_FLAG: lambda f: True,
    Command.CLEAR_FLAG: lambda f: bool(f.safety_flags),
    Command.CLOSE: lambda f: True,
}


def allowed_commands(f: FlowFacts) -> list[Command]:
    """The commands the flow allows now; a closed flow allows none."""
    if f.phase == Phase.CLOSED:
        return []
    return [command for command, rule in RULES.items() if rule(f)]


def refusal(f: FlowFacts, command: Command) -> IllegalTransitionError:
    """Why the flow's state refuses `command`: its code (the way out of hospital named where
    that is the question), the state (phase, notes on it, the reserved bed) and what the
    flow allows now."""
    notes = []
    if f.reservation is not None:
        notes.append("bed_reserved")
    elif f.decision_service is None and f.phase != Phase.ON_STAY:
        notes.append("no_decision")
    if f.phase == Phase.ON_STAY and f.discharge_plan is None:
        notes.append("no_discharge_plan")
    state: dict[str, Param] = {
        "command": command.value,
        "phase": f.phase,
        "notes": notes,
        "bed": f.reservation.bed if f.reservation is not None else None,
        "allowed": [c.value for c in allowed_commands(f)],
    }
    leaving = command in (Command.PLAN_DISCHARGE, Command.DISCHARGE)
    if leaving and f.phase in HOSPITAL_PHASES and f.reservation is not None:
        return IllegalTransitionError("reservation_held", **state)
    if command == Command.DISCHARGE and may_leave(f) and f.discharge_plan is None:
        return IllegalTransitionError("discharge_not_planned", **state)
    return IllegalTransitionError("illegal_transition", **state)
