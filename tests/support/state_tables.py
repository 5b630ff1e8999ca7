"""The state tables the code declares: every SQLAlchemy `Table` at the top of a module of the
product, but the read models' (projections/, rebuilt from the log, not migrated)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table

PACKAGES = ("flow", "access", "boards", "fixtures")
READ_MODELS = "projections"


def _modules(package: str) -> list[ModuleType]:
    root = importlib.import_module(package)
    found = [root]
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        if ".migrations." not in f"{info.name}.":  # Alembic runs env.py and the revisions
            found.append(importlib.import_module(info.name))
    return found


def _tables(modules: list[ModuleType]) -> dict[int, Table]:
    return {
        id(value): value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, Table)
    }


def state_tables() -> MetaData:
    """A copy of each state table, in one MetaData (for comparing with a database)."""
    read_models = _tables(_modules(READ_MODELS))
    declared = _tables([m for package in PACKAGES for m in _modules(package)])
    metadata = MetaData()
    for key, table in sorted(declared.items(), key=lambda item: item[1].name):
        if key not in read_models:
            table.to_metadata(metadata)
    return metadata


def differences(engine: Engine) -> list[Any]:
    """What Alembic finds between the database and the declared state tables (columns,
    types, indexes, constraints); the other tables (the event store's, the read models')
    are not asked about."""
    declared = state_tables()
    with engine.connect() as db:
        context = MigrationContext.configure(
            db,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _: kind != "table" or name in declared.tables,
            },
        )
        return list(compare_metadata(context, declared))
