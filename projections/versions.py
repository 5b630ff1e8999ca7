"""Each read model's version, and the names its tables have in it.

A read model's tables, and what its handlers write in them, are its version: change either
and raise the model's number here. A release with a new version builds it in tables of its
own beside the old ones (`flow_cards_v2` beside `flow_cards`) from the whole log, and its
processes say they are not ready (`/helse/klar`) until the new version has caught up; the
processes of the old release meanwhile go on serving, keeping the old version current. So a
rolling upgrade rebuilds a model without a minute of downtime. An old version that nothing
keeps current any more, its position still while the log goes on for `retire_after`, is
dropped (`Projector.retire_unkept`).

`tests/unit/projections/test_model_versions.py` keeps each version's columns: a table changed
under the same number is red there.
"""

from __future__ import annotations

import re

#: The version of each read model (by its `Projection.name`).
VERSIONS: dict[str, int] = {
    "flow_cards": 1,
    "bed_grid": 1,
    "task_list": 1,
    "leader_figures": 2,
}

_SUFFIX = re.compile(r"_v(\d+)$")


def table_name(base: str, model: str) -> str:
    """The name of the model's table `base` in its version: the first version's tables
    have their bare names, as before models had versions."""
    return versioned(base, VERSIONS[model])


def versioned(base: str, version: int) -> str:
    return base if version == 1 else f"{base}_v{version}"


def base_of(name: str) -> str:
    """A table's name without its version."""
    return _SUFFIX.sub("", name)


def position_key(model: str, version: int) -> str:
    """The model's row in `projection_positions`: its name alone in the first version."""
    return model if version == 1 else f"{model}@v{version}"


def of_key(key: str) -> tuple[str, int]:
    """The model and version of a row in `projection_positions`."""
    model, _, version = key.partition("@v")
    return model, int(version) if version.isdigit() else 1
