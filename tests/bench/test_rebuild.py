"""Rebuilding the read models from a log of 1,000,000 events, against reading the log alone.

The log (SQLite, the app's own store) is made by a simulation of BENCH_MUNICIPALITIES (4)
municipalities of 10 short-term units of 60 beds and 5 home-care zones, installed through
the application service. Patients are referred at a steady rate (60 a day in each) and go
their way in simulated time, all at once, so the events of thousands of flows interleave in
the log as they would in a real one: admitted, ready for discharge, answered, a wait reason,
then (after the hospital) home care straight away for about 45 %, a short-term stay for about
half: a decision, a bed reserved (waiting for one when the units are full), arrival, safety
flags, a move now and then, a discharge plan, discharge and home care or long-term care;
some die or are withdrawn on the way, some are readmitted from the unit. The checklists in force
(`open_system` loads them) open their tasks exactly as `Pasientflyt._save_flow` does; owners
complete most, receivers confirm or send back, the deadline process marks the rest overdue
when the flow is next touched, and closing cancels the loops still open. The aggregates are
`PatientFlow` and `CareUnit`, changed through their domain methods, and every command's
events (the flow's, then the unit's, as `_save_flow` saves them) go to the store through
`system.flows.save(*events)` in transactions of BENCH_SAVE_EVENTS (20,000). Generation stops
at BENCH_EVENTS (1,000,000) events; flows still under way stay so (a live log). Unit
snapshots are not taken (the projector never reads them).

Timed over the whole log:

* rebuild, as `pasientflyt rebuild` runs it: `boards.cli.rebuilding.rebuild`, every read model,
  dealt in turns to BENCH_PROCESSES processes (one per core the process may run on); each
  opens the system anew and runs `Projector.rebuild` on its models (batches of the
  projector's `rebuild_batch_size`, the cyclic garbage collector off). The target is this;
* the same in one process (`--processes 1`), before it;
* baseline: the log read and decoded as a catch-up reads it, nothing applied:
  `recorder.select_notifications` in batches of 1,000 after the last id +
  `mapper.to_domain_events` of each batch, with the garbage collector on (the baseline of every
  earlier run). It runs before and after the rebuild (page cache warm both times; the figure
  used is the faster);
* baseline as the rebuild reads: the same in batches of `rebuild_batch_size` with the garbage
  collector off, before and after; rebuild / this baseline is the cost of the projections
  themselves.

The target (rebuild >= 20,000 events/s) is reported, not asserted. When it is missed (or
BENCH_PROFILE=1; BENCH_PROFILE=0 never), a rebuild of the first BENCH_PROFILE_EVENTS
(100,000) events is timed again with the SQL it sends tallied by kind, then profiled with
cProfile (stats kept in tests/bench/results/rebuild_sqlite.prof).
Run: .venv/bin/pytest -p no:xdist -s tests/bench/test_rebuild.py
"""

from __future__ import annotations

import cProfile
import gc
import heapq
import itertools
import os
import pstats
import random
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from benchkit import RESULTS, append_results, sql_tally
from figures import load_average
from sqlalchemy import func, select

from boards.cli import rebuilding
from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.demo import FIRST_NAMES, HOSPITALS, LAST_NAMES, synthetic_national_id
from fixtures.municipalities import MunicipalitySpec, UnitSpec, ZoneSpec, install
from flow.actor import Actor
from flow.care_unit import CareUnit
from flow.closed_loops import Party, TaskStatus
from flow.flow_values import Decision, DischargePlan
from flow.municipality import unit_id
from flow.patient_flow import PatientFlow
from flow.vocabulary import (
    ClosingReason,
    Destination,
    Phase,
    SafetyFlag,
    ServiceKind,
    Source,
    UnitKind,
    WaitReason,
)
from projections.bed_grid import beds
from projections.flow_cards import cards
from projections.task_list import tasks

N_EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
SAVE_EVENTS = int(os.environ.get("BENCH_SAVE_EVENTS", "20000"))
MUNICIPALITIES = int(os.environ.get("BENCH_MUNICIPALITIES", "4"))
PROFILE = os.environ.get("BENCH_PROFILE", "auto")  # "1": always, "0": never
PROFILE_EVENTS = int(os.environ.get("BENCH_PROFILE_EVENTS", "100000"))
TARGET = 20_000.0
#: As `pasientflyt rebuild` runs by default: a process per core.
PROCESSES = int(os.environ.get("BENCH_PROCESSES", str(len(os.sched_getaffinity(0)))))
UNITS, BEDS, ZONES = 10, 60, 5
#: Referrals per municipality and day: about half go to a short-term bed, which keeps its
#: 600 beds some 80 % in use.
REFERRALS_PER_DAY = 60.0
START = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)


def hours(low: float, high: float, rng: random.Random) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def days(low: float, high: float, rng: random.Random) -> timedelta:
    return timedelta(days=rng.uniform(low, high))


@dataclass
class Place:
    """A municipality as the simulation sees it: its units (live aggregates) and zones."""

    id: UUID
    office: Actor
    nurse: Actor
    units: list[CareUnit]
    zones: list[UUID]


@dataclass
class Made:
    events: int = 0
    flows: int = 0
    tasks_opened: int = 0
    saves: int = 0
    save_s: float = 0.0
    simulated_days: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)


Journey = Iterator[timedelta]


class Simulation:
    """Flows as generators that yield how long they wait; a heap runs them in time order."""

    def __init__(self, system: System, places: list[Place], rng: random.Random) -> None:
        self.app, self.places, self.rng = system.flows, places, rng
        self.checklists = system.flows.checklists
        self.deadline = {p.id: Actor("fristvakt", "system", p.id) for p in places}
        self.now = START
        self.heap: list[tuple[datetime, int, Journey]] = []
        self.seq = itertools.count()
        self.buffer: list[Any] = []
        self.made = Made()

    # -- running -----------------------------------------------------------------------

    def run(self, target: int) -> Made:
        for place in self.places:
            self._start(self._referrals(place))
        while self.made.events + len(self.buffer) < target and self.heap:
            self.now, _, journey = heapq.heappop(self.heap)
            try:
                wait = next(journey)
            except StopIteration:
                continue
            heapq.heappush(self.heap, (self.now + wait, next(self.seq), journey))
            if len(self.buffer) >= SAVE_EVENTS:
                self._flush()
        self._flush()
        self.made.simulated_days = (self.now - START) / timedelta(days=1)
        return self.made

    def _start(self, journey: Journey) -> None:
        heapq.heappush(self.heap, (self.now, next(self.seq), journey))

    def _flush(self) -> None:
        if not self.buffer:
            return
        started = time.perf_counter()
        self.app.save(*self.buffer)
        self.made.save_s += time.perf_counter() - started
        self.made.saves += 1
        self.made.events += len(self.buffer)
        for e in self.buffer:
            name = type(e).__qualname__.replace("PatientFlow.Task", "ClosedLoops.Task")
            self.made.kinds[name] = self.made.kinds.get(name, 0) + 1
        self.buffer.clear()

    def _referrals(self, place: Place) -> Journey:
        while True:
            self._start(self._journey(place))
            yield timedelta(days=self.rng.expovariate(REFERRALS_PER_DAY))

    # -- one command, as the application service records it ---------------------------

    def _do(
        self, flow: PatientFlow, change: Callable[[], object], *units: CareUnit, by: Actor
    ) -> None:
        """Change, then close and open loops as `Pasientflyt._save_flow` does, then keep the
        flow's events and the units' (the order `_save_flow` saves them in)."""
        at = self.now
        self._mark_overdue(flow)
        change()
        for name in [type(e).__name__ for e in flow.pending_events]:
            flow.complete_tasks_done_by(name, by=by, at=at)
            flow.open_checklists(name, self.checklists.for_trigger(name), by=by, at=at)
        self.buffer.extend(flow.collect_events())
        for unit in units:
            self.buffer.extend(unit.collect_events())

    def _mark_overdue(self, flow: PatientFlow) -> None:
        """The deadline process, as `Pasientflyt.mark_overdue` saves it (a command of its own)."""
        due = flow.overdue_candidates(self.now)
        if due:
            by = self.deadline[flow.municipality_id]
            for task_id in due:
                flow.mark_overdue(task_id, by=by, at=self.now)
            self.buffer.extend(flow.collect_events())

    # -- a patient's way -----------------------------------------------------------------

    def _journey(self, place: Place) -> Journey:
        rng, by = self.rng, place.office
        home = rng.random() < 0.12
        location = "Hjemme" if home else rng.choice(HOSPITALS)
        flow = PatientFlow.open(
            place.id,
            synthetic_national_id(rng),
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            Source.HOME if home else Source.HOSPITAL,
            location,
            "Rehabilitering etter fall" if rng.random() < 0.5 else "Vurdering av hjelpebehov",
            by=by,
            at=self.now,
        )
        self.made.flows += 1
        self._do(flow, lambda: None, by=by)
        while True:  # a hospital stay (or a referral from home), then what follows it
            if not home:
                short_term = yield from self._hospital_stay(flow, place)
                if not short_term:
                    return
            readmitted = yield from self._short_term_stay(flow, place)
            if not readmitted:
                return
            home = False

    def _hospital_stay(self, flow: PatientFlow, place: Place) -> Generator[timedelta, None, bool]:
        """Admission, ready for discharge, the answer; True if a short-term stay follows."""
        rng, by = self.rng, place.office
        yield hours(1, 12, rng)
        hospital = rng.choice(HOSPITALS)
        if flow.admitted_at is None:
            self._do(
                flow, lambda: flow.notify_admission(hospital, self.now, by=by, at=self.now), by=by
            )
        yield days(1, 6, rng)
        estimate = rng.random() < 0.3
        self._do(
            flow,
            lambda: flow.notify_ready_for_discharge(self.now, estimate, by=by, at=self.now),
            by=by,
        )
        yield hours(1, 9, rng)
        if rng.random() < 0.9:
            answer = rng.random() < 0.4
            self._do(flow, lambda: flow.answer_hospital(answer, "", by=by, at=self.now), by=by)
        if rng.random() < 0.5:
            reason = rng.choice(list(WaitReason))
            self._do(flow, lambda: flow.record_wait_reason(reason, "", by=by, at=self.now), by=by)
        outcome = rng.random()
        if outcome < 0.04:
            yield days(0, 3, rng)
            self._do(flow, lambda: flow.withdraw_ready_for_discharge("", by=by, at=self.now), by=by)
            yield days(1, 4, rng)
            self._close(flow, ClosingReason.OTHER, by)
            return False
        if outcome < 0.09:
            yield days(0, 5, rng)
            self._close(flow, ClosingReason.DIED, by)
            return False
        if outcome < 0.54:
            zone = rng.choice(place.zones)
            decision = Decision(ServiceKind.HOME_CARE.value, None, zone, self.now.date(), None)
            self._do(flow, lambda: flow.decide_service(decision, by=by, at=self.now), by=by)
            yield days(1, 4, rng)
            self._close(flow, ClosingReason.COMPLETED, by)
            return False
        return True

    def _short_term_stay(self, flow: PatientFlow, place: Place) -> Generator[timedelta, None, bool]:
        """Decision, bed, stay and leaving; True if the patient went back to hospital."""
        rng, by = self.rng, place.office
        unit = self._unit_with_free_bed(place) or rng.choice(place.units)
        self._decide(flow, unit, by)
        while not unit.free_beds():
            yield hours(6, 18, rng)
            other = self._unit_with_free_bed(place)
            if other is not None and other is not unit and rng.random() < 0.5:
                unit = other
                self._decide(flow, unit, by)
        bed = rng.choice(unit.free_beds())

        def reserve() -> None:
            flow.reserve_bed(unit.id, bed, by=by, at=self.now)
            unit.reserve(bed, flow.id, by=by, at=self.now)

        self._do(flow, reserve, unit, by=by)
        yield from self._work_on_tasks(flow, place, hours(2, 20, rng))

        def arrive() -> None:
            flow.arrive(by=by, at=self.now)
            unit.occupy(bed, flow.id, by=by, at=self.now)

        self._do(flow, arrive, unit, by=by)
        unset = [f for f in SafetyFlag if f.value not in flow.safety_flags]
        if unset and rng.random() < 0.4:
            flag = rng.choice(unset)
            self._do(flow, lambda: flow.raise_safety_flag(flag, by=by, at=self.now), by=by)
        yield from self._work_on_tasks(flow, place, days(1, 4, rng))
        if rng.random() < 0.05 and unit.free_beds():
            to_bed, from_bed = rng.choice(unit.free_beds()), bed

            def move() -> None:
                flow.move(to_bed, by=by, at=self.now)
                unit.move(flow.id, from_bed, to_bed, by=by, at=self.now)

            self._do(flow, move, unit, by=by)
            bed = to_bed
        if flow.safety_flags and rng.random() < 0.5:
            raised = SafetyFlag(next(iter(flow.safety_flags)))
            self._do(flow, lambda: flow.clear_safety_flag(raised, by=by, at=self.now), by=by)
        yield days(3, 14, rng)
        if rng.random() < 0.05:
            self._give_up_bed(flow, unit, lambda: flow.readmit("Sykehuset", by=by, at=self.now), by)
            return True
        going_home = rng.random() < 0.8
        plan_on = (self.now + days(1, 6, rng)).date()
        zone = rng.choice(place.zones) if going_home else None
        destination = Destination.HOME if going_home else Destination.LONG_TERM_CARE
        plan = DischargePlan(plan_on, rng.random() < 0.2, destination.value, zone)
        self._do(flow, lambda: flow.plan_discharge(plan, by=by, at=self.now), by=by)
        wait = datetime.combine(plan_on, self.now.timetz()) - self.now + hours(0, 6, rng)
        yield from self._work_on_tasks(flow, place, max(wait, timedelta(hours=1)))
        self._give_up_bed(flow, unit, lambda: flow.discharge(by=by, at=self.now), by)
        if not going_home:
            yield days(0, 2, rng)
            self._close(flow, ClosingReason.LONG_TERM_CARE, by)
            return False
        yield hours(4, 30, rng)
        self._do(flow, lambda: flow.start_home_care(by=by, at=self.now), by=by)
        yield from self._work_on_tasks(flow, place, days(1, 3, rng))
        yield days(3, 30, rng)
        self._close(flow, ClosingReason.COMPLETED, by)
        return False

    def _decide(self, flow: PatientFlow, unit: CareUnit, by: Actor) -> None:
        service = ServiceKind.SHORT_TERM_STAY.value
        decision = Decision(service, unit.id, None, self.now.date(), None)
        self._do(flow, lambda: flow.decide_service(decision, by=by, at=self.now), by=by)

    def _unit_with_free_bed(self, place: Place) -> CareUnit | None:
        free = [u for u in place.units if u.free_beds()]
        return self.rng.choice(free) if free else None

    def _give_up_bed(
        self, flow: PatientFlow, unit: CareUnit, change: Callable[[], None], by: Actor
    ) -> None:
        """As `Pasientflyt.run` does when a command gives up a bed: the flow changes and its unit
        frees the bed."""
        held = flow.held_bed
        assert held is not None and held.unit_id == unit.id

        def both() -> None:
            change()
            unit.release(held.bed, flow.id, by=by, at=self.now)

        self._do(flow, both, unit, by=by)

    def _close(self, flow: PatientFlow, reason: ClosingReason, by: Actor) -> None:
        self._do(flow, lambda: flow.close(reason, "", by=by, at=self.now), by=by)

    def _work_on_tasks(self, flow: PatientFlow, place: Place, within: timedelta) -> Journey:
        """Over `within`, owners do most open tasks and receivers answer most done ones."""
        rng = self.rng
        states = [s for s in flow.tasks.values() if s.status == TaskStatus.OPEN]
        steps = [s.task.id for s in states if rng.random() < 0.85]
        pause = min(within / (len(steps) + 1), timedelta(hours=3))
        for task_id in steps:
            yield pause
            self._task_work(flow, place, task_id)
        yield within - pause * len(steps)

    def _task_work(self, flow: PatientFlow, place: Place, task_id: UUID) -> None:
        state = flow.tasks[str(task_id)]
        if state.status != TaskStatus.OPEN or flow.phase == Phase.CLOSED:
            return
        owner, members = self._acting(place, state.task.owner)
        self._do(
            flow,
            lambda: flow.complete_task(task_id, "", by=owner, member_of=members, at=self.now),
            by=owner,
        )
        receiver = state.task.receiver
        if receiver is None or self.rng.random() < 0.1:
            return
        answerer, units = self._acting(place, receiver)
        if self.rng.random() < 0.9:
            self._do(
                flow,
                lambda: flow.acknowledge_task(task_id, by=answerer, member_of=units, at=self.now),
                by=answerer,
            )
        else:
            self._do(
                flow,
                lambda: flow.reject_task(
                    task_id, "Mangler opplysninger", by=answerer, member_of=units, at=self.now
                ),
                by=answerer,
            )

    def _acting(self, place: Place, party: Party) -> tuple[Actor, list[UUID]]:
        if party.unit_id is None:
            return place.office, []
        return place.nurse, [party.unit_id]


def municipality(n: int) -> MunicipalitySpec:
    return MunicipalitySpec(
        number=f"{9900 + n}",
        name=f"Simulert kommune {n}",
        units=[
            UnitSpec(code=f"K{u:02d}", name=f"Korttid {u}", kind=UnitKind.REHAB, beds=BEDS)
            for u in range(1, UNITS + 1)
        ],
        zones=[ZoneSpec(code=f"SONE{z}", name=f"Sone {z}") for z in range(1, ZONES + 1)],
        users=[],
    )


def places(system: System) -> list[Place]:
    found = []
    for n in range(1, MUNICIPALITIES + 1):
        spec = municipality(n)
        install(system.flows, system.accounts, system.grants, spec, START - timedelta(days=1))
        units = [system.flows.repository.get(unit_id(spec.id, u.code)) for u in spec.units]
        assert all(isinstance(u, CareUnit) for u in units)
        found.append(
            Place(
                spec.id,
                Actor("simulering", "allocation", spec.id),
                Actor("simulering", "nurse", spec.id),
                units,
                [unit_id(spec.id, z.code) for z in spec.zones],
            )
        )
    return found


# -- what is timed ---------------------------------------------------------------------------


def read_log(system: System, batch: int) -> int:
    """The projector's reads and decoding, nothing applied."""
    recorder, mapper = system.flows.recorder, system.flows.mapper
    start, count = 0, 0
    while True:
        notifications = recorder.select_notifications(start, batch, inclusive_of_start=False)
        if not notifications:
            return count
        count += len(mapper.to_domain_events(notifications))
        start = notifications[-1].id


def read_log_as_rebuild(system: System) -> int:
    """The reads and decoding as a rebuild does them: its batch size, no cycle collector."""
    gc.disable()
    try:
        return read_log(system, system.projector.rebuild_batch_size)
    finally:
        gc.enable()


class _Enough(Exception):
    """Stops a rebuild after the events to profile."""


def rebuild(system: System, stop_after: int | None = None) -> tuple[int, float]:
    """`Projector.rebuild` in this process, on the system as it is."""
    applied = [0]

    def on_batch(count: int) -> None:
        applied[0] += count
        if stop_after is not None and applied[0] >= stop_after:
            raise _Enough

    started = time.perf_counter()
    try:
        returned = system.projector.rebuild(list(system.projector.projections), on_batch)
        assert returned == applied[0]
    except _Enough:
        pass
    return applied[0], time.perf_counter() - started


def rebuild_as_command(settings: Settings, names: list[str], processes: int) -> float:
    """As `pasientflyt rebuild --processes N` runs it: each process opens the system anew
    (no key known), the models dealt to the processes in turns."""
    started = time.perf_counter()
    rebuilding.rebuild(settings, rebuilding.deal(names, processes))
    return time.perf_counter() - started


def kind_of(statement: str) -> str:
    words = statement.split()
    verb = words[0].upper()
    if verb == "SELECT":
        table = words[words.index("FROM") + 1] if "FROM" in words else "?"
        where = statement.split("WHERE", 1)[1] if "WHERE" in statement else ""
        if table == "projection_positions":
            return "SELECT projection_positions"
        return f"SELECT {table} one row by key (Rows.get)" if where else f"SELECT {table}"
    if verb == "INSERT":
        return f"INSERT INTO {words[2]} (Rows.flush, executemany)"
    if verb == "DELETE":
        return f"DELETE FROM {words[2]} WHERE key IN (...) (Rows.flush)"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    return " ".join(words[:3])


#: Where a rebuild's time goes, by function (file ending, function name) in the profile.
PARTS = [
    ("batch (Projector._apply_batch)", "projections/projector.py", "_apply_batch"),
    ("  read: recorder.select_notifications", "eventsourcing/sqlite.py", "select_notifications"),
    ("  decode: mapper.to_domain_event", "eventsourcing/persistence.py", "to_domain_event"),
    ("  positions: Projector.positions", "projections/projector.py", "positions"),
    ("  handlers: Projection.changes (all models)", "projections/projector.py", "changes"),
    ("  write: Projection.write (all models)", "projections/projector.py", "write"),
    ("    Rows.get", "projections/rows.py", "get"),
    ("    Rows.flush", "projections/rows.py", "flush"),
    ("    Rows.update", "projections/rows.py", "update"),
    ("    Rows.put", "projections/rows.py", "put"),
    ("  SQLAlchemy Connection.execute (all)", "sqlalchemy/engine/base.py", "execute"),
    ("    statement cache key + compile", "sqlalchemy/sql/elements.py", "_compile_w_cache"),
    ("    DBAPI cursor.execute", "sqlalchemy/engine/default.py", "do_execute"),
    ("    DBAPI cursor.executemany", "sqlalchemy/engine/default.py", "do_executemany"),
    ("  commit", "sqlalchemy/engine/base.py", "commit"),
]


def _profile(system: System, events: int) -> dict[str, Any]:
    with sql_tally(system.engine, kind_of) as tally:
        applied, seconds = rebuild(system, stop_after=PROFILE_EVENTS)
    print(
        f"\nRebuild of the first {applied:,} of {events:,} events, SQL tallied: {seconds:.1f} s,"
        f" {applied / seconds:,.0f} events/s"
    )
    print(f"  {'statements':>10} {'total s':>8} {'share':>6} {'µs each':>8}  kind")
    found = {}
    for kind, times in sorted(tally.items(), key=lambda kv: -sum(kv[1])):
        total = sum(times)
        found[kind] = {"count": len(times), "s": total}
        print(
            f"  {len(times):>10,} {total:>8.2f} {100 * total / seconds:>5.1f}%"
            f" {1e6 * total / len(times):>8.0f}  {kind}"
        )
    sql = sum(v["s"] for v in found.values())
    print(f"  all SQL through the engine: {sql:.2f} s ({100 * sql / seconds:.0f} % of the rebuild)")

    profiler = cProfile.Profile()
    profiler.enable()
    applied, profiled_s = rebuild(system, stop_after=PROFILE_EVENTS)
    profiler.disable()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    out = RESULTS.with_name("rebuild_sqlite.prof")
    profiler.dump_stats(out)
    stats = pstats.Stats(profiler)
    cumulative: dict[tuple[str, str], float] = {}
    for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for _label, suffix, function in PARTS:
            if path.endswith(suffix) and name == function:
                cumulative[(suffix, function)] = cumulative.get((suffix, function), 0.0) + ct
    print(
        f"\ncProfile of the same rebuild ({applied:,} events, {profiled_s:.1f} s with the"
        f" profiler's overhead; full stats: {out}); cumulative time by part:"
    )
    for label, suffix, function in PARTS:
        ct = cumulative.get((suffix, function), 0.0)
        print(f"  {ct:>8.2f} s {100 * ct / profiled_s:>5.1f}%  {label}")
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    return {"sql": found, "tallied_s": seconds, "tallied_events": applied}


@pytest.mark.timeout(3600)
def test_rebuild(sqlite_url: str) -> None:
    load_before = load_average()
    settings = Settings(database_url=sqlite_url)
    system = open_system(settings)
    names = list(system.projector.projections)
    try:
        started = time.perf_counter()
        simulation = Simulation(system, places(system), random.Random("rebuild"))
        made = simulation.run(N_EVENTS)
        generate_s = time.perf_counter() - started
        del simulation  # its flows, units and heap: nothing later should pay GC for them
        gc.collect()
        events = system.flows.recorder.max_notification_id() or 0
        assert events >= made.events
        load_generated = load_average()

        batch = system.projector.batch_size
        started = time.perf_counter()
        assert read_log(system, batch) == events
        baseline_before_s = time.perf_counter() - started
        started = time.perf_counter()
        assert read_log_as_rebuild(system) == events
        as_rebuild_before_s = time.perf_counter() - started

        one_process_s = rebuild_as_command(settings, names, 1)
        rebuild_s = rebuild_as_command(settings, names, PROCESSES)
        with system.engine.connect() as db:
            flows = db.scalar(select(func.count()).select_from(cards))
            task_rows = db.scalar(select(func.count()).select_from(tasks))
            bed_rows = db.scalar(select(func.count()).select_from(beds))
        assert flows == made.flows
        assert task_rows == made.kinds.get("ClosedLoops.TaskOpened", 0)
        assert bed_rows == MUNICIPALITIES * UNITS * BEDS

        started = time.perf_counter()
        assert read_log(system, batch) == events
        baseline_after_s = time.perf_counter() - started
        started = time.perf_counter()
        assert read_log_as_rebuild(system) == events
        as_rebuild_after_s = time.perf_counter() - started
        load_after = load_average()

        rate = events / rebuild_s
        baseline_s = min(baseline_before_s, baseline_after_s)
        as_rebuild_s = min(as_rebuild_before_s, as_rebuild_after_s)
        profiled: dict[str, Any] = {}
        if PROFILE == "1" or (PROFILE == "auto" and rate < TARGET):
            profiled = _profile(system, events)
    finally:
        system.close()

    size = os.path.getsize(sqlite_url.removeprefix("sqlite:///"))
    task_events = sum(v for k, v in made.kinds.items() if k.startswith("ClosedLoops."))
    unit_events = sum(v for k, v in made.kinds.items() if k.startswith("CareUnit."))
    line = "-" * 78
    print(f"\nRebuild of every read model from {events:,} events on sqlite\n{line}")
    print(f"{'':<52} {'seconds':>9} {'events/s':>12}")
    rows = [
        ("generation (simulate + save)", generate_s),
        ("  of which save (map + INSERT + COMMIT)", made.save_s),
        ("baseline: read + decode, no apply (before)", baseline_before_s),
        ("baseline: read + decode, no apply (after)", baseline_after_s),
        ("baseline as the rebuild reads (before)", as_rebuild_before_s),
        ("baseline as the rebuild reads (after)", as_rebuild_after_s),
        ("rebuild, all models in one process", one_process_s),
        (f"rebuild, in {PROCESSES} processes (pasientflyt rebuild)", rebuild_s),
    ]
    for name, seconds in rows:
        print(f"{name:<52} {seconds:>9.1f} {events / seconds:>12,.0f}")
    print(line)
    kinds = sorted(made.kinds.items(), key=lambda kv: -kv[1])
    notes = [
        f"log: {made.flows:,} flows, {events / made.flows:.1f} events per flow; {task_events:,}"
        f" task events ({100 * task_events / events:.0f} %), {unit_events:,} unit events;"
        f" {made.simulated_days:.0f} simulated days in {MUNICIPALITIES} municipalities;"
        f" saved in {made.saves} transactions; database file {size / 1e6:,.0f} MB",
        "most frequent events: " + ", ".join(f"{k} {v:,}" for k, v in kinds[:8]),
        f"ratio rebuild / baseline: {rebuild_s / baseline_s:.2f}x the time; rebuild / baseline as"
        f" the rebuild reads: {rebuild_s / as_rebuild_s:.2f}x (projections cost"
        f" {rebuild_s - as_rebuild_s:.0f} s of {rebuild_s:.0f} s)",
        f"rebuild batches of {system.projector.rebuild_batch_size:,} events; the models dealt"
        f" to the processes: {rebuilding.deal(names, PROCESSES)}; one process / {PROCESSES}:"
        f" {one_process_s / rebuild_s:.2f}x",
        f"target: rebuild >= {TARGET:,.0f} events/s:"
        f" {'met' if rate >= TARGET else 'MISSED'} ({rate:,.0f} events/s)",
        f"machine: {os.cpu_count()} CPUs, load average {load_before} before,"
        f" {load_generated} after generating, {load_after} after (1/5/15 min)",
    ]
    for note in notes:
        print(note)
    append_results(
        "rebuild",
        "sqlite",
        [],
        events=events,
        flows=made.flows,
        task_events=task_events,
        unit_events=unit_events,
        generate_s=generate_s,
        save_s=made.save_s,
        baseline_before_s=baseline_before_s,
        baseline_after_s=baseline_after_s,
        rebuild_s=rebuild_s,
        rebuild_events_per_s=rate,
        processes=PROCESSES,
        one_process_s=one_process_s,
        one_process_events_per_s=events / one_process_s,
        baseline_events_per_s=events / baseline_s,
        ratio=rebuild_s / baseline_s,
        as_rebuild_before_s=as_rebuild_before_s,
        as_rebuild_after_s=as_rebuild_after_s,
        as_rebuild_events_per_s=events / as_rebuild_s,
        ratio_as_rebuild=rebuild_s / as_rebuild_s,
        rebuild_batch_size=system.projector.rebuild_batch_size,
        target_events_per_s=TARGET,
        profile=profiled,
        load_average={"before": load_before, "generated": load_generated, "after": load_after},
    )
