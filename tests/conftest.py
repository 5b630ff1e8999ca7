"""Shared test setup: Hypothesis profiles and real SQLite and PostgreSQL stores."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql
from support.world import World, build_world

IN_CI = os.environ.get("CI") == "true"

# One master keys file for every test process and server subprocess of this machine: the
# flows' keys a test makes are wrapped by it, in whichever process they are read.
os.environ.setdefault(
    "PASIENTFLYT_MASTER_KEYS_FILE", str(Path(tempfile.gettempdir()) / "pasientflyt-test.keys")
)

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))

# Debian and Ubuntu keep the server binaries off PATH, in a versioned directory.
PG_SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
)
INITDB_OPTIONS = ["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
# Durability is worthless for a cluster that lives one test session.
PG_SETTINGS = "listen_addresses = '127.0.0.1'\nmax_connections = 200\nfsync = off\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_cluster(initdb: str, pg_ctl: str, root: Path) -> tuple[int, list[str]]:
    """Create and start a cluster in `root`; return its port and the stop command."""
    # PostgreSQL refuses to run as root, so root hands the cluster to the postgres user.
    as_owner: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        # cwd: the postgres user may not be allowed into the directory pytest runs from.
        return subprocess.run([*as_owner, *args], cwd=root, capture_output=True, text=True)

    init = run(initdb, "-D", str(data), *INITDB_OPTIONS)
    if init.returncode:
        raise RuntimeError(f"initdb failed:\n{init.stdout}{init.stderr}")
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(f"{PG_SETTINGS}unix_socket_directories = '{root}'\n")
    # A port free a moment ago may be taken before the server binds it; try another.
    for _ in range(5):
        port = _free_port()
        start = run(pg_ctl, "start", "-w", "-D", str(data), "-l", str(log), "-o", f"-p {port}")
        if start.returncode == 0:
            return port, [*as_owner, pg_ctl, "stop", "-D", str(data), "-m", "immediate"]
    raise RuntimeError(f"pg_ctl start failed:\n{start.stderr}{log.read_text()}")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A superuser URL to a PostgreSQL server: CI's, or a throw-away local cluster."""
    if url := os.environ.get("PASIENTFLYT_TEST_POSTGRES_URL"):
        yield url
        return
    initdb = shutil.which("initdb", path=PG_SEARCH_PATH)
    pg_ctl = shutil.which("pg_ctl", path=PG_SEARCH_PATH)
    if initdb is None or pg_ctl is None:
        if IN_CI:
            pytest.fail("PostgreSQL binaries not found and PASIENTFLYT_TEST_POSTGRES_URL unset")
        pytest.skip("PostgreSQL binaries not found")
    root = Path(tempfile.mkdtemp(prefix="pasientflyt-pg-"))
    try:
        port, stop = _start_cluster(initdb, pg_ctl, root)
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(stop, cwd=root, capture_output=True, check=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def create_postgres_database(postgres_server_url: str) -> Iterator[Callable[[], str]]:
    """Make fresh, empty databases on the test server; all are dropped afterwards."""
    names: list[str] = []

    def create() -> str:
        name = f"t_{uuid.uuid4().hex}"
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        names.append(name)
        return urlsplit(postgres_server_url)._replace(path=f"/{name}").geturl()

    yield create
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def postgres_url(create_postgres_database: Callable[[], str]) -> str:
    """A fresh, empty database on the test server, dropped afterwards."""
    return create_postgres_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A real SQLite file in the test's own temporary directory."""
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite_url", id="sqlite"),
        pytest.param("postgres_url", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """Each store in turn; PostgreSQL starts only when a test asks for it."""
    url: str = request.getfixturevalue(request.param)
    return url


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    """The test municipalities on each store in turn."""
    built = build_world(database_url)
    yield built
    built.system.close()
