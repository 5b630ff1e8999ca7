"""A process of its own keeps the read models it is given, and refuses a model that is not
one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from boards.services.projecting import ProjectorProcessError, projector_process
from boards.services.system import open_system
from boards.settings import Settings
from fixtures.simulation.run import simulate
from projections.flow_cards import FlowCards
from projections.task_list import TaskList


def test_it_keeps_the_named_models_to_the_head_of_the_log(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'kept.db'}")
    system = open_system(settings)
    try:
        with projector_process(settings, [FlowCards.name]):
            system.projector.catch_up = lambda *names, **_: 0  # type: ignore[method-assign]
            simulate(system, days=4, inhabitants=5000, seed=3, start=date(2026, 3, 2))
        at = system.projector.positions()
        head = system.flows.recorder.max_notification_id()
    finally:
        system.close()
    assert head and at[FlowCards.name] == head and at[TaskList.name] == 0


def test_a_model_that_is_none_is_refused(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'none.db'}")
    with pytest.raises(ProjectorProcessError), projector_process(settings, ["no_such_model"]):
        pass
