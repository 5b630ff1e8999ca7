"""Every flow command, declared once: the domain's word for it (which the policy's
`may_command` judges and a refusal names by its verb), its path under a flow, its body, and
the call on the aggregate. The JSON API makes a route of each (`boards/api/flows.py`), the
allocation board a route and a form (`boards/pages/boards.py`, `_command_forms.html`), and
the application runs it (`Pasientflyt.run`). Adding a command takes the aggregate's method,
a declaration here and a test."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from access.policy import role_gives
from boards.web import schemas
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.flow_values import Decision, DischargePlan
from flow.patient_flow import PatientFlow
from flow.vocabulary import COMMAND_TEXT, Command, CorrectableCommand

B = TypeVar("B", bound=schemas.Body)


@dataclass(frozen=True)
class FlowCommand(Generic[B]):
    """One command on a flow, as the web layer gives it."""

    #: The domain's word: what the role may give (`may_command`) and the flow's state allows.
    command: Command
    #: Under `/api/v1/flows/{flow_id}/` and `/tildeling/forlop/{flow_id}/`; a `{field}` of
    #: the body may stand in it.
    path: str
    body: type[B]
    #: The aggregate's method, given the body, the actor and the time.
    apply: Callable[[PatientFlow, B, Actor, datetime], None]
    #: The route's name, which its OpenAPI operation id is made from.
    name: str
    #: The board offers it as one click on a card; otherwise as a form in the card's menu.
    quick: bool = False
    #: The unit or zone the body names, which must be the actor's before the flow is asked.
    place: Callable[[B], UUID] | None = None

    @property
    def verb(self) -> str:
        """What it does, in bokmål, as a refusal names it ("Din rolle kan ikke …")."""
        return COMMAND_TEXT[self.command]

    @property
    def done(self) -> str:
        """What was done, in bokmål, as the page says it after the command: "ankomst
        registrert"."""
        return DONE_TEXT[self.command]

    @property
    def undoable(self) -> bool:
        """Its giver may undo it for a while (`flow/corrections.py`): the board offers
        "Angre" beside what it says was done."""
        return self.command.value in set(CorrectableCommand)

    @property
    def confirmed(self) -> bool:
        """Asked once more before it is given, naming the flow's open tasks: an arrival, a
        discharge, a closing end the loops of a stage."""
        return self.command in {Command.ARRIVE, Command.DISCHARGE, Command.CLOSE}

    @property
    def path_fields(self) -> tuple[str, ...]:
        """The body's fields the path carries."""
        return tuple(re.findall(r"{(\w+)}", self.path))

    @property
    def json_body(self) -> type[schemas.Body]:
        """What the JSON carries: the body, or nothing where the path carries all of it."""
        if not self.path_fields:
            return self.body
        assert set(self.path_fields) == set(self.body.model_fields), self.path
        return schemas.Empty

    def run(
        self,
        flows: Pasientflyt,
        flow_id: UUID,
        body: B,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None,
    ) -> int:
        """Give the command to the flow; the flow's new version."""
        return flows.run(
            flow_id,
            lambda flow, by, at: self.apply(flow, body, by, at),
            by=by,
            at=at,
            expected_version=expected_version,
            place=self.place(body) if self.place else None,
        )


#: What each command did, as a board says it to the one who gave it ("Ingrid Moen: ankomst
#: registrert"), in a polite live region beside the card it returns her to.
DONE_TEXT = {
    Command.ADMIT: "innleggelse meldt",
    Command.NOTIFY_READY: "meldt utskrivningsklar",
    Command.WITHDRAW_READY: "utskrivningsklar trukket tilbake",
    Command.ANSWER_HOSPITAL: "sykehuset svart",
    Command.RECORD_WAIT_REASON: "ventegrunn registrert",
    Command.DECIDE: "vedtak fattet",
    Command.RESERVE_BED: "seng reservert",
    Command.CANCEL_RESERVATION: "reservasjonen opphevet",
    Command.ARRIVE: "ankomst registrert",
    Command.MOVE: "flyttet til ny seng",
    Command.PLAN_DISCHARGE: "utskrivning planlagt",
    Command.DISCHARGE: "skrevet ut",
    Command.START_HOME_CARE: "hjemmetjenester startet",
    Command.READMIT: "reinnlagt",
    Command.RAISE_FLAG: "risikoflagg satt",
    Command.CLEAR_FLAG: "risikoflagg fjernet",
    Command.CLOSE: "forløpet avsluttet",
    Command.CORRECT: "korrigert",
}


#: Left to inference, so that each declaration's body types its call.
FLOW_COMMANDS = (
    FlowCommand(
        Command.ADMIT,
        "admission",
        schemas.Admission,
        lambda f, b, by, at: f.notify_admission(b.hospital, b.admitted_at or at, by=by, at=at),
        name="notify_admission",
    ),
    FlowCommand(
        Command.NOTIFY_READY,
        "ready-for-discharge",
        schemas.ReadyForDischarge,
        lambda f, b, by, at: f.notify_ready_for_discharge(
            b.ready_at or at, b.estimate, by=by, at=at
        ),
        name="notify_ready_for_discharge",
    ),
    FlowCommand(
        Command.WITHDRAW_READY,
        "ready-for-discharge/withdrawal",
        schemas.Reason,
        lambda f, b, by, at: f.withdraw_ready_for_discharge(b.reason, by=by, at=at),
        name="withdraw_ready_for_discharge",
    ),
    FlowCommand(
        Command.ANSWER_HOSPITAL,
        "hospital-answer",
        schemas.HospitalAnswer,
        lambda f, b, by, at: f.answer_hospital(
            b.can_receive,
            b.note,
            offer_from=b.offer_from,
            expected_on=b.expected_on,
            by=by,
            at=at,
        ),
        name="answer_hospital",
    ),
    FlowCommand(
        Command.RECORD_WAIT_REASON,
        "wait-reason",
        schemas.WaitReasonIn,
        lambda f, b, by, at: f.record_wait_reason(b.reason, b.note, by=by, at=at),
        name="record_wait_reason",
    ),
    FlowCommand(
        Command.DECIDE,
        "decision",
        schemas.DecisionIn,
        lambda f, b, by, at: f.decide_service(
            Decision(b.service.value, b.unit_id, b.zone_id, b.starts_on, b.ends_on), by=by, at=at
        ),
        name="decide_service",
    ),
    FlowCommand(
        Command.RESERVE_BED,
        "reservation",
        schemas.Reservation,
        lambda f, b, by, at: f.reserve_bed(b.unit_id, b.bed, by=by, at=at),
        name="reserve_bed",
        place=lambda b: b.unit_id,
    ),
    FlowCommand(
        Command.CANCEL_RESERVATION,
        "reservation/cancellation",
        schemas.Reason,
        lambda f, b, by, at: f.cancel_reservation(b.reason, by=by, at=at),
        name="cancel_reservation",
    ),
    FlowCommand(
        Command.ARRIVE,
        "arrival",
        schemas.Empty,
        lambda f, b, by, at: f.arrive(by=by, at=at),
        name="arrive",
        quick=True,
    ),
    FlowCommand(
        Command.MOVE,
        "move",
        schemas.Move,
        lambda f, b, by, at: f.move(b.bed, by=by, at=at),
        name="move",
    ),
    FlowCommand(
        Command.PLAN_DISCHARGE,
        "discharge-plan",
        schemas.DischargePlanIn,
        lambda f, b, by, at: f.plan_discharge(
            DischargePlan(b.on, b.estimate, b.destination.value, b.zone_id), by=by, at=at
        ),
        name="plan_discharge",
    ),
    FlowCommand(
        Command.DISCHARGE,
        "discharge",
        schemas.Empty,
        lambda f, b, by, at: f.discharge(by=by, at=at),
        name="discharge",
        quick=True,
    ),
    FlowCommand(
        Command.START_HOME_CARE,
        "home-care-start",
        schemas.Empty,
        lambda f, b, by, at: f.start_home_care(by=by, at=at),
        name="start_home_care",
        quick=True,
    ),
    FlowCommand(
        Command.READMIT,
        "readmission",
        schemas.Readmission,
        lambda f, b, by, at: f.readmit(b.hospital, by=by, at=at),
        name="readmit",
    ),
    FlowCommand(
        Command.RAISE_FLAG,
        "safety-flags",
        schemas.SafetyFlagIn,
        lambda f, b, by, at: f.raise_safety_flag(b.flag, by=by, at=at),
        name="raise_safety_flag",
    ),
    FlowCommand(
        Command.CLEAR_FLAG,
        "safety-flags/{flag}/clearing",
        schemas.SafetyFlagIn,
        lambda f, b, by, at: f.clear_safety_flag(b.flag, by=by, at=at),
        name="clear_safety_flag",
    ),
    FlowCommand(
        Command.CLOSE,
        "closing",
        schemas.Closing,
        lambda f, b, by, at: f.close(b.reason, b.note, by=by, at=at),
        name="close_flow",
    ),
    FlowCommand(
        Command.CORRECT,
        "correction",
        schemas.Correction,
        lambda f, b, by, at: f.correct(Command(b.command.value), b.reason, by=by, at=at),
        name="correct_command",
    ),
)

#: The declaration of each command of the domain.
DECLARED: dict[Command, FlowCommand[Any]] = {c.command: c for c in FLOW_COMMANDS}


def of_role(allowed: Iterable[str], role: str) -> tuple[str, ...]:
    """The commands a flow's state allows that the role gives (`access.policy.COMMANDS`): what
    a unit's or a zone's board offers on the flows it shows, all tied to its place now."""
    return tuple(c for c in allowed if role_gives(role, Command(c)))


def offered(allowed: Iterable[str], *, quick: bool) -> list[FlowCommand[Any]]:
    """The declarations of the commands a flow's state allows (by the domain's words, as a
    card lists them): the one-click ones, or those with a form."""
    declared = [DECLARED[Command(command)] for command in allowed]
    return [d for d in declared if d.quick == quick]
