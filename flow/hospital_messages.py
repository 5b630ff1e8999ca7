"""Hospital logistics messages (PLO 1.5's four and 1.6's five, in XML, or FHIR's) as one
value, and what each one does to a patient's flow: the same commands a caseworker would
give, in one transaction with a note of what the message said (`flow/hospital_notices.py`).

What a message does, by kind and dispatch status (PLO `Forsendelsesstatus`, kodeverk 7309):

- admitted: new, an admission (a readmission if out of hospital); a change corrects the
  admission of a patient in hospital (noted only, once ready); a cancellation closes the
  flow the cancelled admission opened while nothing more has happened to it.
- ready: new, ready for discharge; a change moves the ready day of the same wait; a
  cancellation withdraws the notice while the patient is ready.
- ready withdrawn: new and change, the notice withdrawn.
- discharged: new, arrival in the reserved bed, else discharge as planned; a change once
  the patient has left is noted only.
- died: new and change close the flow (died), cancelling its open tasks.
- Any other cancellation goes to the follow-up list.

A history message (H) is noted and changes nothing. An addition (A) the flow's state has no
use for is noted only. A patient with no open flow in the municipality gets one (source
hospital) from a new admission or ready notice; any other message about such a patient, and
every refusal of the flow's state, goes to the allocation office's follow-up list. A
cancellation never becomes anything else: what it cannot undo is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial
from uuid import UUID, uuid5

from flow.actor import Actor
from flow.application import Pasientflyt
from flow.errors import IllegalTransitionError, UnusableTextError
from flow.hospital_notices import HospitalNotice
from flow.patient_flow import PatientFlow
from flow.vocabulary import (
    HOSPITAL_PHASES,
    MESSAGE_KIND_TEXT,
    ClosingReason,
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
    #: When it was first received and kept (set by the ingest; a replay's is the first's);
    #: None for what is no hospital message at all, which is not kept.
    kept_at: datetime | None = None
    #: Received and kept before: this time nothing was kept.
    replayed: bool = False

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
    #: The message a change or cancellation is about (MsgHead `ConversationRef/RefToParent`).
    refers_to: str = ""


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
    """The flow the message was given to (None: a history message of a patient with no open
    flow, recorded only), its version after, and whether the message opened it."""

    flow_id: UUID | None
    version: int | None
    opened: bool


#: The need written on a flow a hospital message opened.
NEED = "Meldt fra sykehuset"
_OPENING = (MessageKind.ADMITTED, MessageKind.READY)
_WITHDRAWN = "Sykehuset meldte at pasienten likevel ikke er utskrivningsklar."
_CANCELLED = "Sykehuset kansellerte meldingen om {}."
_DIED = "Sykehuset meldte at pasienten er død."


def receive(
    app: Pasientflyt, message: HospitalMessage, flow_id: UUID | None, *, by: Actor, at: datetime
) -> Received:
    """Give the commands the message stands for, to the patient's open flow (`flow_id`,
    None if the municipality has none). Refusals are the domain's `FlowError`s."""
    opened = flow_id is None
    if flow_id is None:
        if message.dispatch == Dispatch.HISTORY:
            return Received(None, None, opened=False)
        if message.kind not in _OPENING or message.dispatch == Dispatch.CANCEL:
            raise IllegalTransitionError("no_open_flow", message_kind=message.kind.value)
        flow_id = _open(app, message, by=by, at=at)
    version = app.run(flow_id, partial(_apply, message), by=by, at=at)
    return Received(flow_id, version, opened)


def _open(app: Pasientflyt, message: HospitalMessage, *, by: Actor, at: datetime) -> UUID:
    return app.open_flow(
        message.national_id,
        message.name,
        Source.HOSPITAL,
        message.place,
        NEED,
        by=by,
        at=at,
        flow_id=opened_by(by.municipality_id, message.message_id),
    )


def opened_by(municipality_id: UUID, message_id: str) -> UUID:
    """The id of the flow a message opens: it follows from the message, so the same message
    cannot open two flows, and a cancellation finds the flow its message opened."""
    return uuid5(municipality_id, f"hospital-message/{message_id}")


def notice(message: HospitalMessage) -> HospitalNotice:
    sender, department = message.envelope.sender, message.envelope.department
    contact, details = message.details.contact, message.details
    return HospitalNotice(
        message.message_id,
        message.kind.value,
        message.dispatch.value,
        message.at,
        hospital=sender.name if sender else "",
        hospital_her=sender.her_id if sender else "",
        department=department.name if department else "",
        department_her=department.her_id if department else "",
        ward=details.ward,
        contact_name=contact.name if contact else "",
        contact_hpr=contact.hpr if contact else "",
        contact_phone=contact.phone if contact else "",
        remark=details.remark,
        discharged_to=details.discharged_to,
    )


def _apply(message: HospitalMessage, flow: PatientFlow, by: Actor, at: datetime) -> None:
    """The message's note and the commands it stands for; nothing if the flow's latest note
    is of this very message (given again after a process died before keeping its receipt)."""
    if flow.hospital_notice is not None and flow.hospital_notice.message_id == message.message_id:
        return
    flow.note_hospital_message(notice(message), by=by, at=at)
    if message.dispatch == Dispatch.HISTORY:
        return
    if message.dispatch == Dispatch.CANCEL:
        _cancel(message, flow, by=by, at=at)
        return
    try:
        _CHANGES[message.kind](message, flow, by, at)
    except IllegalTransitionError:
        if message.dispatch != Dispatch.ADDITION:
            raise  # an addition the state has no use for is noted, and that is all


def _admitted(message: HospitalMessage, flow: PatientFlow, by: Actor, at: datetime) -> None:
    change = message.dispatch == Dispatch.CHANGE
    if flow.phase in (Phase.ON_STAY, Phase.DISCHARGED, Phase.HOME_CARE):
        flow.readmit(message.place, by=by, at=at)
    elif not (change and flow.phase == Phase.READY):  # once ready, a change is noted only
        flow.notify_admission(message.place, message.at, by=by, at=at, change=change)


def _ready(message: HospitalMessage, flow: PatientFlow, by: Actor, at: datetime) -> None:
    change = message.dispatch == Dispatch.CHANGE
    flow.notify_ready_for_discharge(message.at, message.estimate, by=by, at=at, change=change)


def _ready_withdrawn(message: HospitalMessage, flow: PatientFlow, by: Actor, at: datetime) -> None:
    flow.withdraw_ready_for_discharge(_WITHDRAWN, by=by, at=at)


def _discharged(message: HospitalMessage, flow: PatientFlow, by: Actor, at: datetime) -> None:
    """The patient arrives in the bed reserved for them, or, with no bed reserved, leaves as
    the office planned (home, long-term care, elsewhere). A change after that is noted."""
    if flow.phase not in HOSPITAL_PHASES:
        if message.dispatch == Dispatch.CHANGE:
            return
        raise IllegalTransitionError(
            "patient_not_in_hospital", message_kind=message.kind.value, phase=flow.phase
        )
    if flow.reservation is not None:
        flow.arrive(by=by, at=min(message.at, at))
    elif flow.discharge_plan is not None:
        flow.discharge(by=by, at=min(message.at, at))
    else:
        raise IllegalTransitionError("discharge_without_bed_or_plan")


def _died(message: HospitalMessage, flow: PatientFlow, by: Actor, at: datetime) -> None:
    flow.close(ClosingReason.DIED, _DIED, by=by, at=at)


_CHANGES = {
    MessageKind.ADMITTED: _admitted,
    MessageKind.READY: _ready,
    MessageKind.READY_WITHDRAWN: _ready_withdrawn,
    MessageKind.DISCHARGED: _discharged,
    MessageKind.DIED: _died,
}


def _cancel(message: HospitalMessage, flow: PatientFlow, *, by: Actor, at: datetime) -> None:
    """Undo what the cancelled message did, while the flow still stands where it left it: a
    ready notice is withdrawn; a flow an admission opened is closed if nothing else has
    happened to it. Anything else waits for a person, with the reason."""
    kind, reason = message.kind, _CANCELLED.format(MESSAGE_KIND_TEXT[message.kind])
    if kind == MessageKind.READY:
        if flow.phase != Phase.READY:
            raise IllegalTransitionError(
                "cancellation_not_undone", message_kind=kind.value, phase=flow.phase
            )
        flow.withdraw_ready_for_discharge(reason, by=by, at=at)
        return
    refers_to = message.envelope.refers_to
    only_admitted = (
        kind == MessageKind.ADMITTED
        and refers_to
        and flow.id == opened_by(flow.municipality_id, refers_to)
        and flow.phase == Phase.IN_HOSPITAL
        and flow.decision is None
        and flow.reservation is None
    )
    if not only_admitted:
        raise IllegalTransitionError("hospital_cancellation", message_kind=kind.value)
    flow.close(ClosingReason.OTHER, reason, by=by, at=at)
