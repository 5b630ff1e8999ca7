"""The hospital messages kept: a row per message id with what became of it (its receipt),
and what it said of a person sealed beside it.

Every message is kept, read or not: `hospital_messages` holds the receipt (who sent it when,
its kind and dispatch status, the flow it went to, the answer), `hospital_message_contents`
the patient's name and number and, for a message that could not be read or applied, the
body as it came, sealed (AES-GCM, `flow/personal_data.py`) under a key of the message's own
in the key ring (`access/patient_keys.py`, the row id as the key's id). Handled, or past the
retention period, the key is erased and with it the identity and the body: the row stays,
reading as erased.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from access.database import UTCDateTime
from flow.hospital_messages import Envelope
from flow.personal_data import KeyRing, seal, unseal
from flow.refusals import Param

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
    # What databases made before receipts had outcomes required: 0 while the message is
    # being taken in, then the HTTP status; never read (it goes with the schema's migrations).
    Column("status_code", Integer, nullable=False),
    Column("answer", JSON, nullable=False),
    Column("rejected", Boolean, nullable=False),
    Column("reason", String(2000)),
    # Kept in the clear by earlier versions; written empty now (the identity is sealed).
    Column("patient_name", String(200)),
    Column("national_id", String(11)),
    Column("handled_at", UTCDateTime),
    Column("handled_by", Uuid),
    UniqueConstraint("municipality_id", "message_id", name="hospital_messages_once"),
    Index("hospital_messages_attention", "municipality_id", "rejected", "handled_at"),
)

contents = Table(
    "hospital_message_contents",
    metadata,
    Column("id", Uuid, primary_key=True),  # the message's row id, and its key's id
    Column("sealed", Text, nullable=False),
)

#: The one field the contents are sealed as (bound into the seal with the row id).
_FIELD = "contents"
#: The `answer` of a message being taken in (claimed, not yet answered).
PENDING: dict[str, Any] = {"pending": True}


class Outcome(StrEnum):
    """What a hospital message did."""

    OPENED = "opened"  # a new flow: the municipality had none open for the patient
    APPLIED = "applied"  # to the patient's open flow
    RECORDED = "recorded"  # kept, nothing to change (history of a patient with no open flow)
    REFUSED = "refused"  # the flow's state does not allow it: on the office's follow-up list
    UNREADABLE = "unreadable"  # a message that cannot be read: on the follow-up list too


@dataclass(frozen=True)
class Receipt:
    """What became of a message, the same every time its sender asks again."""

    outcome: Outcome
    message_id: str
    flow_id: UUID | None
    version: int | None = None
    #: Why it was refused or could not be read (`REFUSED`, `UNREADABLE`): the refusal's
    #: code and parameters, and its sentence in bokmål as the follow-up list keeps it.
    code: str | None = None
    params: dict[str, Param] = field(default_factory=dict)
    reason: str | None = None
    #: The message id was seen before: this is the first receipt, and nothing was done now.
    replayed: bool = False
    #: When the message was first received: the application receipt's time.
    received_at: datetime | None = None
    #: What the message's envelope said (the application receipt refers to it).
    envelope: Envelope | None = None

    @property
    def on_the_list(self) -> bool:
        return self.outcome in (Outcome.REFUSED, Outcome.UNREADABLE)


STATUS = {
    Outcome.OPENED: 201,
    Outcome.APPLIED: 200,
    Outcome.RECORDED: 200,
    Outcome.REFUSED: 409,
    Outcome.UNREADABLE: 422,
}


def stored_answer(receipt: Receipt) -> dict[str, Any]:
    """The receipt as the `answer` column holds it."""
    if receipt.on_the_list:
        return {
            "outcome": receipt.outcome.value,
            "detail": receipt.reason,
            "code": receipt.code,
            "params": receipt.params,
        }
    return {
        "outcome": receipt.outcome.value,
        "message_id": receipt.message_id,
        "flow_id": str(receipt.flow_id) if receipt.flow_id else None,
        "version": receipt.version,
        "opened": receipt.outcome == Outcome.OPENED,
    }


#: What the sender is told besides the reason (and what rows of earlier versions kept in it).
FOLLOW_UP = "Meldingen er lagt på tildelingskontorets liste over meldinger som må følges opp."


def receipt_of(
    message_id: str, flow_id: UUID | None, answer: dict[str, Any], received_at: datetime
) -> Receipt:
    """The first receipt again, from its row (rows of earlier versions say no outcome: a
    refusal has a `detail`, anything else opened a flow or was applied to one)."""
    if "outcome" in answer:
        outcome = Outcome(answer["outcome"])
    elif "detail" in answer:
        outcome = Outcome.REFUSED
    else:
        outcome = Outcome.OPENED if answer["opened"] else Outcome.APPLIED
    if outcome in (Outcome.REFUSED, Outcome.UNREADABLE):
        reason = str(answer["detail"]).removesuffix(FOLLOW_UP).rstrip()
        return Receipt(
            outcome,
            message_id,
            flow_id,
            code=answer.get("code"),
            params=answer.get("params", {}),
            reason=reason,
            replayed=True,
            received_at=received_at,
        )
    version = answer.get("version")
    return Receipt(outcome, message_id, flow_id, version, replayed=True, received_at=received_at)


@dataclass(frozen=True)
class Contents:
    """What a kept message said of a person, and the message itself when it was not taken."""

    national_id: str = ""
    name: str = ""
    sender: str = ""
    body: bytes = b""


def sealed(keys: KeyRing, row_id: UUID, said: Contents) -> str | None:
    """The contents sealed under the row's own key (made now); None once erased."""
    key = keys.new_key(row_id)
    if key is None:
        return None
    plain = {
        "national_id": said.national_id,
        "name": said.name,
        "sender": said.sender,
        "body": base64.b64encode(said.body).decode("ascii"),
    }
    return seal(key, row_id, _FIELD, json.dumps(plain).encode())


def opened(keys: KeyRing, row_id: UUID, text: str | None) -> Contents | None:
    """The contents, or None where none were kept or their key is erased."""
    key = keys.key(row_id) if text else None
    if key is None or text is None:
        return None
    plain = json.loads(unseal(key, row_id, _FIELD, text))
    return Contents(
        plain["national_id"], plain["name"], plain["sender"], base64.b64decode(plain["body"])
    )
