"""Done when every broken loop of the demo can be closed by someone from a board, without the
API: each appears, with an action, in the lists a board of some role draws (the office's
panel, a unit's or a zone's board); and a rebuild of the read models changes no list."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

import pytest
from support.read_model_rows import rebuilt

from access.accounts import Role
from access.policy import Viewer
from boards.app import create_app
from boards.services import board_reads
from boards.services.system import System
from boards.services.task_lists import viewer_tasks
from boards.settings import Settings
from fixtures import demo
from flow.municipality import municipality_id
from projections.bed_grid import places
from projections.task_lists import TaskLists

DEMO = municipality_id("9901")


@dataclass
class Demo:
    system: System
    now: datetime


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    database = Path(tmp_path_factory.mktemp("demo-loops")) / "store.db"
    app = create_app(Settings(database_url=f"sqlite:///{database}"))
    system: System = app.state.system
    now = app.state.clock()
    demo.load(system.flows, system.accounts, system.grants, now)
    system.record_overdue_loops(now)  # the deadline process, as the server runs it
    yield Demo(system, now)


def boards_lists(d: Demo) -> dict[str, TaskLists]:
    """The lists every board of the demo draws: the office's, and each unit's and zone's
    as its own member sees it."""
    office = Viewer(Role.ALLOCATION, DEMO, frozenset())
    drawn = {"tildeling": viewer_tasks(d.system, office, d.now)}
    for place in places(d.system.engine, DEMO):
        zone = place.kind == "home_care_zone"
        member = Viewer(Role.HOMECARE if zone else Role.NURSE, DEMO, frozenset({place.id}))
        read = board_reads.zone_board if zone else board_reads.unit_board
        drawn[place.name] = read(d.system, member, place.id, d.now).task_lists
    return drawn


def test_every_broken_loop_of_the_demo_has_an_action_on_some_board(loaded: Demo) -> None:
    broken = board_reads.allocation_board(
        loaded.system, Viewer(Role.ALLOCATION, DEMO, frozenset()), loaded.now
    ).broken_loops
    assert len(broken) > 20
    acted: dict[UUID, set[str]] = {}
    for board, lists in boards_lists(loaded).items():
        for row in lists.rows:
            if row.actions:
                acted.setdefault(row.task_id, set()).add(board)
    closable = {loop.task_id for loop in broken} & set(acted)
    assert closable == {loop.task_id for loop in broken}


def test_a_rebuild_changes_no_list_and_no_order_of_the_broken_loops(loaded: Demo) -> None:
    office = Viewer(Role.ALLOCATION, DEMO, frozenset())
    before = (boards_lists(loaded), _broken(loaded, office))
    rebuilt(loaded.system)
    assert (boards_lists(loaded), _broken(loaded, office)) == before


def _broken(d: Demo, office: Viewer) -> list[UUID]:
    return [b.task_id for b in board_reads.allocation_board(d.system, office, d.now).broken_loops]
