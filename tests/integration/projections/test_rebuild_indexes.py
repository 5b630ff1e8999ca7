"""A rebuild makes its tables' secondary indexes at its end; one killed before it leaves
them out. While a rebuild runs (in any process) they stay as it has them; once none runs, the
servers give them back (the follower calls `Projector.repair_indexes`), so no server goes on
scanning whole tables. On a real SQLite file and on PostgreSQL, with the rebuilding process
a real one, killed with SIGKILL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import inspect, text
from support.world import World

from projections.flow_cards import cards

HOLD = """
import sys, time
from access.database import connect
from access.rebuild_lease import rebuild_lease
with rebuild_lease(connect(sys.argv[1])):
    print("held", flush=True)
    time.sleep(600)
"""


def indexes(world: World) -> set[str]:
    return {i["name"] for i in inspect(world.system.engine).get_indexes(cards.name)}


@contextmanager
def rebuilding_elsewhere(database_url: str) -> Iterator[subprocess.Popen[str]]:
    """Another process, holding the rebuild's lease until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, database_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "held"
        yield process
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_the_indexes_a_killed_rebuild_left_out_come_back_once_no_rebuild_runs(
    world: World, database_url: str
) -> None:
    declared = {index.name for index in cards.indexes}
    assert declared <= indexes(world)
    with world.system.engine.begin() as db:  # as a rebuild leaves its tables while it fills them
        for name in declared:
            db.execute(text(f'DROP INDEX "{name}"'))

    with rebuilding_elsewhere(database_url) as rebuild:
        world.system.projector.repair_indexes()
        assert indexes(world) & declared == set()  # the rebuild's to make, while it runs
        rebuild.kill()
        rebuild.wait()

        world.system.projector.repair_indexes()

    assert declared <= indexes(world)
