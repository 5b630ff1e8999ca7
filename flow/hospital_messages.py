"""Hospital logistics messages (PLO's four, in XML or FHIR) as one value, and what each one
does to a patient's flow: the same application commands a caseworker would give.

What a message does, by kind and dispatch status (PLO `Forsendelsesstatus`):

| kind | new | change | cancel |
|---|---|---|---|
| admitted | admission (readmission if out of hospital) | as new | for a person |
| ready | ready for discharge | replaces the notice: withdrawn, notified again | withdrawn |
| ready withdrawn | withdrawn | as new | for a person |
| discharged | arrival in the reserved bed, else discharge as planned | as new | for a person |

A patient with no open flow in the municipality gets one (source hospital) from an
admission or a ready notice; any other message about such a patient, and every refusal of
the flow's state, goes to the allocation office as a message needing attention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5

from flow.actor import Actor
from flow.application import Pasientflyt
from flow.errors import IllegalTransitionError, UnusableTextError
from flow.views import FlowView
from flow.vocabulary import (
    HOSPITAL_PHASES,
    MessageKind,
    Phase,
    Source,
)


class Dispatch(StrEnum):
    """A message's dispatch status (PLO `InformasjonOmForsendelsen/Forsendelsesstatus`, KITH
    kodeverk 7309): the values are our words, `CODES` maps the code list's letters."""

    NEW = "new"  # N Ny
    ADDITION = "addition"  # A Tillegg: more about the same event, taken as new
    CHANGE = "change"  # M Endring
    CANCEL = "cancel"  # C Kansellering
    HISTORY = "history"  # H Historikk: what happened before, kept and acted on by nobody

    @classmethod
    def from_code(cls, code: str) -> Dispatch | None:
        """The status of a kodeverk 7309 letter, None for a letter not in the list."""
        return _DISPATCH_CODES.get(code.upper())


_DISPATCH_CODES = {
    "N": Dispatch.NEW,
    "A": Dispatch.ADDITION,
    "M": Dispatch.CHANGE,
    "C": Dispatch.CANCEL,
    "H": Dispatch.HISTORY,
}


class UnreadableMessageError(UnusableTextError):
    """The message is not one we can read: malformed, unsafe, or of an unknown kind.

    `partial` is what could be read before the fault (the envelope, perhaps the patient):
    enough to keep the message on the office's follow-up list and to answer its sender."""

    partial: PartialMessage | None = None

    def with_partial(self, partial: PartialMessage) -> UnreadableMessageError:
        self.partial = partial
        return self


@dataclass(frozen=True)
class Organisation:
    """A sender or receiver (MsgHead `Organisation`): its name and HER-id, if given."""

    name: str
    her_id: str = ""


@dataclass(frozen=True)
class ContactPerson:
    """The hospital's contact (PLO `KontaktpersonHelsepersonell/Kontaktperson`)."""

    name: str
    hpr: str = ""  # the HPR number (Helsepersonellregisteret)
    phone: str = ""


@dataclass(frozen=True)
class Envelope:
    """What a receipt refers to (MsgHead `MsgInfo`): the message's type, id, time, parties."""

    message_id: str
    message_type: str = ""  # MsgInfo/Type V, e.g. LOG_INNLAGT (KITH kodeverk 8279)
    message_type_text: str = ""  # its DN
    issued: datetime | None = None  # GenDate
    sender: Organisation | None = None
    #: The department under the sender (`Sender/Organisation/Organisation`), if named.
    department: Organisation | None = None
    receiver: Organisation | None = None


@dataclass(frozen=True)
class Details:
    """What a message says beyond its event, kept on the flow and shown on its card."""

    ward: str = ""  # PLO StedForHendelse/StedHendelse
    contact: ContactPerson | None = None
    remark: str = ""  # PLO Merknad
    #: Where the patient was discharged to: a code of KITH kodeverk 8408 (PLO UtskrevetTil/UtTil)
    discharged_to: str = ""


@dataclass(frozen=True)
class PartialMessage:
    """What an unreadable message still said: its envelope, and the patient if readable."""

    envelope: Envelope | None = None
    national_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class HospitalMessage:
    """What any of the formats says: who, what happened, when, where, and who sent it."""

    envelope: Envelope
    kind: MessageKind
    dispatch: Dispatch
    national_id: str
    name: str
    at: datetime
    estimate: bool
    details: Details = field(default_factory=Details)

    @property
    def message_id(self) -> str:
        return self.envelope.message_id

    @property
    def place(self) -> str:
        """Where the patient is, as a board shows it: the ward, else the department, else
        the hospital."""
        parties = (self.envelope.department, self.envelope.sender)
        names = [self.details.ward, *(p.name for p in parties if p is not None)]
        return next((name for name in names if name), "Sykehuset")


@dataclass(frozen=True)
class Received:
    flow_id: UUID
    version: int
    opened: bool


#: The need written on a flow a hospital message opened.
NEED = "Meldt fra sykehuset"


def receive(
    app: Pasientflyt, message: HospitalMessage, flow_id: UUID | None, *, by: Actor, at: datetime
) -> Received:
    """Give the commands the message stands for, to the patient's open flow (`flow_id`,
    None if the municipality has none). Refusals are the domain's `FlowError`s."""
    if message.dispatch == Dispatch.CANCEL and message.kind != MessageKind.READY:
        raise IllegalTransitionError("hospital_cancellation", message_kind=message.kind.value)
    opened = flow_id is None
    if flow_id is None:
        flow_id = _open(app, message, by=by, at=at)
    view = app.flow(flow_id, by)
    return Received(flow_id, _apply(app, message, view, by=by, at=at), opened)


def _open(app: Pasientflyt, message: HospitalMessage, *, by: Actor, at: datetime) -> UUID:
    if message.kind not in (MessageKind.ADMITTED, MessageKind.READY):
        raise IllegalTransitionError("no_open_flow", message_kind=message.kind.value)
    # The id follows from the message, so the same message cannot open two flows.
    flow_id = uuid5(by.municipality_id, f"hospital-message/{message.message_id}")
    return app.open_flow(
        message.national_id,
        message.name,
        Source.HOSPITAL,
        message.place,
        NEED,
        by=by,
        at=at,
        flow_id=flow_id,
    )


def _apply(
    app: Pasientflyt, message: HospitalMessage, flow: FlowView, *, by: Actor, at: datetime
) -> int:
    kind, dispatch = message.kind, message.dispatch
    if kind == MessageKind.ADMITTED:
        if flow.phase in (Phase.ON_STAY, Phase.DISCHARGED, Phase.HOME_CARE):
            return app.readmit(flow.id, message.place, by=by, at=at)
        return app.notify_admission(flow.id, message.place, message.at, by=by, at=at)
    if kind == MessageKind.READY and dispatch != Dispatch.CANCEL:
        if dispatch == Dispatch.CHANGE and flow.phase == Phase.READY:
            reason = "Sykehuset endret meldingen om utskrivningsklar pasient."
            app.withdraw_ready_for_discharge(flow.id, reason, by=by, at=at)
        return app.notify_ready_for_discharge(flow.id, message.at, message.estimate, by=by, at=at)
    if kind in (MessageKind.READY, MessageKind.READY_WITHDRAWN):
        reason = "Sykehuset meldte at pasienten likevel ikke er utskrivningsklar."
        return app.withdraw_ready_for_discharge(flow.id, reason, by=by, at=at)
    return _left_hospital(app, message, flow, by=by, at=at)


def _left_hospital(
    app: Pasientflyt, message: HospitalMessage, flow: FlowView, *, by: Actor, at: datetime
) -> int:
    """Discharged from hospital: the patient arrives in the bed reserved for them, or, with
    no bed reserved, leaves as the office planned (home, long-term care, elsewhere)."""
    if flow.phase not in HOSPITAL_PHASES:
        raise IllegalTransitionError(
            "patient_not_in_hospital", message_kind=message.kind.value, phase=flow.phase
        )
    if flow.reservation is not None:
        return app.arrive(flow.id, by=by, at=min(message.at, at))
    if flow.discharge_plan is not None:
        return app.discharge(flow.id, by=by, at=min(message.at, at))
    raise IllegalTransitionError("discharge_without_bed_or_plan")
