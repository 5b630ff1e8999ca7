"""`Figures.read` over every simulated day of a database already made, against a bare
`SELECT *` of the tables it reads, taken in turns so that both see the same load.

Make the database once (about 6 minutes for a year of 100,000 inhabitants):
PASIENTFLYT_DATABASE_URL=sqlite:////tmp/figyear/y.db .venv/bin/pasientflyt simulate --days 365
--inhabitants 100000; then BENCH_FIGURES_DATABASE_URL=sqlite:////tmp/figyear/y.db
.venv/bin/pytest -p no:xdist -p no:randomly -s tests/bench/test_figures_read.py
Skipped without BENCH_FIGURES_DATABASE_URL. BENCH_MUNICIPALITY (9950) is the municipality
simulated, BENCH_RUNS (15) the reads of each kind. `test_simulate.py` times the same after
simulating its own year.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from uuid import UUID

import pytest
from benchkit import Samples, Stats, append_results, measure, print_table
from sqlalchemy import Engine, func, select

from access.database import connect
from flow.municipality import municipality_id
from flow.rates import NATIONAL_DAILY_RATES
from projections.bed_grid import units
from projections.figures import Figures
from projections.leader_figures import homecomings, loops, moves, ready, stays

DATABASE_URL = os.environ.get("BENCH_FIGURES_DATABASE_URL")
MUNICIPALITY = os.environ.get("BENCH_MUNICIPALITY", "9950")
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


@pytest.mark.skipif(DATABASE_URL is None, reason="BENCH_FIGURES_DATABASE_URL is not set")
def test_figures_read_against_a_bare_select() -> None:
    assert DATABASE_URL is not None
    engine = connect(DATABASE_URL)
    tenant = municipality_id(MUNICIPALITY)
    try:
        with engine.connect() as db:
            start, end = db.execute(
                select(func.min(moves.c.day), func.max(moves.c.day)).where(
                    moves.c.municipality_id == tenant
                )
            ).one()
        figures, bare = read_against_bare(engine, tenant, start, end, NATIONAL_DAILY_RATES, RUNS)
    finally:
        engine.dispose()
    rows = [
        Stats.of(f"Figures.read, {start} to {end}", figures),
        Stats.of("baseline: SELECT * of its tables", bare),
    ]
    notes = [
        f"Figures.read p50 {rows[0].p50_ms:.0f} ms (target <= 500 ms for a year), "
        f"{rows[0].p50_ms / rows[1].p50_ms:.2f}x the bare SELECT",
    ]
    print_table("Leader figures on an existing database", rows, notes)
    append_results("figures_read", engine.dialect.name, rows, start=str(start), end=str(end))


def read_against_bare(
    engine: Engine, tenant: UUID, start: date, end: date, rates: Mapping[int, int], runs: int
) -> tuple[Samples, Samples]:
    """`Figures.read` from `start` to `end` read at 20:00 UTC on `end`, and a bare `SELECT *`
    of its tables, in turns, `runs` times each after one of each to warm the cache."""
    now = datetime.combine(end, time(20), tzinfo=UTC)
    tables = [units, ready, stays, homecomings, loops, moves]

    def read(_: int) -> object:
        return Figures.read(engine, tenant, start, end, now, rates, [])

    def bare(_: int) -> None:
        with engine.connect() as db:
            for table in tables:
                db.execute(select(table)).all()

    figures, plain = Samples(), Samples()
    for run in range(runs + 1):
        read_once, bare_once = measure(read, [run]), measure(bare, [run])
        if run:
            figures.extend(read_once)
            plain.extend(bare_once)
    return figures, plain
