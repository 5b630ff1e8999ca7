"""The one path of every hospital message, from the API and the command line alike: read
it, answer a message id seen before with its first answer, find the patient's open flow,
give the commands, and record the message with its receipt (`Receipt`: opened a flow, applied
to one, or refused). What the sender is answered (HTTP, or a line on the command line) is the
caller's choice.

A message the flow's state refuses is recorded as rejected, with the domain's sentence,
for the allocation office to follow up (`attention`); only then does it keep the patient's
name and number (the flow it concerns may not exist), and only until it is marked handled.
A message that cannot be read raises `UnreadableMessageError` and leaves no trace.

The patient's open flow is found in the `FlowCards` read model, by municipality and
national id (indexed). The log seals identities per flow, so it cannot be searched; the
read model already holds the number for the boards, is blanked when the identity is
erased, and is rebuilt from the log — a keyed hash beside it would be a second copy that
erasure must also remember.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from access.accounts import User
from access.database import UTCDateTime, create_tables
from boards.hospital import fhir, plo
from flow.application import Pasientflyt
from flow.errors import ConcurrentChangeError, FlowError
from flow.hospital_messages import HospitalMessage, UnreadableMessageError, receive
from flow.refusals import Param
from flow.vocabulary import ERASED
from projections.cards import flow_of_patient
from projections.flow_cards import FlowCards
from projections.projector import Projector

#: Larger bodies are refused unread; a PLO or FHIR message is a few kilobytes.
MAX_BYTES = 512 * 1024
FOLLOW_UP = "Meldingen er lagt på tildelingskontorets liste over meldinger som må følges opp."

metadata = MetaData()

messages = Table(
    "hospital_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("received_by", Uuid, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("dispatch", String(16), nullable=False),
    Column("flow_id", Uuid),
    Column("status_code", Integer, nullable=False),
    Column("answer", JSON, nullable=False),
    Column("rejected", Boolean, nullable=False),
    Column("reason", String(2000)),
    Column("patient_name", String(200)),
    Column("national_id", String(11)),
    Column("handled_at", UTCDateTime),
    Column("handled_by", Uuid),
    UniqueConstraint("municipality_id", "message_id", name="hospital_messages_once"),
    Index("hospital_messages_attention", "municipality_id", "rejected", "handled_at"),
)


class Outcome(StrEnum):
    """What a hospital message did."""

    OPENED = "opened"  # a new flow: the municipality had none open for the patient
    APPLIED = "applied"  # to the patient's open flow
    REFUSED = "refused"  # the flow's state does not allow it: on the office's follow-up list


@dataclass(frozen=True)
class Receipt:
    """What became of a message, the same every time its sender asks again."""

    outcome: Outcome
    message_id: str
    flow_id: UUID | None
    version: int | None = None
    #: Why the flow refused it (`REFUSED` only): the refusal's code and parameters, and its
    #: sentence in bokmål as the follow-up list keeps it.
    code: str | None = None
    params: dict[str, Param] = field(default_factory=dict)
    reason: str | None = None
    #: The message id was seen before: this is the first receipt, and nothing was done now.
    replayed: bool = False


#: The `status_code` column of databases made before receipts had outcomes: written still,
#: since it may not be empty, never read (it goes when the schema gets its migrations).
_STORED_STATUS = {Outcome.OPENED: 201, Outcome.APPLIED: 200, Outcome.REFUSED: 409}


@dataclass(frozen=True)
class Rejected:
    """A message on the allocation office's list."""

    id: UUID
    message_id: str
    received_at: datetime
    kind: str
    dispatch: str
    flow_id: UUID | None
    reason: str
    patient_name: str
    national_id: str
    #: The refusal's code and parameters, which say the reason in another language (none
    #: for a message kept before refusals had codes).
    code: str | None
    params: dict[str, Any]


def read(body: bytes) -> HospitalMessage:
    """A PLO message (XML) or a FHIR Bundle (JSON), told apart by their first character."""
    if len(body) > MAX_BYTES:
        raise UnreadableMessageError("message_too_large", limit_kib=MAX_BYTES // 1024)
    start = body.lstrip()[:1]
    if start == b"<":
        return plo.parse(body)
    if start == b"{":
        return fhir.parse(body)
    raise UnreadableMessageError("message_format_unknown")


def _refused(message: HospitalMessage, flow_id: UUID | None, error: FlowError) -> Receipt:
    """A message the flow's state refused: its receipt says why, in a code and its parameters
    (which an answer in another language, now or replayed, is made from) and in bokmål."""
    return Receipt(
        Outcome.REFUSED,
        message.message_id,
        flow_id,
        code=error.code,
        params=error.params,
        reason=error.message,
    )


class HospitalMessages:
    def __init__(self, engine: Engine, flows: Pasientflyt, projector: Projector) -> None:
        self.engine, self.flows, self.projector = engine, flows, projector
        create_tables(engine, [messages])
        #: Told when a municipality's list to follow up may have changed (the live boards).
        self.on_attention_changed: list[Callable[[], None]] = []
        # Messages of this process one at a time: a patient's next message must find the
        # flow its last one opened. Another process's same message meets the unique key.
        self._lock = threading.Lock()

    def ingest(self, body: bytes, by: User, at: datetime) -> Receipt:
        message = read(body)
        with self._lock:
            if first := self._first_receipt(by.municipality_id, message.message_id):
                return first
            receipt = self._receive(message, by, at)
            try:
                self._record(message, receipt, by, at)
            except IntegrityError:  # another process recorded it first: its receipt holds
                first = self._first_receipt(by.municipality_id, message.message_id)
                assert first is not None
                return first
        return receipt

    def _receive(self, message: HospitalMessage, by: User, at: datetime) -> Receipt:
        flow_id = None
        for _ in range(3):
            flow_id = self._open_flow_of(by.municipality_id, message.national_id)
            try:
                received = receive(self.flows, message, flow_id, by=by.actor, at=at)
            except ConcurrentChangeError as error:
                refusal = error
                continue
            except FlowError as error:
                return _refused(message, flow_id, error)
            outcome = Outcome.OPENED if received.opened else Outcome.APPLIED
            return Receipt(outcome, message.message_id, received.flow_id, received.version)
        return _refused(message, flow_id, refusal)

    def _open_flow_of(self, municipality_id: UUID, national_id: str) -> UUID | None:
        self.projector.catch_up(FlowCards.name)
        return flow_of_patient(self.engine, municipality_id, national_id, closed=False)

    def _record(self, message: HospitalMessage, receipt: Receipt, by: User, at: datetime) -> None:
        rejected = receipt.outcome == Outcome.REFUSED
        row = {
            "id": uuid4(),
            "municipality_id": by.municipality_id,
            "message_id": message.message_id,
            "received_at": at,
            "received_by": by.id,
            "kind": message.kind.value,
            "dispatch": message.dispatch.value,
            "flow_id": receipt.flow_id,
            "status_code": _STORED_STATUS[receipt.outcome],
            "answer": _stored_answer(receipt),
            "rejected": rejected,
            "reason": receipt.reason,
            "patient_name": message.name if rejected else None,
            "national_id": message.national_id if rejected else None,
        }
        with self.engine.begin() as db:
            db.execute(insert(messages).values(**row))
        if rejected:
            self._attention_changed()

    def _first_receipt(self, municipality_id: UUID, message_id: str) -> Receipt | None:
        query = select(messages.c.flow_id, messages.c.rejected, messages.c.answer).where(
            messages.c.municipality_id == municipality_id, messages.c.message_id == message_id
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        if row is None:
            return None
        if row.rejected:  # rows made before refusals had codes hold only the sentence
            answer = row.answer
            reason = str(answer["detail"]).removesuffix(FOLLOW_UP).rstrip()
            code, params = answer.get("code"), answer.get("params", {})
            return Receipt(
                Outcome.REFUSED,
                message_id,
                row.flow_id,
                code=code,
                params=params,
                reason=reason,
                replayed=True,
            )
        outcome = Outcome.OPENED if row.answer["opened"] else Outcome.APPLIED
        version = row.answer["version"]
        return Receipt(outcome, message_id, row.flow_id, version, replayed=True)

    # -- the allocation office's list ------------------------------------------------------

    def attention(self, municipality_id: UUID) -> list[Rejected]:
        """Rejected messages not yet handled, oldest first."""
        query = (
            select(messages)
            .where(*self._needing_attention(municipality_id))
            .order_by(messages.c.received_at, messages.c.message_id)
        )
        with self.engine.connect() as db:
            return [
                Rejected(
                    r.id,
                    r.message_id,
                    r.received_at,
                    r.kind,
                    r.dispatch,
                    r.flow_id,
                    r.reason or "",
                    r.patient_name or "",
                    r.national_id or "",
                    r.answer.get("code"),
                    r.answer.get("params", {}),
                )
                for r in db.execute(query)
            ]

    def attention_count(self, municipality_id: UUID) -> int:
        query = select(func.count()).where(*self._needing_attention(municipality_id))
        with self.engine.connect() as db:
            return int(db.scalar(query) or 0)

    def attention_counts(self) -> dict[UUID, int]:
        """Every municipality's count of messages to follow up, those with any."""
        query = (
            select(messages.c.municipality_id, func.count())
            .where(messages.c.rejected.is_(True), messages.c.handled_at.is_(None))
            .group_by(messages.c.municipality_id)
        )
        with self.engine.connect() as db:
            return {municipality_id: count for municipality_id, count in db.execute(query).all()}

    def mark_handled(self, municipality_id: UUID, row_id: UUID, by: User, at: datetime) -> bool:
        """Off the list; the patient's name and number are not kept any longer. Whether
        the municipality had such a message waiting."""
        change = (
            update(messages)
            .where(messages.c.id == row_id, *self._needing_attention(municipality_id))
            .values(handled_at=at, handled_by=by.id, patient_name=None, national_id=None)
        )
        with self.engine.begin() as db:
            handled = bool(db.execute(change).rowcount)
        if handled:
            self._attention_changed()
        return handled

    def forget_patient(self, municipality_id: UUID, national_id: str) -> int:
        """The patient's identity erased from the messages kept for follow-up (they stay on
        the list, reading as erased); how many."""
        change = (
            update(messages)
            .where(
                messages.c.municipality_id == municipality_id,
                messages.c.national_id == national_id,
            )
            .values(patient_name=ERASED, national_id="")
        )
        with self.engine.begin() as db:
            return int(db.execute(change).rowcount)

    def _attention_changed(self) -> None:
        for tell in self.on_attention_changed:
            tell()

    @staticmethod
    def _needing_attention(municipality_id: UUID) -> tuple[Any, ...]:
        return (
            messages.c.municipality_id == municipality_id,
            messages.c.rejected.is_(True),
            messages.c.handled_at.is_(None),
        )


def _stored_answer(receipt: Receipt) -> dict[str, Any]:
    """The receipt as the `answer` column has always held it (what the API answered)."""
    if receipt.outcome == Outcome.REFUSED:
        return {
            "detail": f"{receipt.reason} {FOLLOW_UP}",
            "code": receipt.code,
            "params": receipt.params,
        }
    return {
        "message_id": receipt.message_id,
        "flow_id": str(receipt.flow_id),
        "version": receipt.version,
        "opened": receipt.outcome == Outcome.OPENED,
    }
