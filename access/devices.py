"""Display devices: the corridor screens, each bound to one unit or zone by a token.

A device has no user, no session and no role beyond `DISPLAY`: its token opens the wall
display of its own place and nothing else. Like an API token, the device token is shown
once and only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy import Column, Connection, DateTime, Engine, String, Table, Uuid, insert, select
from sqlalchemy import update as update_rows
from sqlalchemy.engine import Row

from access.accounts import metadata, within
from access.policy import DISPLAY, Viewer

display_devices = Table(
    "display_devices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("unit_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Uuid, nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)


@dataclass(frozen=True)
class Device:
    id: UUID
    municipality_id: UUID
    unit_id: UUID
    name: str
    created_at: datetime
    created_by: UUID
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def viewer(self) -> Viewer:
        return Viewer(DISPLAY, self.municipality_id, frozenset({self.unit_id}))


def _device(row: Row[tuple[object, ...]]) -> Device:
    m = row._mapping
    return Device(
        m["id"],
        m["municipality_id"],
        m["unit_id"],
        m["name"],
        _aware(m["created_at"]),
        m["created_by"],
        _aware(m["revoked_at"]) if m["revoked_at"] else None,
    )


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were written as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Devices:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def issue(
        self,
        municipality_id: UUID,
        unit_id: UUID,
        name: str,
        *,
        by: UUID,
        at: datetime,
        db: Connection | None = None,
    ) -> tuple[Device, str]:
        """A new device and its token; the token is not kept and cannot be shown again."""
        token = secrets.token_urlsafe(32)
        device = Device(uuid4(), municipality_id, unit_id, name, at, by, None)
        with within(self.engine, db) as conn:
            conn.execute(
                insert(display_devices).values(
                    id=device.id,
                    municipality_id=municipality_id,
                    unit_id=unit_id,
                    name=name,
                    token_sha256=_digest(token),
                    created_at=at,
                    created_by=by,
                    revoked_at=None,
                )
            )
        return device, token

    def exchange(self, token: str) -> tuple[Device, str] | None:
        """The device's address token, used once: a new token (for the device's cookie)
        takes its place, so the address read off a screen, a history or a log shows
        nothing when replayed. None if the token is unknown, used already or revoked."""
        found = self.for_token(token)
        if found is None:
            return None
        fresh = secrets.token_urlsafe(32)
        with self.engine.begin() as db:
            changed = db.execute(
                update_rows(display_devices)
                .where(
                    display_devices.c.token_sha256 == _digest(token),
                    display_devices.c.revoked_at.is_(None),
                )
                .values(token_sha256=_digest(fresh))
            ).rowcount
        return (found, fresh) if changed == 1 else None  # the other of two at once lost

    def revoke(self, device_id: UUID, *, at: datetime, db: Connection | None = None) -> bool:
        """Stop the device's token for good; False if it was revoked already or is unknown."""
        with within(self.engine, db) as conn:
            changed = conn.execute(
                update_rows(display_devices)
                .where(display_devices.c.id == device_id, display_devices.c.revoked_at.is_(None))
                .values(revoked_at=at)
            ).rowcount
        return bool(changed)

    def get(self, device_id: UUID) -> Device | None:
        with self.engine.connect() as db:
            row = db.execute(select(display_devices).where(display_devices.c.id == device_id))
            found = row.first()
        return _device(found) if found else None

    def for_token(self, token: str) -> Device | None:
        """The device the token belongs to, unless it has been revoked."""
        query = select(display_devices).where(
            display_devices.c.token_sha256 == _digest(token),
            display_devices.c.revoked_at.is_(None),
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return _device(row) if row else None

    def revoked_ids(self) -> set[UUID]:
        """Every device revoked so far (a short list: a municipality has a few screens)."""
        query = select(display_devices.c.id).where(display_devices.c.revoked_at.is_not(None))
        with self.engine.connect() as db:
            return set(db.scalars(query))

    def list_for(self, municipality_id: UUID) -> list[Device]:
        query = (
            select(display_devices)
            .where(display_devices.c.municipality_id == municipality_id)
            .order_by(display_devices.c.revoked_at.is_not(None), display_devices.c.name)
        )
        with self.engine.connect() as db:
            return [_device(row) for row in db.execute(query)]
