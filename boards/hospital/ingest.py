"""The one path of every hospital message, from the API and the command line alike: read
it, claim its message id (a message id seen before is answered with its first receipt), find
the patient's open flow, give the commands, and keep the message with its receipt
(`boards/hospital/kept.py`): opened a flow, applied to one, recorded, refused, unreadable.
What the sender is answered (HTTP, an application receipt, a line on the command line) is
the caller's choice.

Nothing that is a hospital message is lost. One the flow's state refuses, and one that
cannot be read, is kept sealed and waits on the allocation office's follow-up list
(`boards/hospital/follow_up.py`) with the reason; only what is no hospital message at all
(neither XML nor JSON, or over the size limit) is refused without a trace.

The same message at two processes at once is taken in once: the first to claim its id (a
row with the unique key of municipality and message id) applies it, the other waits for
that receipt and answers with it. A claim whose process died is taken over after a minute.

The patient's open flow is found by `boards/hospital/open_flows.py`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from access.accounts import User
from access.database import insert_rows, update_row
from boards.hospital import fhir, plo
from boards.hospital.follow_up import FollowUpList
from boards.hospital.kept import (
    PENDING,
    STATUS,
    Contents,
    Outcome,
    Receipt,
    contents,
    messages,
    receipt_of,
    sealed,
    stored_answer,
)
from boards.hospital.open_flows import OpenFlows
from flow.application import Pasientflyt
from flow.errors import ConcurrentChangeError, FlowError
from flow.hospital_messages import (
    Envelope,
    HospitalMessage,
    PartialMessage,
    UnreadableMessageError,
    receive,
)
from projections.projector import Projector

#: Larger bodies are refused unread; a PLO or FHIR message is a few kilobytes.
MAX_BYTES = 512 * 1024
_BOM = b"\xef\xbb\xbf"
#: How long another process's claim on a message id holds before it is taken over.
CLAIM_HOLDS = timedelta(minutes=1)
#: How long a process waits for another's receipt of the same message.
_WAIT_SECONDS, _POLL_SECONDS = 30.0, 0.05


def read(body: bytes) -> HospitalMessage:
    """A PLO message (XML) or a FHIR Bundle (JSON), told apart by their first character."""
    if len(body) > MAX_BYTES:
        raise UnreadableMessageError("message_too_large", limit_kib=MAX_BYTES // 1024)
    text = body.removeprefix(_BOM)
    start = text.lstrip()[:1]
    if start == b"<":
        return plo.parse(body)  # the parser reads the byte-order mark itself
    if start == b"{":
        return fhir.parse(text)
    raise UnreadableMessageError("message_format_unknown")


def is_a_message(body: bytes) -> bool:
    """Whether the body is one to keep though it cannot be read: XML or JSON in shape."""
    start = body.removeprefix(_BOM).lstrip()[:1]
    return len(body) <= MAX_BYTES and start in (b"<", b"{")


class HospitalMessages(FollowUpList):
    def __init__(self, engine: Engine, flows: Pasientflyt, projector: Projector) -> None:
        super().__init__(engine, flows.keys)
        self.flows, self.projector = flows, projector
        self.open_flows = OpenFlows(engine, flows, projector)
        # Messages of this process one at a time: a patient's next message must find the
        # flow its last one opened. Another process's same message meets the claim.
        self._lock = threading.Lock()

    def ingest(self, body: bytes, by: User, at: datetime) -> Receipt:
        """Take the message in once; `UnreadableMessageError` for one that cannot be read
        (kept on the follow-up list, unless it is no hospital message at all)."""
        try:
            message = read(body)
        except UnreadableMessageError as error:
            if is_a_message(body):
                error.kept_at = self._keep_unreadable(body, error, by, at)
            raise
        with self._lock:
            row_id = self._claim(by.municipality_id, message.message_id, message, by, at)
            if isinstance(row_id, Receipt):
                return replace(row_id, envelope=message.envelope)
            receipt = self._receive(message, by, at)
            said = Contents(message.national_id, message.name, _sender(message.envelope), body)
            self._answer(row_id, receipt, said)
        return replace(receipt, received_at=at, envelope=message.envelope)

    # -- claiming a message id ---------------------------------------------------------

    def _claim(
        self, municipality_id: UUID, message_id: str, message: HospitalMessage | None,
        by: User, at: datetime,
    ) -> UUID | Receipt:  # fmt: skip
        """The new row this process now owns, or the first receipt of a message seen."""
        row_id = uuid4()
        row = {
            "id": row_id,
            "municipality_id": municipality_id,
            "message_id": message_id,
            "received_at": at,
            "received_by": by.id,
            "kind": message.kind.value if message else "unknown",
            "dispatch": message.dispatch.value if message else "unknown",
            "status_code": 0,
            "answer": PENDING,
            "rejected": False,
        }
        try:
            with self.engine.begin() as db:
                insert_rows(db, messages, [row])
        except IntegrityError:
            return self._first_receipt(municipality_id, message_id, at)
        return row_id

    def _first_receipt(
        self, municipality_id: UUID, message_id: str, at: datetime
    ) -> UUID | Receipt:
        """The receipt of the process that claimed the message first, once it has one; a
        claim left pending too long (its process died) is taken over: its row is ours."""
        where = (messages.c.municipality_id == municipality_id, messages.c.message_id == message_id)
        waited = 0.0
        while True:
            with self.engine.connect() as db:
                row = db.execute(select(messages).where(*where)).one()
            if row.status_code != 0:
                return receipt_of(message_id, row.flow_id, row.answer, row.received_at)
            if row.received_at < at - CLAIM_HOLDS or waited >= _WAIT_SECONDS:
                row_id: UUID = row.id
                take_over = (
                    update(messages)
                    .where(messages.c.id == row_id, messages.c.status_code == 0)
                    .where(messages.c.received_at == row.received_at)
                    .values(received_at=at)
                )
                with self.engine.begin() as db:
                    if db.execute(take_over).rowcount:
                        return row_id
            time.sleep(_POLL_SECONDS)
            waited += _POLL_SECONDS

    # -- giving the commands -------------------------------------------------------------

    def _receive(self, message: HospitalMessage, by: User, at: datetime) -> Receipt:
        flow_id = None
        refusal: FlowError | None = None
        for _ in range(3):
            flow_id = self.open_flows.of(by.municipality_id, message.national_id)
            try:
                received = receive(self.flows, message, flow_id, by=by.actor, at=at)
            except ConcurrentChangeError as error:
                refusal = error
                continue
            except FlowError as error:
                refusal = error
                break
            if received.flow_id is None:
                return Receipt(Outcome.RECORDED, message.message_id, None)
            outcome = Outcome.OPENED if received.opened else Outcome.APPLIED
            return Receipt(outcome, message.message_id, received.flow_id, received.version)
        assert refusal is not None
        return Receipt(
            Outcome.REFUSED,
            message.message_id,
            flow_id,
            code=refusal.code,
            params=refusal.params,
            reason=refusal.message,
        )

    # -- keeping what became of it ---------------------------------------------------------

    def _answer(self, row_id: UUID, receipt: Receipt, said: Contents) -> None:
        """The claimed row gets its receipt; a message for the list keeps what it said of a
        person, and its body, sealed."""
        listed = receipt.on_the_list
        text = sealed(self.keys, row_id, said) if listed else None
        answer = {
            "flow_id": receipt.flow_id,
            "status_code": STATUS[receipt.outcome],
            "answer": stored_answer(receipt),
            "rejected": listed,
            "reason": receipt.reason,
        }
        with self.engine.begin() as db:
            update_row(db, messages, row_id, answer)
            if text is not None:
                insert_rows(db, contents, [{"id": row_id, "sealed": text}])
        if listed:
            self._attention_changed()

    def _keep_unreadable(
        self, body: bytes, error: UnreadableMessageError, by: User, at: datetime
    ) -> datetime | None:
        """An unreadable message on the list: under its message id if that could be read
        (a replay then answers the same), else under its body's digest. When it was first
        kept."""
        partial = error.partial or PartialMessage()
        envelope = partial.envelope
        message_id = envelope.message_id if envelope else _digest(body)
        with self._lock:
            claimed = self._claim(by.municipality_id, message_id, None, by, at)
            if isinstance(claimed, Receipt):
                error.replayed = True
                return claimed.received_at
            receipt = Receipt(
                Outcome.UNREADABLE,
                message_id,
                None,
                code=error.code,
                params=error.params,
                reason=error.message,
            )
            sender = _sender(envelope) if envelope else ""
            said = Contents(partial.national_id, partial.name, sender, body)
            self._answer(claimed, receipt, said)
        return at


def _sender(envelope: Envelope) -> str:
    sender, department = envelope.sender, envelope.department
    return ", ".join(p.name for p in (sender, department) if p is not None)


def _digest(body: bytes) -> str:
    return f"sha256:{hashlib.sha256(body).hexdigest()}"
