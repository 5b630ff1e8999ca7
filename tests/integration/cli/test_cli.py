"""The command line as a user runs it: a real process on each store."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from support.command_line import CLI, run, stored_events
from support.read_model_rows import snapshot

from boards.app import create_app
from boards.services.system import open_system
from boards.settings import Settings


def test_demo_loads_once_and_a_second_run_adds_nothing(database_url: str) -> None:
    first = run(database_url, "demo")
    assert first.returncode == 0, first.stderr
    assert "Nye kommuner: 2" in first.stdout
    assert "saksbehandler2" in first.stdout and "demo-tildeling" in first.stdout
    after_first = stored_events(database_url)
    assert after_first > 100

    second = run(database_url, "demo")
    assert second.returncode == 0, second.stderr
    assert "Nye kommuner: 0, nye forløp: 0" in second.stdout
    assert stored_events(database_url) == after_first


def test_rebuild_in_processes_makes_the_models_the_live_projector_made(database_url: str) -> None:
    """`pasientflyt rebuild` deals the models to processes, three here on any machine: they
    come out row for row as the projector made them while the log was written."""
    assert run(database_url, "demo").returncode == 0
    system = open_system(Settings(database_url=database_url))
    try:
        system.projector.catch_up()
        before, events = snapshot(system), stored_events(database_url)
        rebuilt = run(database_url, "rebuild", "--processes", "3")
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        assert f"{events} hendelser" in rebuilt.stdout and "3 prosesser" in rebuilt.stdout
        assert snapshot(system) == before
        assert set(system.projector.positions().values()) == {events}
    finally:
        system.close()
    unknown = run(database_url, "rebuild", "flow_cards", "tavla")
    assert unknown.returncode == 1 and "Ukjent lesemodell: tavla" in unknown.stdout


def test_a_printed_token_authenticates_api_calls_as_that_user(sqlite_url: str) -> None:
    assert run(sqlite_url, "demo").returncode == 0
    token = run(sqlite_url, "users", "token", "saksbehandler2").stdout.strip()
    client = TestClient(create_app(Settings(database_url=sqlite_url)))

    units = client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})

    assert units.status_code == 200
    assert [u["name"] for u in units.json()] == ["Havna korttid"]


def test_users_add_creates_a_member_of_a_unit_who_can_get_a_token(sqlite_url: str) -> None:
    assert run(sqlite_url, "demo").returncode == 0
    added = run(
        sqlite_url,
        "users",
        "add",
        "nina",
        "nurse",
        "--municipality",
        "9901",
        "--name",
        "Nina Nattevakt",
        "--unit",
        "FJOR",
        stdin="hemmelig\nhemmelig\n",
    )
    assert added.returncode == 0, added.stderr
    assert "La til nina (nurse) i Demo kommune" in added.stdout
    assert run(sqlite_url, "users", "token", "nina").stdout.strip()


def test_users_refuses_unknown_municipality_and_unknown_user(sqlite_url: str) -> None:
    assert run(sqlite_url, "demo").returncode == 0
    unknown_municipality = run(
        sqlite_url, "users", "add", "x", "nurse", "--municipality", "1234", stdin="pw\npw\n"
    )
    assert unknown_municipality.returncode == 1
    assert "Kommune 1234 finnes ikke" in unknown_municipality.stdout
    unknown_user = run(sqlite_url, "users", "token", "ingen")
    assert unknown_user.returncode == 1
    assert "Ingen bruker heter «ingen»" in unknown_user.stdout


def test_demo_in_a_fresh_checkout_makes_its_var_directory(tmp_path: Path) -> None:
    """As `make run` does in a new clone: the default store, under a var/ not yet there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PASIENTFLYT_")}
    done = subprocess.run(
        [CLI, "demo"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "var" / "pasientflyt.db").exists()
    assert (tmp_path / "var" / "pasientflyt-master.keys").exists()
