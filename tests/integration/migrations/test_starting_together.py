"""Processes that start together on one database: one migrates, the other waits and finds
nothing left to do, neither fails (the way `open_system` starts each server process)."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from typing import Any

from support.state_tables import differences

from access.database import connect
from access.migrations import head, migrate


def migrate_in_own_process(database_url: str, barrier: Any, results: Any) -> None:
    """One process starting: its own engine, migrating the moment the other does."""
    engine = connect(database_url)
    try:
        barrier.wait()
        done = migrate(engine)
        results.put((done.before, done.after))
    except Exception as error:  # reported, so the test fails with the cause
        results.put(f"unexpected {type(error).__name__}: {error}")
    finally:
        engine.dispose()


#: Four, not two, for more chances at the race a CI run once lost: a new SQLite file turned
#: to WAL mode answers "database is locked" at once, without waiting, to a process that
#: finds another holding it (access/database.py asks again).
PROCESSES = 4


def test_processes_migrating_one_empty_database_at_once_all_succeed(
    database_url: str,
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES, timeout=60), context.Queue()
    starting = [
        context.Process(target=migrate_in_own_process, args=(database_url, barrier, results))
        for _ in range(PROCESSES)
    ]
    for process in starting:
        process.start()
    try:
        reports = Counter(results.get(timeout=120) for _ in starting)
    finally:
        for process in starting:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()

    assert [p.exitcode for p in starting] == [0] * PROCESSES
    # one migrated, the others found nothing left to do
    assert reports == Counter([(None, head())] + [(head(), head())] * (PROCESSES - 1))
    engine = connect(database_url)
    try:
        assert differences(engine) == []
    finally:
        engine.dispose()
