"""A simulated year of a 100,000-inhabitant municipality on SQLite, and the leader figures
read over that year.

Simulation: `simulate` as `pasientflyt simulate` runs it (every command through the
application service, each its own transaction, hospital messages through the ingest, the
task list caught up for the deadline process every four hours, the other read models at the
end). Reported: total time and events/s (target: the year in at most 90 s, issue 27), and the
ingest's own messages/s within it. BENCH_PROJECTOR=apart keeps the other read models in a
process of their own beside it, as a deployment may run them (`boards/services/projecting.py`);
on this 2-core machine under load that was slower (docs/benchmarks.md).
The simulation's SQLite commits are not flushed one by one, as `pasientflyt simulate` runs it
(`synchronous=NORMAL`, `access.database.connect`); BENCH_DURABLE=1 flushes each, as a real
municipality's (`synchronous=FULL`), the baseline alike.
Baseline, same run: the simulation's events stored again in an empty SQLite store, one
insert per run of one aggregate's events (about one per save), with nothing else: no
domain logic, no ingest, no read model, no loading. The ratio is what the application does
per event on top of storing it.

Figures: `Figures.read` for the whole year, p50 of several runs (issue 10's target: at most
500 ms), against a bare `SELECT *` of the tables it reads, the two taken in turns.

Sizes: BENCH_INHABITANTS (100,000), BENCH_DAYS (365). Run:
.venv/bin/pytest -p no:xdist -p no:randomly -s tests/bench/test_simulate.py
"""

from __future__ import annotations

import itertools
import os
import time
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import pytest
from benchkit import Samples, Stats, append_results, measure, print_table
from sqlalchemy import select

from boards.services.projecting import projector_process
from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.simulation.run import simulate
from flow.municipality import municipality_id
from projections.bed_grid import units
from projections.figures.leader_figures import homecomings, loops, moves, stays
from projections.figures.report import Figures
from projections.ready_periods import periods
from projections.task_list import TaskList

INHABITANTS = int(os.environ.get("BENCH_INHABITANTS", "100000"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
APART = os.environ.get("BENCH_PROJECTOR", "here") == "apart"
DURABLE = os.environ.get("BENCH_DURABLE", "") == "1"
START = date(2026, 1, 5)
FIGURE_RUNS = 7
TARGET_SECONDS = 90


@pytest.mark.timeout(3600)
def test_a_simulated_year_and_its_figures(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'year.db'}")
    system = open_system(settings, durable=DURABLE)
    try:
        ingest = _timed(system)
        # The task list stays with the simulation, whose deadline process catches it up.
        others = [name for name in system.projector.projections if name != TaskList.name]
        with projector_process(settings, others, durable=DURABLE) if APART else nullcontext():
            summary = simulate(system, days=DAYS, inhabitants=INHABITANTS, seed=1, start=START)
        stored = _baseline(system, tmp_path / "baseline.db")
        figures, bare = _figures(system)
    finally:
        system.close()

    per_s = summary.events_per_second
    messages = len(ingest.latencies_ns)
    rows = [
        Stats.of("Figures.read, the whole year", figures),
        Stats.of("baseline: SELECT * of its tables", bare),
        Stats.of("ingest within the simulation", ingest),
    ]
    where = "a process of their own" if APART else "the simulation's process"
    notes = [
        f"simulated {DAYS} days of {INHABITANTS:,} inhabitants: {summary.events:,} events, "
        f"{summary.flows:,} flows, {summary.stays:,} stays, {messages:,} messages "
        f"in {summary.seconds:.1f} s = {per_s:,.0f} events/s, read models in {where}, "
        f"synchronous={'FULL' if DURABLE else 'NORMAL'} "
        f"(target: the year in <= {TARGET_SECONDS} s: "
        f"{'met' if summary.seconds <= TARGET_SECONDS else 'missed'})",
        f"baseline: the same events stored again, nothing else: {stored:,.0f} events/s "
        f"({stored / per_s:.1f}x the simulation's rate)",
        f"loops: {dict(summary.loops)}; messages: {dict(summary.messages)}",
        f"Figures.read p50 {rows[0].p50_ms:.0f} ms (target <= 500 ms), "
        f"{rows[0].p50_ms / rows[1].p50_ms:.1f}x the bare SELECT",
    ]
    print_table("A simulated year (SQLite)", rows, notes)
    append_results(
        "simulate",
        "sqlite",
        rows,
        days=DAYS,
        inhabitants=INHABITANTS,
        events=summary.events,
        seconds=summary.seconds,
        events_per_s=per_s,
        baseline_events_per_s=stored,
        ratio=stored / per_s,
        projector="apart" if APART else "here",
        synchronous="FULL" if DURABLE else "NORMAL",
        messages_per_s=rows[2].per_s,
    )
    assert summary.events > 0 and messages > 0


def _timed(system: System) -> Samples:
    """Time every message the simulation sends through the ingest."""
    samples = Samples()
    ingest = system.hospital_messages.ingest

    def timed(*args: Any) -> Any:
        before = time.perf_counter_ns()
        answer = ingest(*args)
        took = time.perf_counter_ns() - before
        samples.latencies_ns.append(took)
        samples.wall_ns += took
        return answer

    system.hospital_messages.ingest = timed  # type: ignore[method-assign]
    return samples


def _baseline(system: System, path: Path) -> float:
    """Events/s of storing the simulated log again, one insert per aggregate's run."""
    recorder = system.flows.recorder
    notifications = recorder.select_notifications(None, 10_000_000)
    runs = [list(g) for _, g in itertools.groupby(notifications, lambda n: n.originator_id)]
    empty = open_system(Settings(database_url=f"sqlite:///{path}"), durable=DURABLE)
    try:
        started = time.perf_counter()
        for run in runs:
            empty.flows.recorder.insert_events(run)
        seconds = time.perf_counter() - started
    finally:
        empty.close()
    return len(notifications) / seconds


def _figures(system: System) -> tuple[Samples, Samples]:
    """`Figures.read` of the year read at 20:00 UTC on its last day (the whole months over by
    then), and a bare `SELECT *` of its tables, in turns, FIGURE_RUNS times each after one of
    each to warm the cache."""
    end = START + timedelta(days=DAYS - 1)
    tenant = municipality_id("9950")
    rates = system.rates.of(tenant)  # as the figures page reads them
    now = datetime.combine(end, dt_time(20), tzinfo=UTC)
    tables = [units, periods, stays, homecomings, loops, moves]

    def read(_: int) -> object:
        return Figures.read(system.engine, tenant, START, end, now, rates, [])

    def bare(_: int) -> None:
        with system.engine.connect() as db:
            for table in tables:
                db.execute(select(table)).all()

    figures, plain = Samples(), Samples()
    for run in range(FIGURE_RUNS + 1):
        read_once, bare_once = measure(read, [run]), measure(bare, [run])
        if run:
            figures.extend(read_once)
            plain.extend(bare_once)
    return figures, plain
