"""Erasing patients' identity (crypto-shredding), for the command line.

Two occasions: flows closed longer than the retention period (setting `retention_days`), and
one patient's flows on a lawful request, by a named administrator with a reason. Each flow's
erasure is an `IdentityErased` event (who, when, why) and then its key wiped. The read
models are caught up, so no board shows the identity any more, the past boards' snapshots
are dropped, so no board as of a past moment does either, and on SQLite the log file
beside the database is emptied, so no copy of an old page is left there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select, text

from access.accounts import Role, User
from boards.services.system import System
from flow.actor import Actor
from flow.errors import NotPermittedError
from flow.vocabulary import ERASED
from projections.flow_cards import cards

#: Who erases when the retention period ends.
RETENTION = "oppbevaringstid"


def flows_past_retention(system: System, now: datetime, days: int) -> list[tuple[UUID, UUID]]:
    """Flows (id, municipality) closed more than `days` ago whose identity is still kept."""
    system.projector.catch_up()
    query = select(cards.c.flow_id, cards.c.municipality_id).where(
        cards.c.closed_at < now - timedelta(days=days), cards.c.name != ERASED
    )
    with system.engine.connect() as db:
        return [(row.flow_id, row.municipality_id) for row in db.execute(query)]


def flows_of_patient(system: System, municipality_id: UUID, national_id: str) -> list[UUID]:
    system.projector.catch_up()
    query = select(cards.c.flow_id).where(
        cards.c.municipality_id == municipality_id, cards.c.national_id == national_id
    )
    with system.engine.connect() as db:
        return list(db.scalars(query))


def erase_past_retention(
    system: System,
    flows: list[tuple[UUID, UUID]],
    days: int,
    now: datetime,
    on_flow: Callable[[], None],
) -> None:
    reason = f"Oppbevaringstiden er ute: avsluttet for mer enn {days} dager siden."
    for flow_id, municipality_id in flows:
        system.flows.erase_identity(
            flow_id, reason, by=Actor(RETENTION, "system", municipality_id), at=now
        )
        on_flow()
    system.hospital_messages.purge_past_retention(now, days)
    _settle(system)


def erase_patient(
    system: System, national_id: str, flows: list[UUID], by: User, reason: str, now: datetime
) -> None:
    """A lawful request: only an administrator of the patient's municipality erases. The
    patient's hospital messages waiting for follow-up lose the name and number too."""
    if by.role != Role.ADMIN:
        raise NotPermittedError("only_admin_erases")
    for flow_id in flows:
        system.flows.erase_identity(flow_id, reason, by=by.actor, at=now)
    system.hospital_messages.forget_patient(by.municipality_id, national_id)
    _settle(system)


def _settle(system: System) -> None:
    """The read models forget the identities, and the past boards' snapshots, which hold
    names as the boards did, are dropped (made again from the log, they read as erased:
    `projections/past.py`); SQLite's write-ahead log is emptied into the database file
    (whose freed space `secure_delete` has zeroed)."""
    system.projector.catch_up()
    system.past.forget_snapshots()
    if system.engine.dialect.name == "sqlite":
        with system.engine.connect() as db:
            db.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
