"""A release's data, kept so that every later release is tried on it: a SQLite file and a
PostgreSQL dump written by the release's own code, its master keys, and what its boards read.

`make` is run once, with the release's code, from `tests/`:

    python -m support.releases ../tests/releases/2026-12-06

and what it writes is committed. `read_boards` is run then and by the upgrade test with the
new code: the same requests, at the same moment, as the same users, must get the same answers.
Every kind of event the release can write is in the log (the demo, a simulated autumn, and a
few commands for the kinds neither gives), so a change to any event's shape without its
upcaster fails the test.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import CanMutateAggregate
from fastapi.testclient import TestClient
from sqlalchemy import select

from boards.app import create_app
from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures import demo
from fixtures.simulation.run import simulate
from flow.care_unit import CareUnit
from flow.municipality import Municipality, municipality_id
from flow.patient_flow import PatientFlow
from flow.vocabulary import BedStatus, Phase, SafetyFlag
from projections.flow_cards import cards

#: The moment the release's data was made and its boards were read.
MADE_AT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
DATABASE_FILE = "pasientflyt.db.gz"
POSTGRES_DUMP = "postgres.sql.gz"
KEYS_FILE = "master.keys"
#: The boards as the release read them, one file per store (flow ids differ between them).
READS = {"sqlite": "reads-sqlite.json.gz", "postgresql": "reads-postgresql.json.gz"}
API = "/api/v1"
#: The demo users who read, each with the pages of the API that are theirs.
READERS = ("saksbehandler", "sykepleier", "hjemmesykepleier", "leder", "admin")


def make(directory: Path, postgres_url: str) -> None:
    """The release's data in `directory`: made on SQLite and on PostgreSQL alike."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = directory / KEYS_FILE
    keys.unlink(missing_ok=True)
    work = directory / "pasientflyt.db"
    work.unlink(missing_ok=True)
    sqlite_url = f"sqlite:///{work}"
    _fill(Settings(database_url=sqlite_url, master_keys_file=keys))
    _write_reads(directory / READS["sqlite"], read_boards(sqlite_url, keys))
    whole = directory / "whole.db"  # the file with its write-ahead log in it
    source, copy = sqlite3.connect(work), sqlite3.connect(whole)
    source.backup(copy)
    source.close()
    copy.close()
    (directory / DATABASE_FILE).write_bytes(gzip.compress(whole.read_bytes(), mtime=0))
    for leftover in [whole, *directory.glob("pasientflyt.db*")]:
        if leftover.name != DATABASE_FILE:
            leftover.unlink()
    with fresh_postgres(postgres_url, "release_made") as url:
        _fill(Settings(database_url=url, master_keys_file=keys))
        _write_reads(directory / READS["postgresql"], read_boards(url, keys))
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", url],
            check=True,
            capture_output=True,
        ).stdout
        (directory / POSTGRES_DUMP).write_bytes(gzip.compress(dump, mtime=0))


def _fill(settings: Settings) -> None:
    system = open_system(settings)
    try:
        demo.load(system.flows, system.accounts, system.grants, MADE_AT - timedelta(days=1))
        simulate(system, days=45, inhabitants=4000, seed=7, start=date(2026, 9, 21))
        _the_kinds_left(system, MADE_AT - timedelta(hours=6))
        system.record_overdue_loops(MADE_AT - timedelta(hours=1))
        system.projector.catch_up()
        missing = event_kinds() - kinds_in_log(system)
        assert not missing, f"no event of these kinds in the release's log: {missing}"
    finally:
        system.close()


#: Mixins whose events a flow records under the mixin's own topic.
_MIXINS = {
    "ClosedLoops": "PatientFlow",
    "HospitalNotices": "PatientFlow",
    "Corrections": "PatientFlow",
}


def event_kinds() -> set[str]:
    """Each kind of event the code can record, as `Aggregate.Event`."""
    return {
        f"{aggregate.__name__}.{name}"
        for aggregate in (PatientFlow, CareUnit, Municipality)
        for name in dir(aggregate)
        if name not in {"Event", "Created"}
        and isinstance(kind := getattr(aggregate, name), type)
        and issubclass(kind, CanMutateAggregate)
    }


def kinds_in_log(system: System) -> set[str]:
    """Each kind of event in the store's log, named as `event_kinds` names them."""
    recorder = system.flows.recorder
    found = set()
    for notification in recorder.select_notifications(start=None, limit=10**7):
        aggregate, name = notification.topic.split(":")[1].split(".")
        found.add(f"{_MIXINS.get(aggregate, aggregate)}.{name}")
    return found


def _the_kinds_left(system: System, at: datetime) -> None:
    """A command for each kind of event neither the demo nor the simulation writes: a bed
    blocked and unblocked, a patient moved, a ready notice withdrawn, a reservation
    cancelled, a flag cleared, a patient readmitted, and a closed flow's identity erased."""
    office = _actor(system, "saksbehandler")
    nurse = _actor(system, "sykepleier")
    views = [system.flows.flow(flow_id, office) for flow_id in _flow_ids(system, "9901")]

    def first(phase: str, *, where: Any = lambda view: True) -> Any:
        return next(v for v in views if v.phase == phase and where(v))

    staying = first(Phase.ON_STAY)
    unit = system.flows.unit(staying.stay.unit_id, office)
    free = next(bed.name for bed in unit.beds if bed.status == BedStatus.FREE)
    system.flows.block_bed(unit.id, free, "Vannlekkasje", by=office, at=at)
    system.flows.unblock_bed(unit.id, free, by=office, at=at + timedelta(minutes=5))
    system.flows.move(staying.id, free, by=nurse, at=at + timedelta(minutes=10))
    flagged = first(Phase.ON_STAY, where=lambda view: view.safety_flags)
    system.flows.clear_safety_flag(
        flagged.id, SafetyFlag(flagged.safety_flags[0]), by=nurse, at=at + timedelta(minutes=15)
    )
    ready = first(Phase.READY, where=lambda view: view.reservation is None)
    system.flows.withdraw_ready_for_discharge(
        ready.id, "Feber igjen", by=office, at=at + timedelta(minutes=20)
    )
    reserved = first(Phase.READY, where=lambda view: view.reservation is not None)
    system.flows.cancel_reservation(
        reserved.id, "Pasienten vil hjem", by=office, at=at + timedelta(minutes=25)
    )
    home = first(Phase.HOME_CARE)
    system.flows.readmit(home.id, "Sykehuset", by=office, at=at + timedelta(minutes=27))
    closed = first(Phase.CLOSED)
    system.flows.erase_identity(
        closed.id, "Sletting på forespørsel", by=office, at=at + timedelta(minutes=30)
    )


def _actor(system: System, username: str) -> Any:
    user = system.accounts.find(username)
    assert user is not None, username
    return user.actor


def _flow_ids(system: System, number: str) -> list[UUID]:
    system.projector.catch_up()
    query = (
        select(cards.c.flow_id)
        .where(cards.c.municipality_id == municipality_id(number))
        .order_by(cards.c.opened_at, cards.c.flow_id)
    )
    with system.engine.connect() as db:
        return list(db.scalars(query))


def read_boards(database_url: str, keys: Path) -> dict[str, Any]:
    """What each demo user's API pages answer at `MADE_AT`, by path: the boards, the task
    lists, the waiting days, the figures, every flow on the allocation board with its
    history, and the administrator's lists."""
    settings = Settings(database_url=database_url, master_keys_file=keys)
    app = create_app(settings, clock=lambda: MADE_AT)
    reads: dict[str, Any] = {}
    with TestClient(app) as client:
        system = app.state.system
        system.projector.catch_up()
        tokens = {name: system.accounts.issue_token(name, at=MADE_AT) for name in READERS}

        def read(user: str, path: str) -> Any:
            response = client.get(API + path, headers={"Authorization": f"Bearer {tokens[user]}"})
            assert response.status_code == 200, (user, path, response.text)
            reads[f"{user} {path}"] = response.json()
            return response.json()

        board = read("saksbehandler", "/boards/allocation")
        for path in ("/tasks", "/waiting-days?month=2026-11", "/units", "/zones"):
            read("saksbehandler", path)
        for unit in reads["saksbehandler /units"]:
            read("saksbehandler", f"/boards/units/{unit['id']}")
        for zone in reads["saksbehandler /zones"]:
            read("saksbehandler", f"/boards/zones/{zone['id']}")
        for flow_id in sorted(_ids_in(board)):
            read("saksbehandler", f"/flows/{flow_id}")
            read("saksbehandler", f"/flows/{flow_id}/history")
        for user in ("sykepleier", "hjemmesykepleier"):
            read(user, "/tasks")
        read("leder", "/figures?from=2026-09&to=2026-11")
        for path in ("/admin/users", "/admin/checklists", "/admin/daily-rates"):
            read("admin", path)
    return reads


def _ids_in(board: Any) -> set[str]:
    """The flow ids anywhere in a board's JSON."""
    found: set[str] = set()
    if isinstance(board, dict):
        if isinstance(board.get("flow_id"), str):
            found.add(board["flow_id"])
        for value in board.values():
            found |= _ids_in(value)
    elif isinstance(board, list):
        for value in board:
            found |= _ids_in(value)
    return found


#: psql from the PATH, or from Debian's server packages (newest first).
PG_BINARIES = sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
PSQL = shutil.which("psql", path=":".join(["/usr/bin", *PG_BINARIES]))


def restored_sqlite(release: Path, directory: Path) -> str:
    """The URL of a copy of the release's SQLite file in `directory`."""
    database = directory / "pasientflyt.db"
    database.write_bytes(gzip.decompress((release / DATABASE_FILE).read_bytes()))
    return f"sqlite:///{database}"


def restore_postgres(release: Path, database_url: str) -> None:
    """The release's PostgreSQL dump loaded into the empty database at `database_url`."""
    assert PSQL is not None, "psql is needed to load the release's dump"
    subprocess.run(
        [PSQL, "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", database_url],
        input=gzip.decompress((release / POSTGRES_DUMP).read_bytes()),
        check=True,
        capture_output=True,
    )


def _write_reads(path: Path, reads: dict[str, Any]) -> None:
    plain = json.dumps(reads, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_bytes(gzip.compress(plain.encode(), mtime=0))


def release_reads(path: Path) -> dict[str, Any]:
    """What a release's boards read, as `make` wrote it."""
    loaded: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return loaded


@contextmanager
def fresh_postgres(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on the server, dropped afterwards."""
    admin = server_url.rsplit("/", 1)[0]
    for statement in (
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}"',
    ):
        subprocess.run(["psql", "-q", f"{admin}/postgres", "-c", statement], check=True)
    try:
        yield f"{admin}/{name}"
    finally:
        subprocess.run(
            [
                "psql",
                "-q",
                f"{admin}/postgres",
                "-c",
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            ],
            check=True,
        )


if __name__ == "__main__":
    make(Path(sys.argv[1]), sys.argv[2])
