"""A projector killed in the middle of a batch loses nothing and applies nothing twice.

The projector runs in a process of its own (`projector_runner.py`), in small batches,
and is killed with SIGKILL while it catches up; then it catches up again here. A tally
read model counts how often each event was applied, and the read models are compared
with a rebuild from the log. On a real SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import inspect
from support.projector_runner import tally, tallying_projector
from support.read_model_rows import rebuilt, snapshot
from support.world import open_flows

from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures import CHECKLISTS_FILE
from fixtures.municipalities import MunicipalitySpec, UnitSpec, ZoneSpec, install
from flow import checklist_file
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.flow_values import Decision, DischargePlan
from flow.municipality import unit_id
from flow.vocabulary import ClosingReason, Destination, SafetyFlag, ServiceKind, Source, UnitKind
from projections.projector import Projector

RUNNER = Path(__file__).resolve().parents[2] / "support" / "projector_runner.py"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BEDS = 10
SPEC = MunicipalitySpec(
    number="9993",
    name="Krasjkommune",
    units=[UnitSpec(code="A", name="Korttid A", kind=UnitKind.REHAB, beds=BEDS)],
    zones=[ZoneSpec(code="NORD", name="Sone Nord")],
    users=[],
)
UNIT, ZONE = unit_id(SPEC.id, "A"), unit_id(SPEC.id, "NORD")
OFFICE = Actor("saksbehandler", "allocation", SPEC.id)
NURSE = Actor("sykepleier", "nurse", SPEC.id)


def record_journeys(app: Pasientflyt, count: int, at: datetime) -> datetime:
    """`count` patients from hospital through a short stay to home care, ~40 events each."""
    for i in range(count):
        at += timedelta(minutes=7)
        flow_id = app.open_flow(
            "01018012371", f"Pasient {i}", Source.HOSPITAL, "St. Olav", "", by=OFFICE, at=at
        )
        app.notify_ready_for_discharge(flow_id, at, False, by=OFFICE, at=at)
        app.answer_hospital(flow_id, False, "", by=OFFICE, at=at)
        decision = Decision(ServiceKind.SHORT_TERM_STAY.value, UNIT, None, at.date(), None)
        app.decide_service(flow_id, decision, by=OFFICE, at=at)
        app.reserve_bed(flow_id, UNIT, str(i % BEDS + 1), by=OFFICE, at=at)
        app.raise_safety_flag(flow_id, SafetyFlag.FALL, by=NURSE, at=at)
        app.arrive(flow_id, by=NURSE, at=at)
        plan = DischargePlan(at.date() + timedelta(days=3), False, Destination.HOME.value, ZONE)
        app.plan_discharge(flow_id, plan, by=OFFICE, at=at)
        app.discharge(flow_id, by=NURSE, at=at + timedelta(days=3))
        app.start_home_care(flow_id, by=NURSE, at=at + timedelta(days=3))
        app.close_flow(flow_id, ClosingReason.COMPLETED, "", by=OFFICE, at=at + timedelta(days=9))
    return at


def runner(
    url: str, batch_size: int, pause: float, mode: str, go: Path | None = None
) -> subprocess.Popen[str]:
    """The projector in a process of its own (see `projector_runner.py` for the modes)."""
    args = [url, str(batch_size), str(pause), mode, *([str(go)] if go else [])]
    return subprocess.Popen(
        [sys.executable, str(RUNNER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        pytest.fail(f"the projector process did not start:\n{process.communicate()[1]}")


def reap(processes: list[subprocess.Popen[str]]) -> None:
    """Kill what still runs (after a failed test), and close every pipe."""
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate()


@dataclass
class Store:
    """A store with a history, and a projector here that tallies what it applies."""

    url: str
    system: System
    projector: Projector
    now: datetime = T0
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def record_journeys(self, count: int) -> None:
        self.now = record_journeys(self.system.flows, count, self.now)

    @property
    def head(self) -> int:
        return self.system.flows.recorder.max_notification_id() or 0

    @property
    def recorded(self) -> int:
        return len(self.system.flows.recorder.select_notifications(None, 1_000_000))

    @property
    def position(self) -> int:
        """How far every read model has got: the least of their positions."""
        return min(self.projector.positions().values())

    def runner(
        self, batch_size: int, pause: float, mode: str, go: Path | None = None
    ) -> subprocess.Popen[str]:
        """The projector in a process of its own, on the same store."""
        process = runner(self.url, batch_size, pause, mode, go)
        self.processes.append(process)
        return process

    def reap(self) -> None:
        reap(self.processes)

    def kill_when_past(self, process: subprocess.Popen[str], position: int) -> None:
        """SIGKILL the process as soon as the read models have got past `position`."""
        deadline = time.monotonic() + 120
        while self.position <= position:
            if process.poll() is not None:
                pytest.fail(f"the projector process ended by itself:\n{process.communicate()[1]}")
            if time.monotonic() > deadline:
                process.kill()
                process.communicate()
                pytest.fail("the projector process made no progress")
            time.sleep(0.001)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        assert process.returncode == -signal.SIGKILL

    def assert_every_event_applied_exactly_once(self) -> None:
        recorded = self.recorded
        assert tally(self.system) == (recorded, 0, recorded)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    system = open_system(Settings(database_url=database_url))
    install(system.flows, system.accounts, system.grants, SPEC, T0)
    made = Store(database_url, system, tallying_projector(system, batch_size=1000))
    yield made
    made.reap()
    system.close()


def test_a_projector_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    store: Store,
) -> None:
    # Each round adds to the log, kills the projector at another point of the catch-up,
    # and catches up here; a rebuild at the end of a round leaves every model at the head.
    for journeys, fraction in ((60, 0.1), (20, 0.5), (20, 0.75)):
        store.record_journeys(journeys)
        start, head = store.position, store.head
        process = store.runner(batch_size=20, pause=0.005, mode="forever")

        store.kill_when_past(process, start + int(fraction * (head - start)))

        assert start < store.position < head, "the kill should leave work undone"
        assert store.projector.catch_up() > 0
        assert store.position == head
        store.assert_every_event_applied_exactly_once()
        assert snapshot(store.system) == rebuilt(store.system)


def test_a_projector_killed_before_its_first_batch_commits_leaves_the_models_as_they_were(
    store: Store,
) -> None:
    store.record_journeys(10)
    # A pause far longer than the test waits: the kill lands inside the first transaction.
    process = store.runner(batch_size=50, pause=600, mode="once")
    wait_until_ready(process)
    time.sleep(1)

    os.kill(process.pid, signal.SIGKILL)
    process.communicate()

    assert store.position == 0
    assert store.projector.catch_up() == store.recorded
    store.assert_every_event_applied_exactly_once()
    assert snapshot(store.system) == rebuilt(store.system)


def secondary_indexes(system: System) -> set[str]:
    tables = [t.name for p in system.projector.projections.values() for t in p.tables]
    found = inspect(system.engine)
    return {i["name"] for table in tables for i in found.get_indexes(table) if i["name"]}


def test_a_rebuild_killed_mid_way_leaves_rows_right_and_the_next_start_makes_the_indexes(
    store: Store,
) -> None:
    store.record_journeys(40)
    head = store.head
    indexes = secondary_indexes(store.system)
    process = store.runner(batch_size=20, pause=0.005, mode="rebuild")

    store.kill_when_past(process, head // 2)

    assert store.position < head, "the kill should leave work undone"
    assert secondary_indexes(store.system) < indexes  # a rebuild makes them at its end
    starting = tallying_projector(store.system, batch_size=1000)
    assert secondary_indexes(store.system) == indexes
    assert starting.catch_up() > 0
    store.assert_every_event_applied_exactly_once()
    assert snapshot(store.system) == rebuilt(store.system)


def test_two_projectors_catching_up_at_once_apply_each_event_once(
    store: Store, tmp_path: Path
) -> None:
    store.record_journeys(60)
    go = tmp_path / "go"
    processes = [
        store.runner(batch_size=size, pause=0.002, mode="once", go=go) for size in (25, 40)
    ]
    for process in processes:
        wait_until_ready(process)

    go.touch()
    outcomes = [process.communicate(timeout=240) for process in processes]

    for process, (_, errors) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, errors
    # How the work splits is up to the race (on SQLite one process may win every batch);
    # every batch is committed by one of them, so together they cover the log.
    applied = [int(out.split()[-1]) for out, _ in outcomes]
    assert sum(applied) >= store.recorded
    assert store.projector.catch_up() == 0
    store.assert_every_event_applied_exactly_once()
    assert snapshot(store.system) == rebuilt(store.system)


@pytest.fixture
def fresh_database(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[], str]:
    """A new, empty database of the store under test each time it is called."""
    if database_url.startswith("sqlite"):
        return lambda: f"sqlite:///{tmp_path / f'{uuid4().hex}.db'}"
    create: Callable[[], str] = request.getfixturevalue("create_postgres_database")
    return create


ATTEMPTS, TOGETHER = 6, 3


def test_two_systems_opening_one_store_at_once_both_start(database_url: str) -> None:
    # Every process opens the store as it starts: the event store's tables and functions,
    # the read models' tables and positions. Two starting together must both succeed.
    open_system(Settings(database_url=database_url)).close()
    failures: list[str] = []

    def start(together: threading.Barrier) -> None:
        together.wait()
        try:
            open_system(Settings(database_url=database_url)).close()
        except Exception as error:  # collected: a thread's exception would be lost
            failures.append(f"{type(error).__name__}: {error}")

    for _ in range(20):
        together = threading.Barrier(2)
        threads = [threading.Thread(target=start, args=(together,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert failures == [], f"{len(failures)} of 40 starts failed"


def log_without_read_models(url: str) -> None:
    """A log with a few journeys, recorded by an application with no projector."""
    app = open_flows(url, checklists=checklist_file.load(CHECKLISTS_FILE))
    by = Actor("oppsett", "admin", SPEC.id)
    app.register_municipality(SPEC.number, SPEC.name, by=by, at=T0)
    app.register_unit(
        "A", "Korttid A", UnitKind.REHAB, [str(n + 1) for n in range(BEDS)], by=by, at=T0
    )
    app.register_unit("NORD", "Sone Nord", UnitKind.HOME_CARE_ZONE, [], by=by, at=T0)
    record_journeys(app, 2, T0)
    app.close()


def assert_caught_up_once_each(url: str) -> None:
    system = open_system(Settings(database_url=url))
    try:
        store = Store(url, system, tallying_projector(system, batch_size=1000))
        assert store.projector.catch_up() == 0
        store.assert_every_event_applied_exactly_once()
        assert snapshot(system) == rebuilt(system)
    finally:
        system.close()


def test_processes_opening_a_store_without_read_models_at_once_all_start_and_catch_up(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    # Workers started together on a log whose read models do not exist yet: each opens
    # the store and creates the tables and positions. The race is run on fresh stores.
    failures: list[str] = []
    for attempt in range(ATTEMPTS):
        url = fresh_database()
        log_without_read_models(url)
        go = tmp_path / f"go-{attempt}"
        processes = [
            runner(url, batch_size=50, pause=0, mode="open at go", go=go) for _ in range(TOGETHER)
        ]
        try:
            for process in processes:
                wait_until_ready(process)
            go.touch()
            outcomes = [process.communicate(timeout=120) for process in processes]
        finally:
            reap(processes)
        failures += [
            next((line for line in reversed(err.splitlines()) if "Error" in line), err)
            for process, (_, err) in zip(processes, outcomes, strict=True)
            if process.returncode
        ]
        if not failures:
            assert_caught_up_once_each(url)

    assert failures == [], f"{len(failures)} of {ATTEMPTS * TOGETHER} processes failed"
