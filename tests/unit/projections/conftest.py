"""The read-model tests tell their stories on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.projection_story import Story


@pytest.fixture
def story(sqlite_url: str) -> Iterator[Story]:
    told = Story.on(sqlite_url)
    yield told
    told.system.close()
