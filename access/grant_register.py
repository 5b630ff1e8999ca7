"""The register of access grants (Normen's autorisasjonsregister, access/grants.py): every
grant asked for, and how and by whom it was decided; rows are written and decided once,
never removed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    Index,
    String,
    Table,
    Uuid,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from access.accounts import metadata, within
from access.audit import Audit
from access.database import UTCDateTime
from flow.errors import ConcurrentChangeError, IllegalTransitionError

#: Who asked, in the audit log and the register, when no admin did: the server's console.
CONSOLE = UUID(int=0)
#: The longest reason a leader gives for declining.
REASON_LIMIT = 500

access_grants = Table(
    "access_grants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("user_id", Uuid, nullable=True, index=True),  # a user's grant, or
    Column("mapping_id", Uuid, nullable=True, index=True),  # an OIDC role mapping's
    Column("subject", String(300), nullable=False),  # the username, or "claim = value"
    Column("role", String(20), nullable=False),
    Column("unit_ids", JSON, nullable=False),
    Column("asked", String(20), nullable=False),  # why: Asked
    Column("asked_by", Uuid, nullable=False),  # an admin, or CONSOLE
    Column("asked_at", UTCDateTime, nullable=False),
    Column("state", String(12), nullable=False, index=True),
    Column("decided_by", Uuid, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("reason", String(REASON_LIMIT), nullable=True),
)
#: A user has one grant waiting at most: of two admins asking at once, one is refused.
Index(
    "uq_access_grants_one_waiting",
    access_grants.c.user_id,
    unique=True,
    sqlite_where=access_grants.c.state == "waiting",
    postgresql_where=access_grants.c.state == "waiting",
)


class Asked(StrEnum):
    """Why a grant was asked for."""

    NEW_USER = "new_user"
    CHANGED = "changed"
    PASSWORD_RESET = "password_reset"
    ROLE_MAPPING = "role_mapping"
    CONSOLE = "console"
    DEMO = "demo"
    IN_FORCE_BEFORE = "in_force_before"


class State(StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    DECLINED = "declined"
    #: Asked again or otherwise (a changed role, a reset, a removed mapping) before a decision.
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Grant:
    id: UUID
    municipality_id: UUID
    user_id: UUID | None
    mapping_id: UUID | None
    subject: str
    role: str
    unit_ids: tuple[UUID, ...]
    asked: Asked
    asked_by: UUID
    asked_at: datetime
    state: State
    decided_by: UUID | None
    decided_at: datetime | None
    reason: str | None


def grant_of(m: RowMapping) -> Grant:
    return Grant(
        m["id"],
        m["municipality_id"],
        m["user_id"],
        m["mapping_id"],
        m["subject"],
        m["role"],
        tuple(UUID(u) for u in m["unit_ids"]),
        Asked(m["asked"]),
        m["asked_by"],
        m["asked_at"],
        State(m["state"]),
        m["decided_by"],
        m["decided_at"],
        m["reason"],
    )


class Register:
    """Reading and writing the register; what may be asked and decided: `access.grants`."""

    def __init__(self, engine: Engine, audit: Audit) -> None:
        self.engine, self.audit = engine, audit

    # -- reading --------------------------------------------------------------------------

    def waiting_for(self, user_id: UUID, db: Connection | None = None) -> Grant | None:
        query = select(access_grants).where(
            access_grants.c.user_id == user_id, access_grants.c.state == State.WAITING
        )
        with within(self.engine, db) as conn:
            row = conn.execute(query).mappings().first()
        return grant_of(row) if row else None

    def waiting_in(self, municipality: UUID) -> dict[UUID, Grant]:
        """The users of the municipality whose grant waits, and the grant."""
        query = select(access_grants).where(
            access_grants.c.municipality_id == municipality,
            access_grants.c.state == State.WAITING,
            access_grants.c.user_id.is_not(None),
        )
        with self.engine.connect() as db:
            found = [grant_of(row) for row in db.execute(query).mappings()]
        return {g.user_id: g for g in found if g.user_id}

    def listing(self, municipality: UUID, since: datetime) -> list[Grant]:
        """The grants that wait, oldest first, then those decided since `since`, newest
        first (the leaders' list); withdrawn ones are the register's alone."""
        query = select(access_grants).where(
            access_grants.c.municipality_id == municipality,
            or_(
                access_grants.c.state == State.WAITING,
                (access_grants.c.state.in_([State.APPROVED, State.DECLINED]))
                & (access_grants.c.decided_at >= since),
            ),
        )
        with self.engine.connect() as db:
            found = [grant_of(row) for row in db.execute(query).mappings()]
        waiting = sorted((g for g in found if g.state == State.WAITING), key=lambda g: g.asked_at)
        decided = [g for g in found if g.state != State.WAITING]
        decided.sort(key=lambda g: g.decided_at or g.asked_at, reverse=True)
        return waiting + decided

    def mappings_waiting(self, mapping_ids: Collection[UUID]) -> set[UUID]:
        """Of these role mappings (of roles that wait), those no leader has approved."""
        if not mapping_ids:
            return set()
        query = select(access_grants.c.mapping_id).where(
            access_grants.c.mapping_id.in_(list(mapping_ids)),
            access_grants.c.state == State.APPROVED,
        )
        with self.engine.connect() as db:
            approved = set(db.execute(query).scalars())
        return set(mapping_ids) - approved

    def _write(self, db: Connection, grant: Grant, by: UUID, action: str | None) -> None:
        """Write the grant as it is; with an audit row unless `action` is None (a grant
        recorded in force at the console or by the demo, which logs it its own way)."""
        try:
            self._insert_row(db, grant)
        except IntegrityError:  # another grant for the user came to wait at the same moment
            raise ConcurrentChangeError("concurrent_change") from None
        if action:
            self._audit(db, grant, by, action, grant.asked_at)

    def _insert_row(self, db: Connection, grant: Grant) -> None:
        db.execute(
            insert(access_grants).values(
                id=grant.id,
                municipality_id=grant.municipality_id,
                user_id=grant.user_id,
                mapping_id=grant.mapping_id,
                subject=grant.subject,
                role=grant.role,
                unit_ids=[str(u) for u in grant.unit_ids],
                asked=grant.asked.value,
                asked_by=grant.asked_by,
                asked_at=grant.asked_at,
                state=grant.state.value,
                decided_by=grant.decided_by,
                decided_at=grant.decided_at,
                reason=grant.reason,
            )
        )

    def _decide(
        self,
        db: Connection,
        grant: Grant,
        state: State,
        by: UUID,
        at: datetime,
        reason: str | None,
    ) -> Grant:
        changed = db.execute(
            update(access_grants)
            .where(access_grants.c.id == grant.id, access_grants.c.state == State.WAITING)
            .values(state=state.value, decided_by=by, decided_at=at, reason=reason)
        ).rowcount
        if changed != 1:  # another decision came first
            raise IllegalTransitionError("access_grant_decided")
        decided = replace(grant, state=state, decided_by=by, decided_at=at, reason=reason)
        self._audit(db, decided, by, f"access_grant.{state.value}", at)
        return decided

    def _withdraw(self, db: Connection, grant: Grant, by: UUID, at: datetime) -> None:
        self._decide(db, grant, State.WITHDRAWN, by, at, None)

    def _audit(self, db: Connection, grant: Grant, by: UUID, action: str, at: datetime) -> None:
        details: dict[str, object] = {
            "grant_id": str(grant.id),
            "role": grant.role,
            "unit_ids": [str(u) for u in grant.unit_ids],
            "asked": grant.asked.value,
        }
        if grant.user_id:
            details["user_id"] = str(grant.user_id)
        if grant.mapping_id:
            details["mapping_id"] = str(grant.mapping_id)
        if grant.reason:
            details["reason"] = grant.reason
        self.audit.record(grant.municipality_id, by, action, grant.subject, details, at=at, db=db)
