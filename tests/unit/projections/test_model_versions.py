"""A read model's tables are its version: each version's columns and indexes are kept in
`model_versions.json`, so that a table changed under the same number (which a rolling
upgrade would serve from a model built by the old code) is red here. A new version is
recorded by adding the entry this test prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from projections.bed_grid import BedGrid
from projections.figures.leader_figures import LeaderFigures
from projections.flow_cards import FlowCards
from projections.projection import Projection
from projections.task_list import TaskList
from projections.versions import VERSIONS, base_of

RECORDED = Path(__file__).with_name("model_versions.json")
MODELS = [FlowCards(), BedGrid(), TaskList(), LeaderFigures()]


def schema(model: Projection) -> dict[str, Any]:
    """The model's tables by the names they have without version: columns and indexes."""
    return {
        base_of(table.name): {
            "columns": [
                f"{column.name} {column.type}"
                + (" NOT NULL" if not column.nullable else "")
                + (" PRIMARY KEY" if column.primary_key else "")
                for column in table.columns
            ],
            "indexes": sorted(
                f"{index.name.removeprefix(table.name)}: {', '.join(c.name for c in index.columns)}"
                for index in table.indexes
                if index.name
            ),
        }
        for table in model.tables
    }


def test_every_model_has_a_version() -> None:
    assert sorted(VERSIONS) == sorted(model.name for model in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.name)
def test_a_model_s_tables_are_those_its_version_was_recorded_with(model: Projection) -> None:
    key = f"{model.name}@{VERSIONS[model.name]}"
    recorded = json.loads(RECORDED.read_text())
    entry = json.dumps({key: schema(model)}, indent=1)
    assert key in recorded, f"a new version: add to {RECORDED.name}:\n{entry}"
    assert recorded[key] == schema(model), (
        f"{model.name}'s tables changed under version {VERSIONS[model.name]}: raise its "
        f"version in projections/versions.py and record it:\n{entry}"
    )
