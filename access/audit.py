"""The administrators' audit log: who changed which user, place or display device, and when.

Append-only: rows are written, never changed or removed. A change whose own record is an
event (a unit registered, a bed blocked) is logged here too, so the list is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Uuid,
    insert,
    select,
)

from access.accounts import metadata, within

admin_audit = Table(
    "admin_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # the order written
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("user_id", Uuid, nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("details", JSON, nullable=False),
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    municipality_id: UUID
    at: datetime
    user_id: UUID
    action: str
    subject: str
    details: dict[str, Any]


class Audit:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        municipality_id: UUID,
        user_id: UUID,
        action: str,
        subject: str,
        details: dict[str, Any],
        *,
        at: datetime,
        db: Connection | None = None,
    ) -> int:
        """One row; inside `db`'s transaction when given, so it stands or falls with the
        change it describes."""
        with within(self.engine, db) as conn:
            result = conn.execute(
                insert(admin_audit).values(
                    municipality_id=municipality_id,
                    at=at.astimezone(UTC),
                    user_id=user_id,
                    action=action,
                    subject=subject[:300],
                    details=details,
                )
            )
        (entry_id,) = result.inserted_primary_key or (0,)
        return int(entry_id)

    def list_for(self, municipality_id: UUID, limit: int = 100) -> list[AuditEntry]:
        """The municipality's newest entries first."""
        query = (
            select(admin_audit)
            .where(admin_audit.c.municipality_id == municipality_id)
            .order_by(admin_audit.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [
            AuditEntry(
                r.id,
                r.municipality_id,
                r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
                r.user_id,
                r.action,
                r.subject,
                dict(r.details),
            )
            for r in rows
        ]
