"""The allocation office's follow-up list: the hospital messages that need a person, those
the flow's state refused and those that could not be read, each with its sender, reason and
time, until someone marks it handled. Handled, or past the retention period, a message's key
is erased: its patient and body are gone, the row stays (`boards/hospital/kept.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, delete, func, select, update

from access.accounts import User
from boards.hospital.kept import Contents, contents, messages, opened
from flow.personal_data import KeyRing
from flow.vocabulary import ERASED


@dataclass(frozen=True)
class Rejected:
    """A message on the allocation office's list."""

    id: UUID
    message_id: str
    received_at: datetime
    kind: str  # a `MessageKind`, or "unknown" for a message that could not be read
    dispatch: str
    flow_id: UUID | None
    reason: str
    patient_name: str
    national_id: str
    sender: str
    #: The refusal's code and parameters, which say the reason in another language (none
    #: for a message kept before refusals had codes).
    code: str | None
    params: dict[str, Any]
    #: Could not be read (else: read, and refused by the flow's state).
    unreadable: bool


@dataclass(frozen=True)
class ReceivedMessage:
    """A hospital message received for a flow, as the patient's page lists it: what it was
    and what became of it, nothing of the person (that is sealed, `kept.py`)."""

    message_id: str
    received_at: datetime
    kind: str
    dispatch: str
    outcome: str  # an `Outcome`
    reason: str
    handled_at: datetime | None


class FollowUpList:
    def __init__(self, engine: Engine, keys: KeyRing) -> None:
        self.engine, self.keys = engine, keys
        #: Told when a municipality's list to follow up may have changed (the live boards).
        self.on_attention_changed: list[Callable[[], None]] = []

    def attention(self, municipality_id: UUID) -> list[Rejected]:
        """Messages waiting for a person, oldest first, their identities opened."""
        query = (
            select(messages, contents.c.sealed)
            .outerjoin(contents, contents.c.id == messages.c.id)
            .where(*_needing_attention(municipality_id))
            .order_by(messages.c.received_at, messages.c.message_id)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        self.keys.load([r.id for r in rows if r.sealed])
        return [self._rejected(r) for r in rows]

    def _rejected(self, row: Any) -> Rejected:
        said = opened(self.keys, row.id, row.sealed)
        if said is None:  # kept in the clear by an earlier version, or erased
            said = Contents(row.national_id or "", row.patient_name or ERASED)
        return Rejected(
            row.id,
            row.message_id,
            row.received_at,
            row.kind,
            row.dispatch,
            row.flow_id,
            row.reason or "",
            said.name,
            said.national_id,
            said.sender,
            row.answer.get("code"),
            row.answer.get("params", {}),
            row.answer.get("outcome") == "unreadable",
        )

    def received_for(self, municipality_id: UUID, flow_id: UUID) -> list[ReceivedMessage]:
        """Every message received for the flow, oldest first, taken or refused."""
        query = (
            select(messages)
            .where(messages.c.municipality_id == municipality_id, messages.c.flow_id == flow_id)
            .order_by(messages.c.received_at, messages.c.message_id)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [
            ReceivedMessage(
                r.message_id,
                r.received_at,
                r.kind,
                r.dispatch,
                str(r.answer.get("outcome") or ("refused" if r.rejected else "applied")),
                r.reason or "",
                r.handled_at,
            )
            for r in rows
        ]

    def attention_count(self, municipality_id: UUID) -> int:
        query = select(func.count()).where(*_needing_attention(municipality_id))
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
        """Off the list; the patient's name and number, and the body, are not kept any
        longer. Whether the municipality had such a message waiting."""
        change = (
            update(messages)
            .where(messages.c.id == row_id, *_needing_attention(municipality_id))
            .values(handled_at=at, handled_by=by.id, patient_name=None, national_id=None)
        )
        with self.engine.begin() as db:
            handled = bool(db.execute(change).rowcount)
        if handled:
            self._erase([row_id])
            self._attention_changed()
        return handled

    def forget_patient(self, municipality_id: UUID, national_id: str) -> int:
        """The patient's identity erased from the messages kept for follow-up (they stay on
        the list, reading as erased); how many."""
        found = [m.id for m in self.attention(municipality_id) if m.national_id == national_id]
        self._erase(found)
        change = (
            update(messages)
            .where(
                messages.c.municipality_id == municipality_id,
                messages.c.national_id == national_id,
            )
            .values(patient_name=ERASED, national_id="")
        )
        with self.engine.begin() as db:
            return len(found) + int(db.execute(change).rowcount)

    def purge_past_retention(self, now: datetime, days: int) -> int:
        """Erase the keys of messages received longer ago than the retention period: their
        patient and body go, handled or not; how many."""
        query = (
            select(contents.c.id)
            .join(messages, messages.c.id == contents.c.id)
            .where(messages.c.received_at < now - timedelta(days=days))
        )
        with self.engine.connect() as db:
            found = list(db.scalars(query))
        self._erase(found)
        if found:
            self._attention_changed()
        return len(found)

    def _erase(self, row_ids: list[UUID]) -> None:
        """The messages' keys erased, and the contents they sealed deleted."""
        for row_id in row_ids:
            self.keys.erase(row_id)
        with self.engine.begin() as db:
            db.execute(delete(contents).where(contents.c.id.in_(row_ids)))

    def _attention_changed(self) -> None:
        for tell in self.on_attention_changed:
            tell()


def _needing_attention(municipality_id: UUID) -> tuple[Any, ...]:
    return (
        messages.c.municipality_id == municipality_id,
        messages.c.rejected.is_(True),
        messages.c.handled_at.is_(None),
    )
