"""The access log: who saw which patient's identity, when, through which view, and on what
basis (the role's own work, a care relation). Append-only: rows are written, never changed.

A response that shows identities writes its rows before it is sent, all in one statement, so
a board of 40 patients costs one write, and nothing shown goes unlogged.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Column, ColumnElement, Engine, Index, Integer, String, Table, Uuid, select

from access.accounts import User, metadata
from access.database import create_tables, insert_rows
from projections.columns import UTCDateTime

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # the order written
    Column("municipality_id", Uuid, nullable=False),
    Column("flow_id", Uuid, nullable=False, index=True),
    Column("user_id", Uuid, nullable=False),
    Column("role", String(16), nullable=False),
    Column("view", String(64), nullable=False),
    Column("basis", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("access_log_by_user", "user_id", "at"),
)


class Basis(StrEnum):
    ROLE = "role"  # the allocation office sees every patient of its municipality
    RELATION = "relation"  # a care relation of the viewer's unit or zone
    EMERGENCY = "emergency"  # the viewer's emergency access (`access/emergency_access.py`)


BASIS_TEXT = {
    Basis.ROLE: "rollen (tildeling)",
    Basis.RELATION: "pasientrelasjon",
    Basis.EMERGENCY: "nødtilgang",
}


@dataclass(frozen=True)
class Look:
    flow_id: UUID
    user_id: UUID
    role: str
    view: str
    basis: Basis
    at: datetime


def basis_of(user: User) -> Basis:
    """Why a user sees the patients a board or read shows them, unless said otherwise."""
    return Basis.ROLE if user.role == "allocation" else Basis.RELATION


def _row(user: User, flow_id: UUID, view: str, at: datetime, basis: Basis) -> dict[str, object]:
    return {
        "municipality_id": user.municipality_id,
        "flow_id": flow_id,
        "user_id": user.id,
        "role": user.role,
        "view": view,
        "basis": basis.value,
        "at": at,
    }


class AccessLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="access-log")
        create_tables(engine, [access_log])

    def record(
        self,
        user: User,
        flow_ids: Iterable[UUID],
        view: str,
        at: datetime,
        basis: Basis | None = None,
    ) -> None:
        """The looks of one response; `basis` if not the role's own (`basis_of`)."""
        self._write(
            [
                _row(user, flow_id, view, at, basis or basis_of(user))
                for flow_id in dict.fromkeys(flow_ids)  # each once, in the order shown
            ]
        )

    def record_soon(
        self, user: User, flow_ids: Iterable[UUID], view: str, at: datetime
    ) -> Future[None]:
        """`record` in a writer thread; the caller waits for it before it answers."""
        return self._writer.submit(self.record, user, list(flow_ids), view, at)

    def record_many(self, looks: Iterable[tuple[User, Iterable[UUID], str, datetime]]) -> None:
        """Several responses' looks in one statement."""
        self._write(
            [
                _row(user, flow_id, view, at, basis_of(user))
                for user, flow_ids, view, at in looks
                for flow_id in dict.fromkeys(flow_ids)
            ]
        )

    def _write(self, rows: list[dict[str, object]]) -> None:
        if rows:
            with self.engine.begin() as db:
                insert_rows(db, access_log, rows)

    def of_flow(self, municipality_id: UUID, flow_id: UUID) -> list[Look]:
        """Who saw the flow, newest first."""
        return self._read(
            (access_log.c.municipality_id == municipality_id, access_log.c.flow_id == flow_id)
        )

    def of_user(
        self, municipality_id: UUID, user_id: UUID, start: datetime, end: datetime
    ) -> list[Look]:
        """What the user looked at in [start, end), newest first."""
        return self._read(
            (
                access_log.c.municipality_id == municipality_id,
                access_log.c.user_id == user_id,
                access_log.c.at >= start,
                access_log.c.at < end,
            )
        )

    def _read(self, where: tuple[ColumnElement[bool], ...]) -> list[Look]:
        query = select(access_log).where(*where).order_by(access_log.c.id.desc()).limit(5000)
        with self.engine.connect() as db:
            return [
                Look(r.flow_id, r.user_id, r.role, r.view, Basis(r.basis), r.at)
                for r in db.execute(query)
            ]
