"""The event store: which one, from one database URL (a SQLite file or PostgreSQL), and how
the application keeps its aggregates in it: the mapper that seals personal data, the domain's
values as JSON, the aggregates kept in memory, loading one of the actor's municipality, and
saving several in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording

from flow import transcodings
from flow.actor import Actor
from flow.care_unit import Bed, CareUnit
from flow.closed_loops import Party, Task, TaskState
from flow.errors import ConcurrentChangeError, DuplicateError, NotFoundError
from flow.flow_values import (
    BedRef,
    Decision,
    DischargePlan,
    HospitalAnswer,
    Patient,
    ReadyNotice,
    WaitNote,
)
from flow.patient_flow import PatientFlow
from flow.personal_data import KeyRing, PersonalDataMapper

A = TypeVar("A", bound=Aggregate)


class UnsupportedDatabaseError(ValueError):
    pass


def store_env(database_url: str, *, durable: bool = True) -> dict[str, str]:
    """The eventsourcing library's settings for `sqlite:///path` or `postgresql://...`; not
    `durable` (a simulation's own connections, `access.database.connect`), a SQLite store's
    commits are not flushed one by one."""
    url = urlsplit(database_url)
    scheme = url.scheme.split("+")[0]
    if scheme == "sqlite":
        path = Path(unquote(url.path.removeprefix("/")))
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "flow.sqlite_store:SQLiteStore",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
            "SQLITE_SYNCHRONOUS": "FULL" if durable else "NORMAL",
        }
    if scheme in {"postgresql", "postgres"}:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.removeprefix("/"),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
        }
    raise UnsupportedDatabaseError(
        f"Ukjent database-URL «{database_url}»: bruk sqlite:///sti/til/fil.db "
        "eller postgresql://bruker:passord@vert:port/database."
    )


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply stored events in order. (The library's default projector checks a protocol
    on every event, which on Python 3.11 costs more than applying the event.)"""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class EventStore(Application[UUID]):
    """The application's store of aggregates; `Pasientflyt` adds the use cases."""

    snapshotting_intervals = {CareUnit: 100}
    #: Aggregates kept in memory, most recently used (flows of a large municipality's
    #: patients on the move, units, municipalities); each use reads only newer events.
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000"}
    mapper: PersonalDataMapper

    def __init__(self, env: dict[str, str], keys: KeyRing) -> None:
        """`keys` keep each flow's key for its personal data."""
        self.keys = keys
        super().__init__(env)
        #: Called after every commit of new events in this process (live boards wake on it).
        self.on_recorded: list[Callable[[], None]] = []

    def construct_mapper(self) -> PersonalDataMapper:
        return PersonalDataMapper(self.construct_transcoder(), self.keys)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        for listener in self.on_recorded:
            listener()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register(
            transcoder,
            Actor,
            Patient,
            ReadyNotice,
            HospitalAnswer,
            WaitNote,
            Decision,
            BedRef,
            DischargePlan,
            Bed,
            Party,
            Task,
            TaskState,
        )

    def _load(self, aggregate_id: UUID | None, cls: type[A], by: Actor | None = None) -> A:
        """An aggregate of the actor's municipality; any other id does not exist for them.

        From the repository's cache, brought forward by the events recorded since (by any
        process), and copied, so a refused command leaves the cached one as it was.
        """
        thing = {PatientFlow: "flow", CareUnit: "unit"}.get(cls, "municipality")
        aggregate: Any = None
        if aggregate_id is not None:
            try:
                aggregate = self.repository.get(aggregate_id, projector_func=_replay)
            except AggregateNotFoundError:
                aggregate = None
        tenant = getattr(aggregate, "municipality_id", None)
        if not isinstance(aggregate, cls) or (by is not None and tenant != by.municipality_id):
            raise NotFoundError("not_found", thing=thing)
        return aggregate

    def _save(self, *aggregates: Aggregate) -> None:
        created = [
            a
            for a in aggregates
            if a.pending_events and a.pending_events[0].originator_version == 1
        ]
        try:
            self.save(*aggregates)
        except IntegrityError:
            if any(a.id in self.repository for a in created):
                raise DuplicateError("duplicate_id") from None
            raise ConcurrentChangeError("concurrent_change") from None
        if self.repository.cache is not None:
            for aggregate in aggregates:  # as saved: its next use reads no event it made
                self.repository.cache.put(aggregate.id, aggregate)
