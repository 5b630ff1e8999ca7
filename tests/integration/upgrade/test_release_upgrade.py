"""An upgrade from the release of 2026-12-06 with its data: the SQLite file and the PostgreSQL
dump that release's own code wrote (`tests/releases/2026-12-06`, made by
`support.releases.make` at commit bd14527) opened by today's code.

What every demo user's API pages answered then, they answer now: each value the release gave
is there with the same value (a field added since is no difference). Every event in the
release's log reads as an event of today's code with each of its fields (a field added to an
event without an upcaster fails here), and every aggregate replays.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
from support.releases import (
    KEYS_FILE,
    READS,
    read_boards,
    release_reads,
    restore_postgres,
    restored_sqlite,
)

from boards.services.system import open_system
from boards.settings import Settings

RELEASE = Path(__file__).parents[2] / "releases" / "2026-12-06"


def test_the_release_s_sqlite_file_reads_as_it_did(tmp_path: Path) -> None:
    url, keys = restored_sqlite(RELEASE, tmp_path), _keys(tmp_path)
    assert_events_whole(url, keys)
    assert_reads_as_before(read_boards(url, keys), release_reads(RELEASE / READS["sqlite"]))


@pytest.mark.postgres
def test_the_release_s_postgresql_dump_reads_as_it_did(tmp_path: Path, postgres_url: str) -> None:
    restore_postgres(RELEASE, postgres_url)
    keys = _keys(tmp_path)
    assert_events_whole(postgres_url, keys)
    assert_reads_as_before(
        read_boards(postgres_url, keys), release_reads(RELEASE / READS["postgresql"])
    )


def _keys(directory: Path) -> Path:
    keys = directory / KEYS_FILE
    shutil.copyfile(RELEASE / KEYS_FILE, keys)
    keys.chmod(0o600)
    return keys


def assert_events_whole(database_url: str, keys: Path) -> None:
    """Every stored event decodes to today's class with every field the class has, and
    every aggregate in the log replays from its events."""
    system = open_system(Settings(database_url=database_url, master_keys_file=keys))
    try:
        flows = system.flows
        notifications = flows.recorder.select_notifications(start=None, limit=10**7)
        assert len(notifications) > 1000
        originators = set()
        for notification in notifications:
            event = flows.mapper.to_domain_event(notification)
            fields = {field.name for field in dataclasses.fields(type(event))}
            assert fields <= set(vars(event)), (notification.topic, fields - set(vars(event)))
            originators.add(event.originator_id)
        for originator in originators:
            flows.repository.get(originator)
    finally:
        system.close()


def assert_reads_as_before(now: dict[str, Any], then: dict[str, Any]) -> None:
    differences = list(_differences(then, now, ""))
    assert not differences, f"{len(differences)} differences, the first: {differences[:5]}"


def _differences(then: Any, now: Any, where: str) -> Any:
    """Where `now` lacks or changes a value `then` had."""
    if isinstance(then, dict) and isinstance(now, dict):
        for key, value in then.items():
            if key not in now:
                yield f"{where}/{key}: gone"
            else:
                yield from _differences(value, now[key], f"{where}/{key}")
    elif isinstance(then, list) and isinstance(now, list) and len(then) == len(now):
        for index, (old, new) in enumerate(zip(then, now, strict=True)):
            yield from _differences(old, new, f"{where}[{index}]")
    elif then != now:
        yield f"{where}: {then!r} → {now!r}"
