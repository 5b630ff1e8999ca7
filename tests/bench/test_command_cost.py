"""One command against a bare INSERT + COMMIT of the same event rows, same store, same run.

The command is `Pasientflyt.decide_service` on a random existing flow, with the application
built as `boards.services.system.open_system` builds it (the checklist catalogue in force,
aggregates kept in memory): it loads the flow and the unit the decision names (each load: the
aggregate kept, brought forward by one query for newer events, and copied; the first load of each: a
snapshot look-up and the events), decides, appends the new event(s) and commits.

The baselines write the very rows each command wrote (same topic and state bytes, same
versions, a fresh originator_id) with the database driver alone, one transaction per command,
on a connection of their own to the same database and events table:

* "library SQL": exactly the statements eventsourcing 9.5.6 sends to append a command's events.
  SQLite (eventsourcing/sqlite.py, SQLiteApplicationRecorder): on a connection opened as the
  library opens it (autocommit mode, WAL, no other pragmas), BEGIN; INSERT INTO stored_events
  VALUES (?,?,?,?) per row; COMMIT. On SQLite that is also the bare INSERT + COMMIT.
  PostgreSQL (eventsourcing/postgres.py, PostgresApplicationRecorder.insert_events): in one
  pipelined transaction, SET LOCAL lock_timeout; LOCK TABLE pasientflyt_events IN EXCLUSIVE
  MODE; NOTIFY pasientflyt_events; INSERT ... SELECT ... FROM unnest(%s::stored_event_uuid[])
  RETURNING notification_id; COMMIT. The lock and the NOTIFY are what this store needs for
  gap-free notification ids and LISTEN/NOTIFY subscriptions, not application work, so the
  ratio against this baseline is the one to judge.
* "bare INSERT" (PostgreSQL only): BEGIN; INSERT ... VALUES (...); COMMIT, pipelined the same
  way, without the lock and the NOTIFY: the literal reading of the issue.

Also timed, to show where a command's time goes: the loads alone (`repository.get` of the flow
and the unit) and the save alone (`app.save` of a flow with one pending event).

The target (command p50 / library-SQL p50 <= 3) is reported, not asserted.
Sizes: BENCH_FLOWS (2000), BENCH_COMMANDS (2000), BENCH_WARMUP (200), BENCH_UNIT_EVENTS (50:
the unit's history, which every decision replays); BENCH_PROFILE=1 adds a cProfile of
BENCH_COMMANDS more commands (stats kept in tests/bench/results/).
Run: .venv/bin/pytest -p no:xdist -s tests/bench
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from benchkit import RESULTS, Samples, Stats, append_results, measure, print_table
from eventsourcing.persistence import StoredEvent
from psycopg import sql
from psycopg.types.composite import CompositeInfo, register_composite
from support.world import open_flows

from fixtures import CHECKLISTS_FILE
from fixtures.demo import synthetic_national_id
from flow import checklist_file
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.flow_values import Decision
from flow.patient_flow import PatientFlow
from flow.store import store_env
from flow.vocabulary import ServiceKind, Source, UnitKind, WaitReason

N_FLOWS = int(os.environ.get("BENCH_FLOWS", "2000"))
N_COMMANDS = int(os.environ.get("BENCH_COMMANDS", "2000"))
N_WARMUP = int(os.environ.get("BENCH_WARMUP", "200"))
# A busy unit gains an event per reservation, arrival, move and release, and is snapshotted
# every 100 events: 50 is the middle of that cycle (each load replays up to 99 events).
UNIT_EVENTS = int(os.environ.get("BENCH_UNIT_EVENTS", "50"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
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
        return (
            f"SQLite {sqlite3.sqlite_version}, journal_mode={journal},"
            f" synchronous={synchronous} (2 = FULL)"
        )

    def count(self) -> int:
        count: int = self.conn.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]
        return count

    def params(self, rows: Sequence[StoredEvent]) -> list[tuple[Any, ...]]:
        fresh = uuid4().hex
        return [(fresh, r.originator_version, r.topic, r.state) for r in rows]

    def insert(self, params: list[tuple[Any, ...]]) -> None:
        cursor = self.conn.cursor()
        cursor.execute("BEGIN")
        for row in params:
            cursor.execute(self.insert_sql, row)
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
        try:
            self._prepare()
        except BaseException:
            self.conn.close()
            raise

    def _prepare(self) -> None:
        # As the library's pool configures each connection.
        self.conn.execute("SET idle_in_transaction_session_timeout = '0ms'")
        self.prelude: list[sql.Composable] = []
        if not self.locked:
            self.insert_sql = sql.SQL(
                "INSERT INTO {} (originator_id, originator_version, topic, state)"
                " VALUES (%s, %s, %s, %s)"
            ).format(self.table)
            return
        info = CompositeInfo.fetch(self.conn, "public.stored_event_uuid")
        assert info is not None
        register_composite(info, self.conn)
        assert info.python_type is not None
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

    def settings(self) -> str:
        shown = []
        for name in ("server_version", "fsync", "synchronous_commit"):
            row = self.conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
            assert row is not None
            shown.append(f"{name}={row[0]}")
        return "PostgreSQL " + ", ".join(shown)

    def count(self) -> int:
        row = self.conn.execute(sql.SQL("SELECT count(*) FROM {}").format(self.table)).fetchone()
        assert row is not None
        count: int = row[0]
        return count

    def params(self, rows: Sequence[StoredEvent]) -> list[tuple[Any, ...]]:
        fresh = uuid4()
        if self.locked:
            events = [self.composite(fresh, r.originator_version, r.topic, r.state) for r in rows]
            return [(events,)]
        return [(fresh, r.originator_version, r.topic, r.state) for r in rows]

    def insert(self, params: list[tuple[Any, ...]]) -> None:
        conn = self.conn
        with conn.pipeline() as pipeline, conn.transaction(), conn.cursor() as cursor:
            for statement in self.prelude:
                cursor.execute(statement, prepare=True)
            if self.locked:
                cursor.execute(self.notify)
            for row in params:
                cursor.execute(self.insert_sql, row)
            pipeline.sync()
            if self.locked:
                cursor.fetchall()

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True)
class Done:
    """What one command did: the flow and its versions before and after."""

    flow_id: UUID
    before: int
    after: int


class Bench:
    """A municipality, a unit and N flows, all with some history, and the timed operations."""

    def __init__(self, app: Pasientflyt, rng: random.Random) -> None:
        self.app = app
        self.rng = rng
        municipality = Actor("bench", "admin", UUID(int=0))
        municipality_id = app.register_municipality("9990", "Benchkommune", by=municipality, at=NOW)
        self.by = Actor("bench", "allocation", municipality_id)
        beds = [str(n) for n in range(1, 21)]
        self.unit_id = app.register_unit(
            "KORT", "Korttid", UnitKind.REHAB, beds, by=self.by, at=NOW
        )
        for version in range(1, UNIT_EVENTS):
            if version % 2:
                app.block_bed(self.unit_id, "20", "Vedlikehold", by=self.by, at=NOW)
            else:
                app.unblock_bed(self.unit_id, "20", by=self.by, at=NOW)
        self.decision = Decision(
            ServiceKind.SHORT_TERM_STAY.value, self.unit_id, None, NOW.date(), None
        )
        self.versions: dict[UUID, int] = {}
        for index in range(N_FLOWS):
            self._open_flow(index)
        self.flow_ids = list(self.versions)
        self.done: list[Done] = []

    def _open_flow(self, index: int) -> None:
        """A hospital patient, admitted, ready for discharge (a checklist opens) and waiting."""
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
        self.versions[flow_id] = app.record_wait_reason(
            flow_id, WaitReason.NO_BED, "", by=by, at=ready
        )

    def command(self, flow_id: UUID) -> None:
        after = self.app.decide_service(flow_id, self.decision, by=self.by, at=NOW)
        self.done.append(Done(flow_id, self.versions[flow_id], after))
        self.versions[flow_id] = after

    def load_only(self, flow_id: UUID) -> None:
        self.app.repository.get(flow_id)
        self.app.repository.get(self.unit_id)

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

    def history_events(self) -> float:
        return sum(self.versions.values()) / len(self.versions)

    def max_notification_id(self) -> int:
        return self.app.recorder.max_notification_id() or 0


def _rows_per_command(bench: Bench, after_id: int) -> list[list[StoredEvent]]:
    """The rows each command of `bench.done` wrote, checked against the versions it reported."""
    expected = sum(d.after - d.before for d in bench.done)
    rows = bench.app.recorder.select_notifications(start=after_id + 1, limit=expected + 1)
    assert len(rows) == expected, "the commands wrote exactly the events they reported"
    groups, at = [], 0
    for done in bench.done:
        assert done.after > done.before, "every command appended an event"
        group = list(rows[at : at + done.after - done.before])
        at += len(group)
        assert [(r.originator_id, r.originator_version) for r in group] == [
            (done.flow_id, v) for v in range(done.before + 1, done.after + 1)
        ]
        assert group[0].topic == DECIDED_TOPIC
        groups.append(group)
    return groups


def _round(
    bench: Bench, baselines: dict[str, SQLiteRows | PostgresRows], n: int
) -> tuple[dict[str, Samples], int]:
    """Time n commands, n loads, n saves, then each baseline on the commands' rows."""
    counter = next(iter(baselines.values()))
    samples: dict[str, Samples] = {}

    bench.done.clear()
    count, after_id = counter.count(), bench.max_notification_id()
    picks = [bench.rng.choice(bench.flow_ids) for _ in range(n)]
    samples["command"] = measure(bench.command, picks)
    assert len(bench.done) == n, "every command succeeded"
    groups = _rows_per_command(bench, after_id)
    events = sum(len(g) for g in groups)
    assert counter.count() == count + events, "the store grew by exactly the commands' events"

    samples["load"] = measure(bench.load_only, [bench.rng.choice(bench.flow_ids) for _ in range(n)])
    pending = bench.pending_flows(n)
    samples["save"] = measure(bench.save_only, pending)
    bench.versions.update((flow.id, flow.version) for flow in pending)

    for name, baseline in baselines.items():
        params = [baseline.params(group) for group in groups]
        count = baseline.count()
        samples[name] = measure(baseline.insert, params)
        assert baseline.count() == count + events
    return samples, events


def _check_rows_are_the_mappers(app: Pasientflyt, row: StoredEvent) -> None:
    """The rows the baselines copy are what the mapper makes of the command's domain event."""
    (decided,) = app.events.get(
        row.originator_id, gt=row.originator_version - 1, lte=row.originator_version
    )
    stored = app.mapper.to_stored_event(decided)
    assert (stored.topic, stored.state) == (row.topic, row.state)


def _load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _profile(bench: Bench, store: str) -> None:
    """Profile N_COMMANDS more commands; print the top and keep the stats for pstats."""
    flow_ids = [bench.rng.choice(bench.flow_ids) for _ in range(N_COMMANDS)]
    profiler = cProfile.Profile()
    profiler.runcall(measure, bench.command, flow_ids)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    out = RESULTS.with_name(f"command_cost_{store}.prof")
    profiler.dump_stats(out)
    print(f"\ncProfile of {N_COMMANDS} commands on {store} (full stats: {out})")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


@pytest.mark.timeout(3600)
def test_command_cost(database_url: str) -> None:
    store = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    env = store_env(database_url)
    app = open_flows(database_url, checklists=checklist_file.load(CHECKLISTS_FILE))
    table = getattr(app.recorder, "events_table_name", None)
    baselines: dict[str, SQLiteRows | PostgresRows] = {}
    try:
        load_before = _load_average()
        started = time.perf_counter()
        bench = Bench(app, random.Random(f"bench/{store}"))
        setup_s = time.perf_counter() - started
        history = bench.history_events()

        if store == "sqlite":
            assert table == "stored_events"
            baselines["library SQL"] = SQLiteRows(env["SQLITE_DBNAME"])
        else:
            assert table == "pasientflyt_events"
            baselines["library SQL"] = PostgresRows(database_url, locked=True)
            baselines["bare INSERT"] = PostgresRows(database_url, locked=False)
        store_settings = next(iter(baselines.values())).settings()

        _round(bench, baselines, N_WARMUP)
        totals: dict[str, Samples] = {}
        events = 0
        for _ in range(ROUNDS):
            samples, written = _round(bench, baselines, N_COMMANDS // ROUNDS)
            events += written
            for name, timed in samples.items():
                totals.setdefault(name, Samples()).extend(timed)
        last = bench.done[-1]
        (row,) = app.recorder.select_events(last.flow_id, gt=last.before, lte=last.before + 1)
        _check_rows_are_the_mappers(app, row)
        load_after = _load_average()
        if PROFILE:
            _profile(bench, store)
    finally:
        app.close()
        for baseline in baselines.values():
            baseline.close()

    commands = len(totals["command"].latencies_ns)
    labels = {
        "command": "command: decide_service (load flow + unit, decide, append, commit)",
        "load": "  part: load only (repository.get flow + unit)",
        "save": "  part: save only (app.save, one event)",
        "library SQL": (
            "baseline: library SQL = bare (BEGIN; INSERT; COMMIT)"
            if store == "sqlite"
            else "baseline: library SQL (LOCK + NOTIFY + INSERT, COMMIT)"
        ),
        "bare INSERT": "baseline: bare INSERT + COMMIT (no lock, no NOTIFY)",
    }
    rows = [Stats.of(labels[name], timed) for name, timed in totals.items()]
    stats = {name: Stats.of(name, timed) for name, timed in totals.items()}
    command = stats["command"]
    ratios = {
        name: {
            "p50": command.p50_ms / stats[name].p50_ms,
            "throughput": stats[name].per_s / command.per_s,
        }
        for name in baselines
    }
    notes = [
        f"store: {store_settings}",
        f"data: {N_FLOWS} flows of {history:.1f} events on average and a unit of"
        f" {max(UNIT_EVENTS, 1)} event(s) before the run"
        f" (setup {setup_s:.1f} s); {events / commands:.2f} events per command;"
        f" {N_WARMUP} warm-up operations per row discarded, {ROUNDS} interleaved rounds timed",
        f"machine: {os.cpu_count()} CPUs, load average {load_before} before, {load_after} after"
        " (other work on the machine skews the figures, SQLite's fsync-bound commits most)",
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
        unit_events=max(UNIT_EVENTS, 1),
        commands=commands,
        events_per_command=events / commands,
        ratios=ratios,
        load_average={"before": load_before, "after": load_after},
    )
