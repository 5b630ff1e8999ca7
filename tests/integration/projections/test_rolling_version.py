"""A rolling upgrade that raises a read model's version, with real server processes on one
store: the running release's server serves throughout; the new release's server builds the
new version in tables of its own, says it is ready once they have caught up, and answers as
the old one does; when the old server is gone and the log goes on, the old version's tables
are dropped."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import create_engine, inspect, text
from support import command_line
from support.world import server_process

from access.database import sqlalchemy_url

NEWER = [sys.executable, str(Path(__file__).parents[2] / "support" / "newer_models.py")]
BOARD = "/api/v1/boards/allocation"


def test_a_new_read_model_version_is_built_beside_the_old_while_the_old_serves(
    database_url: str, tmp_path: Path
) -> None:
    settings = {
        "master_keys_file": str(tmp_path / "master.keys"),
        "access_index_seconds": "0.2",
        "retire_after": "PT2S",
    }
    env = {f"PASIENTFLYT_{name.upper()}": value for name, value in settings.items()}
    assert command_line.run(database_url, "demo", env=env).returncode == 0
    token = command_line.run(database_url, "users", "token", "saksbehandler", env=env)
    headers = {"Authorization": f"Bearer {token.stdout.strip()}"}
    with ExitStack() as old_release:
        old = old_release.enter_context(server_process(database_url, **settings))
        served = Counter[int]()
        stop = threading.Event()
        polling = threading.Thread(target=_poll, args=(old + BOARD, headers, served, stop))
        polling.start()
        try:
            with server_process(database_url, program=[*NEWER, "flow_cards"], **settings) as new:
                _wait_ready(new)
                assert _tables(database_url) >= {"flow_cards", "flow_cards_v2"}
                card = httpx.get(old + BOARD, headers=headers).json()["on_stay"][0]
                flagged = httpx.post(
                    f"{old}/api/v1/flows/{card['flow_id']}/safety-flags",
                    json={"flag": "fall"},
                    headers={**headers, "If-Match": str(card["version"])},
                )
                assert flagged.status_code == 200, flagged.text
                _wait_same_board(old, new, headers, card["flow_id"])
                stop.set()
                polling.join()
                old_release.close()
                assert served and set(served) == {200}, served  # the old served throughout
                version = flagged.json()["version"]
                _wait_gone(database_url, "flow_cards", new, headers, card["flow_id"], version)
        finally:
            stop.set()
            polling.join()


def _poll(url: str, headers: dict[str, str], served: Counter[int], stop: threading.Event) -> None:
    while not stop.is_set():
        served[httpx.get(url, headers=headers, timeout=10).status_code] += 1
        time.sleep(0.05)


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while httpx.get(f"{url}/helse/klar").status_code != 200:
        assert time.monotonic() < deadline, "the new release never became ready"
        time.sleep(0.1)


def _wait_same_board(old: str, new: str, headers: dict[str, str], flow_id: str) -> None:
    """Both releases show the flag given through the old one, and the same board."""
    deadline = time.monotonic() + 30
    while True:
        boards = [httpx.get(url + BOARD, headers=headers).json() for url in (old, new)]
        flags = [
            next(c["flags"] for c in board["on_stay"] if c["flow_id"] == flow_id)
            for board in boards
        ]
        if flags == [["fall"], ["fall"]]:
            assert boards[0] == boards[1]
            return
        assert time.monotonic() < deadline, flags
        time.sleep(0.2)


def _wait_gone(
    database_url: str, table: str, new: str, headers: dict[str, str], flow_id: str, version: int
) -> None:
    """With the old release stopped, a command moves the log on; the old version is dropped
    once it has stood still for `retire_after`, and the new release goes on serving."""
    cleared = httpx.post(
        f"{new}/api/v1/flows/{flow_id}/safety-flags/fall/clearing",
        json={},
        headers={**headers, "If-Match": str(version)},
    )
    assert cleared.status_code == 200, cleared.text
    deadline = time.monotonic() + 30
    while table in _tables(database_url):
        assert time.monotonic() < deadline, "the old version was never dropped"
        time.sleep(0.2)
    assert httpx.get(new + BOARD, headers=headers).status_code == 200
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as db:
        keys = set(db.scalars(text("SELECT name FROM projection_positions")))
    engine.dispose()
    assert "flow_cards@v2" in keys and "flow_cards" not in keys


def _tables(database_url: str) -> set[str]:
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
