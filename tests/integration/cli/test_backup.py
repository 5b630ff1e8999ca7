"""`pasientflyt backup` and `restore` on both stores, as an operator runs them: a store with
patients, backed up with its master keys (sealed under a passphrase, or written apart), is
restored into an empty store and an empty directory and shows the same board, names and
all; a wrong passphrase, a changed file, a store not empty or a keys file that exists is
refused and nothing is written."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support.api_client import reserved_flow
from support.command_line import run
from support.world import World

from access.policy import Viewer
from boards.services import board_reads
from boards.services.system import open_system
from boards.settings import Settings
from flow.municipality import municipality_id

PASSPHRASE = "korrekt hest batteri stift"
KEYS = Path(os.environ["PASIENTFLYT_MASTER_KEYS_FILE"])  # the tests' own (tests/conftest.py)


def board(database_url: str, keys: Path, now: datetime) -> list[tuple[Any, ...]]:
    """Testkommune's allocation board, names and identity numbers read through the keys."""
    system = open_system(Settings(database_url=database_url, master_keys_file=keys))
    try:
        office = Viewer("allocation", municipality_id("9998"), frozenset())
        read = board_reads.allocation_board(system, office, now)
    finally:
        system.close()
    cards = [*read.in_hospital, *read.ready, *read.waiting_for_bed, *read.on_stay]
    return sorted((c.name, c.national_id, c.phase, c.unit_name, c.bed) for c in cards)


@pytest.fixture
def empty_store(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty store of the same kind as the world's, in an empty directory."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'store.db'}"
    create: Callable[[], str] = request.getfixturevalue("create_postgres_database")
    return create()


def with_patients(world: World, database_url: str) -> list[tuple[Any, ...]]:
    reserved_flow(world)
    world.system.projector.catch_up()
    return board(database_url, KEYS, world.clock())


def test_a_backup_with_sealed_keys_restores_into_an_empty_store_as_it_was(
    world: World, database_url: str, empty_store: str, tmp_path: Path
) -> None:
    before = with_patients(world, database_url)
    assert any(name == "Kari Nordmann" for name, *_ in before)
    backup, keys = tmp_path / "backup", tmp_path / "restored" / "keys" / "master.keys"
    sealed = {"PASIENTFLYT_BACKUP_PASSPHRASE": PASSPHRASE}

    made = run(database_url, "backup", str(backup), env=sealed)
    assert made.returncode == 0, made.stderr + made.stdout
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["keys"]["sealed"] == "master.keys.sealed" and manifest["events"] > 0
    assert KEYS.read_bytes() not in (backup / "master.keys.sealed").read_bytes()

    env = {**sealed, "PASIENTFLYT_MASTER_KEYS_FILE": str(keys)}
    restored = run(empty_store, "restore", str(backup), env=env)
    assert restored.returncode == 0, restored.stderr + restored.stdout
    assert keys.stat().st_mode & 0o777 == 0o600
    assert board(empty_store, keys, world.clock()) == before

    again = run(
        empty_store,
        "restore",
        str(backup),
        env={**env, "PASIENTFLYT_MASTER_KEYS_FILE": str(tmp_path / "k2")},
    )
    assert again.returncode == 1 and "ikke tom" in again.stdout, "never over a store in use"


def test_keys_written_apart_come_back_from_where_they_were_kept(
    world: World, database_url: str, empty_store: str, tmp_path: Path
) -> None:
    before = with_patients(world, database_url)
    backup, apart, keys = tmp_path / "backup", tmp_path / "vault", tmp_path / "new.keys"
    made = run(database_url, "backup", str(backup), f"--keys-apart={apart}")
    assert made.returncode == 0, made.stderr + made.stdout
    assert not (backup / "master.keys.sealed").exists() and (apart / "master.keys").exists()

    env = {"PASIENTFLYT_MASTER_KEYS_FILE": str(keys)}
    without = run(empty_store, "restore", str(backup), env=env, stdin="\n")
    assert without.returncode == 1 and not keys.exists()
    restored = run(
        empty_store, "restore", str(backup), f"--keys-from={apart / 'master.keys'}", env=env
    )
    assert restored.returncode == 0, restored.stderr + restored.stdout
    assert board(empty_store, keys, world.clock()) == before


def test_a_wrong_passphrase_or_a_changed_file_restores_nothing(
    world: World, database_url: str, empty_store: str, tmp_path: Path
) -> None:
    with_patients(world, database_url)
    backup, keys = tmp_path / "backup", tmp_path / "new.keys"
    sealed = {"PASIENTFLYT_BACKUP_PASSPHRASE": PASSPHRASE}
    assert run(database_url, "backup", str(backup), env=sealed).returncode == 0
    env = {"PASIENTFLYT_MASTER_KEYS_FILE": str(keys)}

    wrong = run(
        empty_store, "restore", str(backup), env={**env, "PASIENTFLYT_BACKUP_PASSPHRASE": "feil"}
    )
    assert wrong.returncode == 1 and "passfrase" in wrong.stdout.lower()
    assert not keys.exists()

    manifest = json.loads((backup / "manifest.json").read_text())
    dump = backup / manifest["database"]["file"]
    content = bytearray(dump.read_bytes())
    content[len(content) // 2] ^= 0xFF  # one byte of the store changed
    dump.write_bytes(bytes(content))
    changed = run(empty_store, "restore", str(backup), env={**env, **sealed})
    assert changed.returncode == 1 and "stemmer ikke" in changed.stdout
    assert not keys.exists()
    if empty_store.startswith("sqlite"):
        assert not Path(empty_store.removeprefix("sqlite:///")).exists()


def test_a_backup_goes_only_into_a_new_or_empty_directory(
    world: World, database_url: str, tmp_path: Path
) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "noe").write_text("x")
    refused = run(
        database_url, "backup", str(taken), env={"PASIENTFLYT_BACKUP_PASSPHRASE": PASSPHRASE}
    )
    assert refused.returncode == 1 and "ikke tom" in refused.stdout
    assert sorted(p.name for p in taken.iterdir()) == ["noe"]
