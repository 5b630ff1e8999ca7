"""A patient whose free text names her too, an admin to erase her, and every byte the store
keeps: what the erasure tests and the hospital messages' sealing tests share."""

from __future__ import annotations

import glob
import random
import shutil
import subprocess
from pathlib import Path

from support.world import World

from access.accounts import Role
from fixtures.demo import synthetic_national_id
from flow.municipality import municipality_id

NATIONAL_ID = synthetic_national_id(random.Random("erasure"))
NAME = "Ingrid Slettemark"


def opened_with_notes(w: World, national_id: str = NATIONAL_ID, name: str = NAME) -> str:
    """A hospital patient whose free text names her too: need, and the answer's note."""
    client, office = w.client, w.headers()
    patient = {
        "national_id": national_id,
        "name": name,
        "source": "hospital",
        "location": "Sykehuset, med. avd.",
        "need": f"Rehabilitering; {name} bor alene",
    }
    flow_id: str = client.post("/api/v1/flows", json=patient, headers=office).json()["id"]
    for path, body in [
        ("ready-for-discharge", {"estimate": False}),
        ("hospital-answer", {"can_receive": False, "note": f"Ring {name} i morgen"}),
    ]:
        response = client.post(f"/api/v1/flows/{flow_id}/{path}", json=body, headers=office)
        assert response.status_code == 200, response.text
    return flow_id


def with_admin(w: World) -> World:
    """The test world with an admin, who erases, and a leader, who reads the figures."""
    for username, role in (("admin", Role.ADMIN), ("leder", Role.LEADER)):
        w.accounts.add_user(
            municipality_id("9998"), username, role, username, "pw", [], at=w.clock()
        )
        w.tokens[username] = w.accounts.issue_token(username, at=w.clock())
    return w


def stored_bytes(database_url: str, tmp_path: Path) -> bytes:
    """Every byte the database keeps: the SQLite files, or a full PostgreSQL dump."""
    if database_url.startswith("sqlite"):
        database = Path(database_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in database.parent.glob(f"{database.name}*"))
    search = ":".join(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True))
    pg_dump = shutil.which("pg_dump", path=search) or shutil.which("pg_dump")
    assert pg_dump is not None, "pg_dump is part of the PostgreSQL the suite runs on"
    dump = tmp_path / "dump.sql"
    subprocess.run([pg_dump, "--file", str(dump), database_url], check=True)
    return dump.read_bytes()
