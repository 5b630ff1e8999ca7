"""One command against a bare INSERT + COMMIT of the same event row, same store, same run.

The command is `Pasientflyt.decide_service` on a random existing flow: it loads the unit the
decision names (the check) and the flow (no aggregate cache: events, and a snapshot look-up,
for each), decides, appends one `ServiceDecided` event and commits.

The baselines write the very rows those commands wrote (same topic and state bytes, same
version, a fresh originator_id) with the database driver alone, one transaction per row, on a
connection of their own to the same database and table:

* "library SQL": exactly the statements eventsourcing 9.5.6 sends to append one event.
  SQLite (eventsourcing/sqlite.py, SQLiteApplicationRecorder): on a connection opened as the
  library opens it (autocommit mode, WAL, no other pragmas), BEGIN; INSERT INTO stored_events
  VALUES (?,?,?,?); COMMIT. That is also the bare INSERT + COMMIT.
  PostgreSQL (eventsourcing/postgres.py, PostgresApplicationRecorder.insert_events): in one
  pipelined transaction, SET LOCAL lock_timeout; LOCK TABLE pasientflyt_events IN EXCLUSIVE
  MODE; NOTIFY pasientflyt_events; INSERT ... SELECT ... FROM unnest(%s::stored_event_uuid[])
  RETURNING notification_id; COMMIT. The lock and the NOTIFY are what the store needs for
  gap-free notification ids and LISTEN/NOTIFY subscriptions, not application work, so the
  ratio is taken against this one.
* "bare INSERT" (PostgreSQL only): BEGIN; INSERT ... VALUES (...); COMMIT, pipelined the same
  way, without the lock and the NOTIFY: the literal reading of the issue.

Also timed, to show where a command's time goes: the two loads alone (`repository.get` of the
unit and the flow) and the save alone (`app.save` of a flow with one pending event).

The target (command p50 / library-SQL p50 <= 3) is reported, not asserted.
Sizes: BENCH_FLOWS (2000), BENCH_COMMANDS (2000), BENCH_WARMUP (200).
Run: .venv/bin/pytest -p no:xdist -s tests/bench
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from benchkit import Samples, Stats, append_results, measure, print_table
from eventsourcing.persistence import StoredEvent
from psycopg import sql
from psycopg.types.composite import CompositeInfo, register_composite

from fixtures.demo import synthetic_national_id
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.patient_flow import Decision, PatientFlow
from flow.store import store_env
from flow.vocabulary import ServiceKind, Source, UnitKind, WaitReason

N_FLOWS = int(os.environ.get("BENCH_FLOWS", "2000"))
N_COMMANDS = int(os.environ.get("BENCH_COMMANDS", "2000"))
N_WARMUP = int(os.environ.get("BENCH_WARMUP", "200"))
ROUNDS = 4  # the rows are timed in interleaved rounds, so drift hits them all alike
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DECIDED_TOPIC = "flow.patient_flow:PatientFlow.ServiceDecided"


class SQLiteRows:
    """Append rows as SQLiteApplicationRecorder does, on a connection opened as it does."""

    def __init__(self, path: str) -> None:
        self.table = "stored_events"
        self.conn = sqlite3.connect(
            path,
            uri=True,
            check_same_thread=False,
            isolation_level=None,
            cached_statements=True,
            timeout=10,
        )
        self.insert_sql = f"INSERT INTO {self.table} VALUES (?,?,?,?)"

    def settings(self) -> str:
        journal = self.conn.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = self.conn.execute("PRAGMA synchronous").fetchone()[0]
        return f"journal_mode={journal}, synchronous={synchronous} (2 = FULL)"

    def count(self) -> int:
        count: int = self.conn.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]
        return count

    def params(self, row: StoredEvent) -> tuple[Any, ...]:
        return (uuid4().hex, row.originator_version, row.topic, row.state)

    def insert(self, params: tuple[Any, ...]) -> None:
        cursor = self.conn.cursor()
        cursor.execute("BEGIN")
        cursor.execute(self.insert_sql, params)
        self.conn.commit()
        cursor.close()

    def close(self) -> None:
        self.conn.close()


class PostgresRows:
    """Append rows as PostgresApplicationRecorder does (`locked`), or with a plain INSERT."""

    def __init__(self, url: str, *, locked: bool) -> None:
        self.table = sql.Identifier("public", "pasientflyt_events")
        self.locked = locked
        self.conn = psycopg.connect(url, autocommit=True)
        # As the library's pool configures each connection.
        self.conn.execute("SET idle_in_transaction_session_timeout = '0ms'")
        self.prelude: list[sql.Composed | sql.SQL] = []
        if locked:
            info = CompositeInfo.fetch(self.conn, "public.stored_event_uuid")
            assert info is not None and info.python_type is not None
            register_composite(info, self.conn)
            self.composite = info.python_type
            self.prelude = [
                sql.SQL("SET LOCAL lock_timeout = '10s'"),
                sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(self.table),
            ]
            self.notify = sql.SQL("NOTIFY {}").format(sql.Identifier("pasientflyt_events"))
            self.insert_sql = sql.SQL(
                "INSERT INTO {} AS t (originator_id, originator_version, topic, state)"
                " SELECT originator_id, originator_version, topic, state"
                " FROM unnest(%s::public.stored_event_uuid[]) RETURNING notification_id"
            ).format(self.table)
        else:
            self.insert_sql = sql.SQL(
                "INSERT INTO {} (originator_id, originator_version, topic, state)"
                " VALUES (%s, %s, %s, %s)"
            ).format(self.table)

    def settings(self) -> str:
        shown = [
            f"{name}={self.conn.execute(sql.SQL('SHOW {}').format(sql.Identifier(name))).fetchone()[0]}"  # noqa: E501
            for name in ("server_version", "fsync", "synchronous_commit")
        ]
        return ", ".join(shown)

    def count(self) -> int:
        row = self.conn.execute(sql.SQL("SELECT count(*) FROM {}").format(self.table)).fetchone()
        assert row is not None
        count: int = row[0]
        return count

    def params(self, row: StoredEvent) -> tuple[Any, ...]:
        if self.locked:
            return ([self.composite(uuid4(), row.originator_version, row.topic, row.state)],)
        return (uuid4(), row.originator_version, row.topic, row.state)

    def insert(self, params: tuple[Any, ...]) -> None:
        conn = self.conn
        with conn.pipeline() as pipeline, conn.transaction(), conn.cursor() as cursor:
            for statement in self.prelude:
                cursor.execute(statement, prepare=True)
            if self.locked:
                cursor.execute(self.notify)
            cursor.execute(self.insert_sql, params)
            pipeline.sync()
            if self.locked:
                cursor.fetchall()

    def close(self) -> None:
        self.conn.close()


class Bench:
    """A municipality, a unit and N flows with a few events each, and the timed operations."""

    def __init__(self, app: Pasientflyt, rng: random.Random) -> None:
        self.app = app
        self.rng = rng
        municipality = Actor("bench", "admin", UUID(int=0))
        municipality_id = app.register_municipality("9990", "Benchkommune", by=municipality, at=NOW)
        self.by = Actor("bench", "allocation", municipality_id)
        beds = [str(n) for n in range(1, 21)]
        self.unit_id = app.register_unit("KORT", "Korttid", UnitKind.REHAB, beds, by=self.by, at=NOW)
        self.decision = Decision(
            ServiceKind.SHORT_TERM_STAY.value, self.unit_id, None, NOW.date(), None
        )
        self.flow_ids = [self._open_flow(i) for i in range(N_FLOWS)]

    def _open_flow(self, index: int) -> UUID:
        """A hospital patient, admitted, ready for discharge and waiting: four events."""
        app, by, rng = self.app, self.by, self.rng
        at = NOW - timedelta(days=10, minutes=index)
        flow_id = app.open_flow(
            synthetic_national_id(rng),
            f"Pasient {index}",
            Source.HOSPITAL,
            "Sykehuset Bench, medisinsk avd.",
            "Rehabilitering etter fall",
            by=by,
            at=at,
        )
        app.notify_admission(flow_id, "Sykehuset Bench", at, by=by, at=at)
        ready = at + timedelta(days=2)
        app.notify_ready_for_discharge(flow_id, ready, False, by=by, at=ready)
        app.record_wait_reason(flow_id, WaitReason.NO_BED, "", by=by, at=ready)
        return flow_id

    def command(self, flow_id: UUID) -> None:
        version = self.app.decide_service(flow_id, self.decision, by=self.by, at=NOW)
        assert version > 4

    def load_only(self, flow_id: UUID) -> None:
        self.app.repository.get(self.unit_id)
        self.app.repository.get(flow_id)

    def save_only(self, flow: PatientFlow) -> None:
        self.app.save(flow)

    def pending_flows(self, n: int) -> list[PatientFlow]:
        """Distinct flows, loaded and decided but not saved (so `save` has one event each)."""
        flows = []
        for flow_id in self.rng.sample(self.flow_ids, n):
            flow = self.app.repository.get(flow_id)
            assert isinstance(flow, PatientFlow)
            flow.decide_service(self.decision, by=self.by, at=NOW)
            flows.append(flow)
        return flows

    def max_notification_id(self) -> int:
        return self.app.recorder.max_notification_id() or 0


def _round(
    bench: Bench, baselines: dict[str, SQLiteRows | PostgresRows], n: int
) -> dict[str, Samples]:
    """Time n commands, n loads, n saves, then n rows per baseline from the commands' rows."""
    app, counter = bench.app, next(iter(baselines.values()))
    samples: dict[str, Samples] = {}

    before_count, before_id = counter.count(), bench.max_notification_id()
    flow_ids = [bench.rng.choice(bench.flow_ids) for _ in range(n)]
    samples["command"] = measure(bench.command, flow_ids)
    assert counter.count() == before_count + n, "every command appends exactly one event"
    rows: Sequence[StoredEvent] = app.recorder.select_notifications(start=before_id + 1, limit=n)
    assert len(rows) == n and {r.topic for r in rows} == {DECIDED_TOPIC}
    assert [r.originator_id for r in rows] == flow_ids

    samples["load"] = measure(bench.load_only, [bench.rng.choice(bench.flow_ids) for _ in range(n)])
    samples["save"] = measure(bench.save_only, bench.pending_flows(n))

    for name, baseline in baselines.items():
        params = [baseline.params(row) for row in rows]
        before_count = baseline.count()
        samples[name] = measure(baseline.insert, params)
        assert baseline.count() == before_count + n
    return samples


def _check_rows_are_the_mappers(app: Pasientflyt) -> None:
    """The rows the baselines copy are what the mapper makes of the command's domain event."""
    last_id = app.recorder.max_notification_id()
    assert last_id is not None
    (row,) = app.recorder.select_notifications(start=last_id, limit=1)
    (decided,) = app.events.get(
        row.originator_id, gt=row.originator_version - 1, lte=row.originator_version
    )
    stored = app.mapper.to_stored_event(decided)
    assert (stored.topic, stored.state) == (row.topic, row.state)


@pytest.mark.timeout(3600)
def test_command_cost(database_url: str) -> None:
    store = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    env = store_env(database_url)
    app = Pasientflyt(env=env)
    baselines: dict[str, SQLiteRows | PostgresRows] = {}
    try:
        started = time.perf_counter()
        bench = Bench(app, random.Random(f"bench/{store}"))
        setup_s = time.perf_counter() - started

        if store == "sqlite":
            assert app.recorder.events_table_name == "stored_events"  # type: ignore[attr-defined]
            baselines["library SQL"] = SQLiteRows(env["SQLITE_DBNAME"])
        else:
            assert app.recorder.events_table_name == "pasientflyt_events"  # type: ignore[attr-defined]  # noqa: E501
            baselines["library SQL"] = PostgresRows(database_url, locked=True)
            baselines["bare INSERT"] = PostgresRows(database_url, locked=False)
        store_settings = next(iter(baselines.values())).settings()

        _round(bench, baselines, N_WARMUP)
        totals: dict[str, Samples] = {}
        for _ in range(ROUNDS):
            for name, samples in _round(bench, baselines, N_COMMANDS // ROUNDS).items():
                totals.setdefault(name, Samples()).extend(samples)
        _check_rows_are_the_mappers(app)
    finally:
        app.close()
        for baseline in baselines.values():
            baseline.close()

    labels = {
        "command": "command: decide_service (load unit + flow, decide, append, commit)",
        "load": "  part: load only (repository.get unit + flow)",
        "save": "  part: save only (app.save, one event)",
        "library SQL": (
            "baseline: library SQL (BEGIN; INSERT; COMMIT)"
            if store == "sqlite"
            else "baseline: library SQL (LOCK + NOTIFY + INSERT, COMMIT)"
        ),
        "bare INSERT": "baseline: bare INSERT + COMMIT (no lock, no NOTIFY)",
    }
    rows = [Stats.of(labels[name], samples) for name, samples in totals.items()]
    stats = {name: Stats.of(name, samples) for name, samples in totals.items()}
    command = stats["command"]
    ratios = {
        name: {
            "p50": command.p50_ms / stats[name].p50_ms,
            "throughput": stats[name].per_s / command.per_s,
        }
        for name in baselines
    }
    notes = [
        f"store: {settings_line}"
        for settings_line in [store_settings, f"{N_FLOWS} flows of 4 events, setup {setup_s:.1f} s"]
    ]
    for name, ratio in ratios.items():
        notes.append(
            f"ratio command / {name}: p50 {ratio['p50']:.2f}x, "
            f"throughput {ratio['throughput']:.2f}x  (target <= 3)"
        )
    print_table(f"Command cost on {store}", rows, notes)
    append_results(
        "command_cost",
        store,
        rows,
        settings=store_settings,
        flows=N_FLOWS,
        commands=N_COMMANDS,
        ratios=ratios,
    )
