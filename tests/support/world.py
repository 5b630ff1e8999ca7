"""A small world for tests: two municipalities, built through commands, served over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx2
from fastapi.testclient import TestClient
from support.stores import migrated

from access.accounts import Accounts, Role
from access.patient_keys import MasterKeys, PatientKeys
from boards.app import create_app
from boards.services.system import System
from boards.settings import Settings
from fixtures.municipalities import MunicipalitySpec, UnitSpec, UserSpec, ZoneSpec, install
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.municipality import municipality_id, unit_id
from flow.store import store_env
from flow.vocabulary import UnitKind

TEST_MUNICIPALITIES = [
    MunicipalitySpec(
        number="9998",
        name="Testkommune",
        units=[
            UnitSpec(code="KORT", name="Korttid Test", kind=UnitKind.REHAB, beds=4),
            UnitSpec(code="UTRED", name="Utredning Test", kind=UnitKind.ASSESSMENT, beds=3),
        ],
        zones=[ZoneSpec(code="NORD", name="Sone Nord"), ZoneSpec(code="SOR", name="Sone Sør")],
        users=[
            UserSpec(username="saksbehandler", name="S", role=Role.ALLOCATION, password="pw-1"),
            UserSpec(
                username="sykepleier", name="N", role=Role.NURSE, password="pw-2", units=["KORT"]
            ),
        ],
    ),
    MunicipalitySpec(
        number="9997",
        name="Nabokommune",
        units=[UnitSpec(code="ANNEN", name="Annen korttid", kind=UnitKind.REHAB, beds=2)],
        zones=[ZoneSpec(code="HELE", name="Hele kommunen")],
        users=[
            UserSpec(username="saksbehandler2", name="S2", role=Role.ALLOCATION, password="pw-3")
        ],
    ),
]


@dataclass
class Clock:
    """The time the app sees; tests move it."""

    now: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    """Testkommune (9998) and Nabokommune (9997), their places, users and tokens."""

    client: TestClient
    system: System
    clock: Clock
    tokens: dict[str, str]

    @property
    def flows(self) -> Pasientflyt:
        return self.system.flows

    @property
    def accounts(self) -> Accounts:
        return self.system.accounts

    def headers(self, username: str = "saksbehandler") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def unit(self, code: str, number: str = "9998") -> UUID:
        return unit_id(municipality_id(number), code)

    def actor(self, username: str = "saksbehandler") -> Actor:
        user = self.accounts.find(username)
        assert user is not None
        return user.actor


def build_world(database_url: str) -> World:
    clock = Clock()
    app = create_app(Settings(database_url=database_url), clock=clock)
    system: System = app.state.system
    flows, accounts = system.flows, system.accounts
    tokens = {}
    for spec in TEST_MUNICIPALITIES:
        install(flows, accounts, system.grants, spec, clock())
        for user in spec.users:
            tokens[user.username] = accounts.issue_token(user.username, at=clock())
    return World(TestClient(app), system, clock, tokens)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server_process(
    database_url: str,
    *,
    log: Path | None = None,
    program: Sequence[str] = (),
    port: int | None = None,
    **settings: str,
) -> Iterator[str]:
    """`pasientflyt serve` in a process of its own, as a load balancer would see it; what it
    writes (its access log among it) goes to `log`, if given. `program` runs in place of
    `pasientflyt`, given the same arguments (another release's, in an upgrade test); `port`
    is free otherwise."""
    port = port or free_port()
    env = {
        **os.environ,
        "PASIENTFLYT_DATABASE_URL": database_url,
        **{f"PASIENTFLYT_{k.upper()}": v for k, v in settings.items()},
    }
    script = program or [str(Path(sys.executable).with_name("pasientflyt"))]
    command = [*script, "serve", "--host", "127.0.0.1", "--port", str(port)]
    output = log.open("wb") if log else None
    process = subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the server process ended"
            assert time.monotonic() < deadline, "the server process did not start"
            try:
                if httpx2.get(f"{url}/logg-inn", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        if output:
            output.close()


def server_pid(url: str) -> int:
    """The pid of the `pasientflyt serve` listening on the URL's port."""
    port = url.rsplit(":", 1)[-1].encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in command and port in command:
                return int(entry.name)
    raise AssertionError("the server process was not found")


def key_ring(database_url: str) -> PatientKeys:
    """The flows' keys in a real database, wrapped by the tests' master keys."""
    engine = migrated(database_url)
    return PatientKeys(engine, MasterKeys(Settings().master_keys_file))


class FlowsOnStore(Pasientflyt):
    """The application service alone on a real store, with that database's key ring;
    closing it closes the key ring's engine too."""

    name = Pasientflyt.name  # the same tables: a subclass would get its own
    keys: PatientKeys

    def close(self) -> None:
        super().close()
        self.keys.engine.dispose()


def open_flows(database_url: str, **options: Any) -> FlowsOnStore:
    return FlowsOnStore(env=store_env(database_url), keys=key_ring(database_url), **options)


class MemoryKeys:
    """The key ring in memory, for the in-memory store of unit tests."""

    def __init__(self) -> None:
        self.keys: dict[UUID, bytes | None] = {}

    def key(self, flow_id: UUID) -> bytes | None:
        return self.keys.get(flow_id)

    def new_key(self, flow_id: UUID) -> bytes | None:
        if flow_id not in self.keys:
            self.keys[flow_id] = os.urandom(32)
        return self.keys[flow_id]

    def load(self, flow_ids: Collection[UUID]) -> None:
        pass

    def forget(self, flow_id: UUID) -> None:
        pass

    def erase(self, flow_id: UUID) -> bool:
        had = self.keys.get(flow_id) is not None
        self.keys[flow_id] = None
        return had
