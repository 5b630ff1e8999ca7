"""Emergency access (nødtilgang): a nurse or home-care user opens one patient outside the
care rule, for a reason, for a few hours, and a leader reviews each use afterwards.

A grant opens one flow to one user until it expires; it widens nothing else. The free text
is the patient's personal data, so it is sealed with the flow's own key and is gone when the
flow's identity is erased. A leader marks each use reviewed, with a comment; a use left
unreviewed for a week is overdue.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from sqlalchemy import (
    Column,
    ColumnElement,
    Engine,
    Index,
    RowMapping,
    String,
    Table,
    Uuid,
    or_,
    select,
    update,
)

from access.accounts import Role, User, metadata
from access.database import UTCDateTime
from flow.errors import (
    IllegalTransitionError,
    NotFoundError,
    NotPermittedError,
    UnusableTextError,
)
from flow.personal_data import KeyRing, seal, unseal
from flow.vocabulary import ERASED

#: How long a use may wait for its review before it shows as overdue.
REVIEW_WITHIN = timedelta(days=7)
NOTE_LIMIT = 500
_NOTE_FIELD = "emergency_note"

emergency_access = Table(
    "emergency_access",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("flow_id", Uuid, nullable=False),
    Column("reason", String(16), nullable=False),
    Column("note", String(2000), nullable=False),  # sealed with the flow's key
    Column("granted_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("reviewed_by", Uuid),
    Column("reviewed_at", UTCDateTime),
    Column("review_comment", String(NOTE_LIMIT)),
    Index("emergency_access_by_user", "user_id", "expires_at"),
    Index("emergency_access_by_municipality", "municipality_id", "granted_at"),
)


class EmergencyReason(StrEnum):
    ACUTE = "akutt"
    UNANNOUNCED = "uvarslet"
    COVERING = "vakt"
    ASKED = "henvendelse"
    OTHER = "annet"


REASON_TEXT = {
    EmergencyReason.ACUTE: "Akutt forverring eller øyeblikkelig hjelp",
    EmergencyReason.UNANNOUNCED: "Pasienten er hos oss uten at enheten var varslet",
    EmergencyReason.COVERING: "Jeg dekker en annen enhet eller sone på vakt",
    EmergencyReason.ASKED: "Pasienten, pårørende eller lege ber om hjelp nå",
    EmergencyReason.OTHER: "Annet (skriv hvorfor)",
}

#: The roles that may use emergency access: those whose access follows care relations.
MAY_USE = (Role.NURSE, Role.HOMECARE)


@dataclass(frozen=True)
class Grant:
    id: UUID
    municipality_id: UUID
    user_id: UUID
    flow_id: UUID
    reason: EmergencyReason
    note: str
    granted_at: datetime
    expires_at: datetime
    reviewed_by: UUID | None
    reviewed_at: datetime | None
    review_comment: str | None

    def active(self, now: datetime) -> bool:
        return self.granted_at <= now < self.expires_at

    def overdue(self, now: datetime) -> bool:
        return self.reviewed_at is None and now - self.granted_at > REVIEW_WITHIN


class EmergencyAccess:
    def __init__(self, engine: Engine, keys: KeyRing, lasts: timedelta) -> None:
        self.engine, self.keys, self.lasts = engine, keys, lasts

    def grant(
        self, user: User, flow_id: UUID, reason: EmergencyReason, note: str, at: datetime
    ) -> Grant:
        """Open the flow to the user until `lasts` from now. The caller has found the flow
        in the user's municipality and seen that the user has no care relation to it."""
        if user.role not in MAY_USE:
            raise NotPermittedError("emergency_access_not_for_role")
        note = note.strip()
        if reason == EmergencyReason.OTHER and not note:
            raise UnusableTextError("emergency_reason_missing")
        if len(note) > NOTE_LIMIT:
            raise UnusableTextError("text_too_long", limit=NOTE_LIMIT)
        key = self.keys.key(flow_id)
        if key is None:
            raise NotFoundError("not_found", thing="patient")
        grant = Grant(
            uuid.uuid4(),
            user.municipality_id,
            user.id,
            flow_id,
            reason,
            note,
            at,
            at + self.lasts,
            None,
            None,
            None,
        )
        row = {
            **{c: getattr(grant, c) for c in ("id", "municipality_id", "user_id", "flow_id")},
            "reason": reason.value,
            "note": seal(key, flow_id, _NOTE_FIELD, note.encode()),
            "granted_at": grant.granted_at,
            "expires_at": grant.expires_at,
        }
        with self.engine.begin() as db:
            db.execute(emergency_access.insert().values(**row))
        return grant

    def active(self, user: User, flow_id: UUID, now: datetime) -> Grant | None:
        """The user's grant to the flow that holds at `now`, if any."""
        return next(
            (g for g in self.of_user(user, now) if g.flow_id == flow_id),
            None,
        )

    def of_user(self, user: User, now: datetime) -> list[Grant]:
        """The user's grants that hold at `now`, newest first."""
        return self._read(
            emergency_access.c.user_id == user.id,
            emergency_access.c.municipality_id == user.municipality_id,
            emergency_access.c.expires_at > now,
            emergency_access.c.granted_at <= now,
        )

    def get(self, user: User, grant_id: UUID) -> Grant:
        """One of the user's own grants, active or not."""
        found = self._read(emergency_access.c.id == grant_id, emergency_access.c.user_id == user.id)
        if not found:
            raise NotFoundError("not_found", thing="emergency_access")
        return found[0]

    def to_review(self, municipality_id: UUID, since: datetime) -> list[Grant]:
        """The leaders' review list: every use not yet reviewed, however old, and those
        granted since `since`; newest first."""
        return self._read(
            emergency_access.c.municipality_id == municipality_id,
            or_(emergency_access.c.reviewed_at.is_(None), emergency_access.c.granted_at >= since),
        )

    def granted_between(self, municipality_id: UUID, start: datetime, end: datetime) -> list[Grant]:
        """The uses granted in [start, end): the leaders' figures count them."""
        return self._read(
            emergency_access.c.municipality_id == municipality_id,
            emergency_access.c.granted_at >= start,
            emergency_access.c.granted_at < end,
        )

    def review(self, leader: User, grant_id: UUID, comment: str, at: datetime) -> Grant:
        """Mark one use reviewed; a use is reviewed once."""
        if leader.role != Role.LEADER:
            raise NotPermittedError("only_leaders_review")
        comment = comment.strip()
        if not comment:
            raise UnusableTextError("review_comment_missing")
        if len(comment) > NOTE_LIMIT:
            raise UnusableTextError("text_too_long", limit=NOTE_LIMIT)
        with self.engine.begin() as db:
            done = db.execute(
                update(emergency_access)
                .where(
                    emergency_access.c.id == grant_id,
                    emergency_access.c.municipality_id == leader.municipality_id,
                    emergency_access.c.reviewed_at.is_(None),
                )
                .values(reviewed_by=leader.id, reviewed_at=at, review_comment=comment)
            ).rowcount
        found = self._read(
            emergency_access.c.id == grant_id,
            emergency_access.c.municipality_id == leader.municipality_id,
        )
        if not found:
            raise NotFoundError("not_found", thing="emergency_use")
        if not done:
            raise IllegalTransitionError("already_reviewed")
        return found[0]

    def _read(self, *where: ColumnElement[bool]) -> list[Grant]:
        query = (
            select(emergency_access)
            .where(*where)
            .order_by(emergency_access.c.granted_at.desc())
            .limit(5000)
        )
        with self.engine.connect() as db:
            return [self._grant(row._mapping) for row in db.execute(query)]

    def _grant(self, row: RowMapping) -> Grant:
        flow_id: UUID = row["flow_id"]
        key = self.keys.key(flow_id)
        note = unseal(key, flow_id, _NOTE_FIELD, row["note"]).decode() if key else ERASED
        return Grant(
            row["id"],
            row["municipality_id"],
            row["user_id"],
            flow_id,
            EmergencyReason(row["reason"]),
            note,
            row["granted_at"],
            row["expires_at"],
            row["reviewed_by"],
            row["reviewed_at"],
            row["review_comment"],
        )
