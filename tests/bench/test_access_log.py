"""What one board view's access-log write costs as the log grows, on SQLite.

A viewer of the allocation board with 2,000 patients writes 2,000 looks per view (one row
per patient, `AccessLog.record`). The write is timed when the log holds few rows and again
after each block of views, against a baseline measured at the same sizes: the same 2,000
rows into a table of the same columns with no secondary index (the log keeps one, by
`(user_id, at)`), which is what an append costs when no index has to find room for its keys.

The looks are indexed by flow behind the writes (`AccessLog.index_by_flow`, about once a
minute in a server): after each size's timed views, indexing those views' 20,000 looks is
timed once, with the index as large as the log.

Run: .venv/bin/pytest -p no:xdist -p no:randomly -s tests/bench/test_access_log.py
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from benchkit import Samples, Stats, append_results, measure, print_table
from sqlalchemy import Column, MetaData, Table
from support.stores import migrated

from access.access_log import AccessLog, access_log
from access.accounts import User
from access.database import create_tables, insert_rows

LOOKS = 2_000  # patients on the board
SIZES = (0, 50, 200, 400)  # views written before each measurement
TIMED = 10

bare = Table(
    "access_log_bare",
    MetaData(),
    *[Column(c.name, c.type, primary_key=c.primary_key) for c in access_log.columns],
)


def test_a_board_views_looks_against_an_append_without_indexes(tmp_path: Path) -> None:
    engine = migrated(f"sqlite:///{tmp_path / 'log.db'}")
    log = AccessLog(engine)
    create_tables(engine, [bare])
    viewer = User(uuid.uuid4(), uuid.uuid4(), "saksbehandler", "S", "allocation", [])
    flows = [uuid.uuid4() for _ in range(LOOKS)]
    at = datetime(2026, 3, 2, 8, tzinfo=UTC)

    def bare_write(_: int) -> None:
        rows = [
            {
                "municipality_id": viewer.municipality_id,
                "flow_id": f,
                "user_id": viewer.id,
                "role": "allocation",
                "view": "tildeling",
                "basis": "role",
                "at": at,
            }
            for f in flows
        ]
        with engine.begin() as db:
            insert_rows(db, bare, rows)

    rows, written = [], 0
    for size in SIZES:
        while written < size:
            log.record(viewer, flows, "tildeling", at)
            bare_write(0)
            written += 1
        log.index_by_flow()
        logged: Samples = measure(
            lambda _: log.record(viewer, flows, "tildeling", at), range(TIMED)
        )
        baseline: Samples = measure(bare_write, range(TIMED))
        indexed: Samples = measure(lambda _: log.index_by_flow(), range(1))
        written += TIMED
        held = written * LOOKS
        rows += [
            Stats.of(f"record 2,000 looks, log of {held - TIMED * LOOKS:,} rows", logged),
            Stats.of(f"baseline: append without indexes, {held - TIMED * LOOKS:,} rows", baseline),
            Stats.of(f"  index {TIMED * LOOKS:,} looks by flow (one run)", indexed),
        ]
    load = os.getloadavg()[0]
    print_table(
        "Access log: one view of a 2,000-patient board, SQLite (WAL, synchronous=FULL)",
        rows,
        [f"{TIMED} writes a size; load average {load:.1f}", "ratio = record / baseline, p50"]
        + [
            f"  {rows[i].name}: {rows[i].p50_ms / rows[i + 1].p50_ms:.1f}x"
            for i in range(0, len(rows), 3)
        ],
    )
    append_results("access_log", "sqlite", rows, load=load)
