"""The access log: who saw which patient's identity, when, through which view, and on what
basis (the role's own work, a care relation). Append-only: rows are written, never changed.

A response that shows identities writes its rows before it is sent, all in one statement, so
a board of 40 patients costs one write, and nothing shown goes unlogged.

The log has no index by flow: a board's 2,000 looks would land on 2,000 pages of one. The
looks are indexed by flow afterwards, in sorted batches (`index_by_flow`, about once a
minute from each server's follower thread), and "who saw this patient" reads the index and
the short tail of the log not indexed yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    Column,
    Engine,
    Index,
    Insert,
    Integer,
    Select,
    String,
    Table,
    Uuid,
    bindparam,
    func,
    insert,
    select,
    text,
    union_all,
    update,
)

from access.accounts import User, metadata
from access.database import UTCDateTime

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # the order written
    Column("municipality_id", Uuid, nullable=False),
    Column("flow_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("role", String(16), nullable=False),
    Column("view", String(64), nullable=False),
    Column("basis", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("access_log_by_user", "user_id", "at"),
)

#: The looks by flow, filled in batches behind the log.
access_log_by_flow = Table(
    "access_log_by_flow",
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("look_id", Integer, primary_key=True),  # access_log.id
)

#: One row: every look with an id up to `upto` is in `access_log_by_flow`, none above it.
access_log_indexed = Table(
    "access_log_indexed",
    metadata,
    Column("upto", Integer, nullable=False),
)

#: Looks indexed in one transaction, at most.
INDEX_BATCH = 100_000


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


@cache
def _insert_looks(sqlite: bool) -> Insert:
    """INSERT ... SELECT of one response's looks: a row for each flow of the parameter
    `flow_ids`, in its order; the other columns are the same parameters in every row."""
    if sqlite:
        each = func.json_each(bindparam("flow_ids", type_=String)).table_valued("value", "key")
        flow_id, order = each.c.value, each.c.key
    else:
        array = bindparam("flow_ids", type_=ARRAY(Uuid))
        each = func.unnest(array).table_valued("value", with_ordinality="ordinality")
        each = each.render_derived()  # AS anon(value, ordinality)
        flow_id, order = each.c.value, each.c.ordinality
    columns = ["municipality_id", "flow_id", "user_id", "role", "view", "basis", "at"]
    looks = select(
        *[flow_id if c == "flow_id" else bindparam(c, type_=access_log.c[c].type) for c in columns]
    )
    return insert(access_log).from_select(columns, looks.select_from(each).order_by(order))


class AccessLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="access-log")

    def record(
        self,
        user: User,
        flow_ids: Iterable[UUID],
        view: str,
        at: datetime,
        basis: Basis | None = None,
    ) -> None:
        """The looks of one response; `basis` if not the role's own (`basis_of`)."""
        self._write([(user, flow_ids, view, at, basis or basis_of(user))])

    def record_soon(
        self, user: User, flow_ids: Iterable[UUID], view: str, at: datetime
    ) -> Future[None]:
        """`record` in a writer thread; the caller waits for it before it answers."""
        return self._writer.submit(self.record, user, list(flow_ids), view, at)

    def record_many(self, looks: Iterable[tuple[User, Iterable[UUID], str, datetime]]) -> None:
        """Several responses' looks in one transaction."""
        self._write([(user, ids, view, at, basis_of(user)) for user, ids, view, at in looks])

    def _write(self, looks: list[tuple[User, Iterable[UUID], str, datetime, Basis]]) -> None:
        """A statement for each response's looks, its flows one parameter (a JSON array on
        SQLite, an array on PostgreSQL) that the database unpacks into rows: a board of
        2,000 patients costs no Python per patient (which took 20 ms beside its rendering)."""
        shown = [
            (user, ids, view, at, basis)
            for user, flow_ids, view, at, basis in looks
            if (ids := list(dict.fromkeys(flow_ids)))  # each once, in order
        ]
        if not shown:
            return
        with self.engine.begin() as db:
            sqlite = db.dialect.name == "sqlite"
            for user, flow_ids, view, at, basis in shown:
                values = {
                    "flow_ids": json.dumps([f.hex for f in flow_ids]) if sqlite else flow_ids,
                    "municipality_id": user.municipality_id,
                    "user_id": user.id,
                    "role": user.role,
                    "view": view,
                    "basis": basis.value,
                    "at": at,
                }
                db.execute(_insert_looks(sqlite), values)

    def index_by_flow(self) -> None:
        """Index the looks written since the last run by flow, in batches sorted by flow, so
        each page of the index is written once a batch. Servers may run it at the same time:
        each batch is claimed by moving `upto` from where its indexer found it, and only one
        indexer moves it."""
        upto = self._committed_upto()
        while (start := self._indexed_upto()) < upto:
            end = min(upto, start + INDEX_BATCH)
            with self.engine.begin() as db:
                claim = update(access_log_indexed).where(access_log_indexed.c.upto == start)
                if db.execute(claim.values(upto=end)).rowcount == 0:
                    return  # another server indexed it
                looks = (
                    select(access_log.c.flow_id, access_log.c.id)
                    .where(access_log.c.id > start, access_log.c.id <= end)
                    .order_by(access_log.c.flow_id, access_log.c.id)
                )
                into = insert(access_log_by_flow).from_select(["flow_id", "look_id"], looks)
                db.execute(into)

    def _committed_upto(self) -> int:
        """The highest id below which every look is committed. PostgreSQL draws ids before
        the commit, so a look may commit after one with a higher id: a SHARE lock waits for
        the writes to the log under way (and holds new ones back for this one read)."""
        with self.engine.begin() as db:
            if db.dialect.name == "postgresql":
                db.execute(text("LOCK TABLE access_log IN SHARE MODE"))
            return db.scalar(select(func.max(access_log.c.id))) or 0

    def _indexed_upto(self) -> int:
        with self.engine.connect() as db:
            return db.scalar(select(access_log_indexed.c.upto)) or 0

    def of_flow(self, municipality_id: UUID, flow_id: UUID) -> list[Look]:
        """Who saw the flow, newest first: its looks in the index by flow, and those in the
        tail of the log not indexed yet (read together, so a batch indexed meanwhile is
        counted once)."""
        mine = (access_log.c.municipality_id == municipality_id, access_log.c.flow_id == flow_id)
        indexed = (
            select(access_log)
            .join(access_log_by_flow, access_log_by_flow.c.look_id == access_log.c.id)
            .where(access_log_by_flow.c.flow_id == flow_id, *mine)
        )
        upto = select(access_log_indexed.c.upto).scalar_subquery()
        tail = select(access_log).where(access_log.c.id > upto, *mine)
        both = union_all(indexed, tail).subquery()
        return self._read(select(both).order_by(both.c.id.desc()))

    def of_user(
        self, municipality_id: UUID, user_id: UUID, start: datetime, end: datetime
    ) -> list[Look]:
        """What the user looked at in [start, end), newest first."""
        return self._read(
            select(access_log)
            .where(
                access_log.c.municipality_id == municipality_id,
                access_log.c.user_id == user_id,
                access_log.c.at >= start,
                access_log.c.at < end,
            )
            .order_by(access_log.c.id.desc())
        )

    def _read(self, query: Select[Any]) -> list[Look]:
        with self.engine.connect() as db:
            return [
                Look(r.flow_id, r.user_id, r.role, r.view, Basis(r.basis), r.at)
                for r in db.execute(query.limit(5000))
            ]
