"""The command line as the tests run it: a real `pasientflyt` process on a store, and what
the store's log holds afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.world import open_flows

CLI = str(Path(sys.executable).with_name("pasientflyt"))


def run(
    database_url: str, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PASIENTFLYT_DATABASE_URL": database_url, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def stored_events(database_url: str) -> int:
    app = open_flows(database_url)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()
