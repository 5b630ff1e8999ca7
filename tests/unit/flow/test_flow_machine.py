"""Random histories through the application service, checked after every step.

Random actors (any role, several users, now and then one of another municipality) give
every flow and unit command at random, moving times. Two units of three beds each and
two zones keep collisions frequent. The default checklists are in force, so the flows'
events open tasks: their owners and receivers (and now and then someone else) complete,
acknowledge and reject them, and the deadline process marks them overdue as the clock
jumps hours and days past their due times. Every command either succeeds or raises a
`FlowError` that recorded nothing; a task command's outcome is known beforehand. After
every step:

- replaying the stored events of every flow and unit gives the state the command left;
- no bed holds two flows, and every flow and unit agree on the bed a flow holds;
- a closed flow accepts nothing, the task commands and the deadline process included;
- the stored events of every flow the step touched keep its loops (see `closed_loop_log`):
  no task acknowledged before it was completed since its last opening or rejection,
  `TaskOverdue` at most once per task and never before its due time, and a closed flow
  with no open loop, every task cancelled at the closing naming it.
"""

from __future__ import annotations

import inspect
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)
from support.closed_loop_log import walk
from support.world import MemoryKeys, key_ring

from fixtures import CHECKLISTS_FILE
from flow import checklist_file
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.care_unit import CareUnit
from flow.closed_loops import Party, TaskState, TaskStatus
from flow.errors import (
    FlowClosedError,
    FlowError,
    IllegalTransitionError,
    NotFoundError,
    NotPermittedError,
    StaleVersionError,
)
from flow.flow_values import ERASED_PATIENT, BedRef, Decision, DischargePlan
from flow.municipality import municipality_id, unit_id
from flow.patient_flow import PatientFlow
from flow.personal_data import KeyRing
from flow.store import store_env
from flow.views import FlowView, UnitView
from flow.vocabulary import (
    ERASED,
    ClosingReason,
    Command,
    CorrectableCommand,
    Destination,
    Phase,
    SafetyFlag,
    ServiceKind,
    Source,
    UnitKind,
    WaitReason,
)

HOME = municipality_id("9998")
NEIGHBOUR = municipality_id("9997")
UNITS = {"KORT": unit_id(HOME, "KORT"), "UTRED": unit_id(HOME, "UTRED")}
ZONES = {"NORD": unit_id(HOME, "NORD"), "SOR": unit_id(HOME, "SOR")}
PLACES = {**UNITS, **ZONES}
BEDS = ["1", "2", "3"]
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SETUP = Actor("oppsett", "admin", HOME)
NATIONAL_IDS = ["15898912342", "29528912395", "69898912353", "01018012371", "15458990139"]
ROLES = ["allocation", "nurse", "homecare", "leader", "admin"]
CHECKLISTS = checklist_file.load(CHECKLISTS_FILE)
DEADLINE_RUNNER = Actor("fristvakt", "system", HOME)
STATUSES = [status.value for status in TaskStatus]
LOOP_OPEN = {TaskStatus.OPEN.value, TaskStatus.COMPLETED.value}

home_actors = st.builds(
    Actor, st.sampled_from(["kari", "ola", "per", "nils"]), st.sampled_from(ROLES), st.just(HOME)
)
strangers = st.builds(Actor, st.just("fremmed"), st.sampled_from(ROLES), st.just(NEIGHBOUR))
#: One command in eight comes from another municipality; shrinking goes towards home.
actors = st.tuples(st.integers(0, 7), home_actors, strangers).map(
    lambda drawn: drawn[2] if drawn[0] == 7 else drawn[1]
)
#: How the command states the version it was made against: not at all, right, or stale.
versions = st.sampled_from([None, None, None, None, None, "current", "stale"])
#: How far the clock moves before a command: often minutes, sometimes days.
waits = st.one_of(st.integers(0, 90), st.integers(0, 4 * 24 * 60))
#: Where a decision or plan points: mostly the unit the flow was decided for.
places = st.sampled_from(["decided", "decided", *PLACES])
#: How far the clock moves before the deadline process runs: as for a command, or some
#: hours to three weeks, past the due times a trigger or a planned date sets.
past_deadlines = st.one_of(waits, st.integers(1, 21 * 24).map(lambda hours: 60 * hours))
#: Who gives a task command: the party it waits for, someone else, or a stranger.
task_actors = st.sampled_from(["party", "party", "party", "other", "stranger"])
#: Which task a task command is given: one in the status it needs (when there is one), one
#: in another status, or one the flow does not have.
task_picks = st.sampled_from(["fits", "fits", "fits", "fits", "other status", "unknown"])


class Tracking(Pasientflyt):
    """The application under test, keeping what each save left in the aggregates."""

    name = Pasientflyt.name  # the same tables: a subclass would get its own

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live: dict[UUID, FlowView | UnitView] = {}
        self.changed: set[UUID] = set()

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = super().save(*objs, **kwargs)
        for obj in objs:
            if isinstance(obj, PatientFlow | CareUnit):
                self.live[obj.id] = view(obj)
                self.changed.add(obj.id)
        return recordings


def replay(domain_events: Iterable[Any]) -> Aggregate | None:
    """The aggregate its events make, from the first, without snapshots."""
    return project(None, domain_events)


def project(aggregate: Any, domain_events: Iterable[Any]) -> Any:
    """The events applied in turn, for `repository.get`: as the application reads, without
    the library's per-event protocol check, which costs more than applying the event."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


def view(aggregate: Aggregate | None) -> FlowView | UnitView:
    if isinstance(aggregate, PatientFlow):
        return FlowView.of(aggregate)
    assert isinstance(aggregate, CareUnit)
    return UnitView.of(aggregate)


VALUES = (str, int, float, bool, type(None), UUID, datetime, date, Enum)


def assert_values_only(aggregate: Aggregate) -> None:
    """The aggregate holds values and dicts and lists of them, nothing else: copying its
    containers copies it (`flow.copying`), and the commands on a copy leave the repository's
    cached aggregate as its events made it."""
    for name, held in vars(aggregate).items():
        items = (
            held.items() if isinstance(held, dict) else held if isinstance(held, list) else [held]
        )
        for item in items:
            assert _is_value(item), f"{type(aggregate).__name__}.{name} holds {item!r}"


def _is_value(item: object) -> bool:
    if isinstance(item, tuple | frozenset):
        return all(_is_value(part) for part in item)
    if is_dataclass(item):
        frozen = type(item).__dataclass_params__.frozen  # type: ignore[attr-defined]
        return frozen and all(_is_value(getattr(item, f.name)) for f in fields(item))
    return isinstance(item, VALUES)


class FlowMachine(RuleBasedStateMachine):
    """Every command of the application service, against the invariants of the log."""

    flows = Bundle("flows")

    def __init__(self) -> None:
        super().__init__()
        self.app = Tracking(env=self.store(), keys=self.keys(), checklists=CHECKLISTS)
        self.now = T0
        self.closed: dict[UUID, int] = {}  # a closed flow and its version when closed
        self.refused: set[UUID] = set()  # flows a command was refused for since the last check
        self.last_refusal: FlowError | None = None
        self.steps = 0
        self.app.register_municipality("9998", "Testkommune", by=SETUP, at=T0)
        self.app.register_municipality(
            "9997", "Nabokommune", by=Actor("oppsett", "admin", NEIGHBOUR), at=T0
        )
        for code in UNITS:
            self.app.register_unit(code, code, UnitKind.REHAB, BEDS, by=SETUP, at=T0)
        for code in ZONES:
            self.app.register_unit(code, code, UnitKind.HOME_CARE_ZONE, [], by=SETUP, at=T0)

    def store(self) -> dict[str, str]:
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}

    def keys(self) -> KeyRing:
        return MemoryKeys()

    def readers(self) -> Iterator[Pasientflyt]:
        """Other applications on the same store, which know only what was recorded."""
        yield from ()

    def teardown(self) -> None:
        self.app.close()

    # -- running a command ---------------------------------------------------------------

    def recorded(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def tick(self, minutes: int) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def stored_flow(self, flow_id: UUID) -> PatientFlow:
        flow: PatientFlow = self.app.repository.get(flow_id, projector_func=project)
        return flow

    def expected(self, flow_id: UUID, version: str | None) -> int | None:
        if version is None:
            return None
        current = self.stored_flow(flow_id).version
        return current if version == "current" else current - 1

    def decided_unit(self, flow_id: UUID, fallback: str = "KORT") -> UUID:
        decision = self.stored_flow(flow_id).decision
        unit = decision.unit_id if decision is not None else None
        return unit or UNITS[fallback]

    def place(self, flow_id: UUID, choice: str, *, zone: bool = False) -> UUID:
        if choice != "decided":
            return PLACES[choice]
        if zone:
            plan = self.stored_flow(flow_id).decision
            return plan.zone_id if plan is not None and plan.zone_id else ZONES["NORD"]
        return self.decided_unit(flow_id)

    def run(
        self,
        name: str,
        command: Callable[[], object],
        by: Actor,
        flow_id: UUID | None = None,
        *,
        version: str | None = None,
        bad_arguments: bool = False,
        even_closed: bool = False,
    ) -> bool:
        """Give the command; check what it must refuse and that a refusal recorded nothing."""
        before = self.recorded()
        closed = flow_id in self.closed and not even_closed
        try:
            command()
        except FlowError as refused:
            self.last_refusal = refused
            event(f"{name}: {type(refused).__name__}")
            if flow_id is not None:
                self.refused.add(flow_id)
            assert self.recorded() == before, f"{name} was refused but recorded events"
            self.check_refusal(refused, by, closed, version, bad_arguments)
            return False
        event(f"{name}: recorded")
        assert by.municipality_id == HOME, f"{name} let another municipality in"
        assert not closed, f"a closed flow accepted {name}"
        assert version != "stale", f"{name} accepted a stale version"
        assert not bad_arguments, f"{name} accepted arguments it must refuse"
        self.check_new_events(before, by)
        return True

    def check_refusal(
        self,
        refused: FlowError,
        by: Actor,
        closed: bool,
        version: str | None,
        bad_arguments: bool,
    ) -> None:
        if by.municipality_id != HOME:
            assert type(refused) is NotFoundError, refused
        elif version == "stale":
            assert type(refused) is StaleVersionError, refused
        elif closed:
            assert type(refused) is FlowClosedError, refused
            assert "avsluttet" in refused.message
        elif bad_arguments:
            assert type(refused) is IllegalTransitionError, refused

    def check_new_events(self, before: int, by: Actor) -> list[Any]:
        """Something was recorded, and every new event names its actor and time."""
        notifications = self.app.recorder.select_notifications(start=before + 1, limit=100)
        assert notifications, "a command succeeded but recorded nothing"
        recorded = [self.app.mapper.to_domain_event(n) for n in notifications]
        for domain_event in recorded:
            assert getattr(domain_event, "by", None) == by, domain_event
            assert getattr(domain_event, "at", None) == self.now, domain_event
        return recorded

    # -- flows ------------------------------------------------------------------------

    @initialize(
        target=flows,
        journeys=st.lists(
            st.tuples(st.sampled_from(Source), st.integers(0, 9), st.integers(0, 5)),
            min_size=2,
            max_size=4,
        ),
        by=home_actors,
    )
    def open_first_flows(
        self, journeys: list[tuple[Source, int, int]], by: Actor
    ) -> MultipleResults[UUID]:
        """Flows some way along their journey, so that every rule has work from the start."""
        opened = []
        for source, steps, choice in journeys:
            flow_id = self.opened(source, NATIONAL_IDS[choice % len(NATIONAL_IDS)], by, 30)
            for _ in range(steps):
                self.advance(flow_id, by, 30, choice)
            opened.append(flow_id)
        return multiple(*opened)

    @rule(flow=flows, by=actors, wait=waits, choice=st.integers(0, 5))
    def advance(self, flow: UUID, by: Actor, wait: int, choice: int) -> None:
        """The command the flow's journey needs next, with arguments that fit it."""
        name, command = self.next_step(flow, by, self.tick(wait), choice)
        self.run(f"advance: {name}", command, by, flow)

    def next_step(
        self, flow_id: UUID, by: Actor, at: datetime, choice: int
    ) -> tuple[str, Callable[[], object]]:
        app, flow = self.app, self.stored_flow(flow_id)
        decision = flow.decision
        short_term = decision is not None and decision.service == ServiceKind.SHORT_TERM_STAY
        if flow.phase == Phase.CLOSED:
            return "close", lambda: app.close_flow(flow_id, ClosingReason.OTHER, "", by=by, at=at)
        if flow.reservation is not None:
            return "arrive", lambda: app.arrive(flow_id, by=by, at=at)
        if flow.phase == Phase.REFERRED and not short_term:
            return "admit", lambda: app.notify_admission(flow_id, "St. Olav", at, by=by, at=at)
        if flow.phase in {Phase.REFERRED, Phase.IN_HOSPITAL, Phase.READY} and short_term:
            assert decision is not None and decision.unit_id is not None
            bed = self.some_bed(decision.unit_id, choice)
            unit_id = decision.unit_id
            return "reserve", lambda: app.reserve_bed(flow_id, unit_id, bed, by=by, at=at)
        in_hospital = flow.phase in {Phase.IN_HOSPITAL, Phase.READY}
        if in_hospital and flow.discharge_plan is not None:
            return "discharge from hospital", lambda: app.discharge(flow_id, by=by, at=at)
        if flow.phase == Phase.READY and decision is not None:
            plan = self.plan_from_hospital(decision, at)
            return "plan from hospital", lambda: app.plan_discharge(flow_id, plan, by=by, at=at)
        if flow.phase == Phase.IN_HOSPITAL:
            return "ready", lambda: app.notify_ready_for_discharge(flow_id, at, False, by=by, at=at)
        if flow.phase == Phase.READY:
            decided = self.decision_after_hospital(choice, at)
            return "decide", lambda: app.decide_service(flow_id, decided, by=by, at=at)
        if flow.phase == Phase.ON_STAY and flow.discharge_plan is None:
            zone = list(ZONES.values())[choice % len(ZONES)]
            plan = (
                DischargePlan(at.date(), False, Destination.HOME.value, zone)
                if choice % 3
                else DischargePlan(at.date(), True, Destination.LONG_TERM_CARE.value, None)
            )
            return "plan", lambda: app.plan_discharge(flow_id, plan, by=by, at=at)
        if flow.phase == Phase.ON_STAY:
            return "discharge", lambda: app.discharge(flow_id, by=by, at=at)
        if flow.phase == Phase.DISCHARGED and flow.discharged_to == Destination.HOME:
            return "start home care", lambda: app.start_home_care(flow_id, by=by, at=at)
        return "readmit", lambda: app.readmit(flow_id, "St. Olav", by=by, at=at)

    @staticmethod
    def decision_after_hospital(choice: int, at: datetime) -> Decision:
        """Mostly a short-term stay; else home care or long-term care, straight from hospital."""
        if choice % 3:
            unit = list(UNITS.values())[choice % len(UNITS)]
            return Decision(ServiceKind.SHORT_TERM_STAY.value, unit, None, at.date(), None)
        if choice % 2:
            return Decision(ServiceKind.LONG_TERM_CARE.value, None, None, at.date(), None)
        zone = list(ZONES.values())[choice % len(ZONES)]
        return Decision(ServiceKind.HOME_CARE.value, None, zone, at.date(), None)

    @staticmethod
    def plan_from_hospital(decision: Decision, at: datetime) -> DischargePlan:
        """Home to the decided zone, else to long-term care, the next day."""
        if decision.service == ServiceKind.HOME_CARE and decision.zone_id is not None:
            home = Destination.HOME.value
            return DischargePlan(at.date() + timedelta(days=1), False, home, decision.zone_id)
        elsewhere = Destination.LONG_TERM_CARE.value
        return DischargePlan(at.date() + timedelta(days=1), True, elsewhere, None)

    def some_bed(self, unit_id: UUID, choice: int) -> str:
        """A free bed of the unit if there is one; else any, to be refused."""
        unit: CareUnit = self.app.repository.get(unit_id, projector_func=project)
        free = unit.free_beds() or BEDS
        return free[choice % len(free)]

    @rule(
        target=flows,
        source=st.sampled_from(Source),
        national_id=st.sampled_from(NATIONAL_IDS),
        by=home_actors,
        wait=waits,
    )
    def open_flow(self, source: Source, national_id: str, by: Actor, wait: int) -> UUID:
        return self.opened(source, national_id, by, wait)

    def opened(self, source: Source, national_id: str, by: Actor, wait: int) -> UUID:
        at, before = self.tick(wait), self.recorded()
        flow_id = self.app.open_flow(
            national_id,
            "Kari Nordmann",
            source,
            "St. Olav",
            "-",
            by=by,
            at=at,
            flow_id=uuid5(HOME, f"flow-{self.recorded()}"),  # the same ids when an example reruns
        )
        event(f"open_flow from {source.value}")
        self.check_new_events(before, by)
        assert self.stored_flow(flow_id).phase == (
            Phase.IN_HOSPITAL if source == Source.HOSPITAL else Phase.REFERRED
        )
        return flow_id

    @rule(flow=flows, by=actors, wait=waits, version=versions)
    def notify_admission(self, flow: UUID, by: Actor, wait: int, version: str | None) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "notify_admission",
            lambda: self.app.notify_admission(
                flow, "St. Olav", at, by=by, at=at, expected_version=expected
            ),
            by,
            flow,
            version=version,
        )

    @rule(flow=flows, estimate=st.booleans(), by=actors, wait=waits, version=versions)
    def notify_ready(
        self, flow: UUID, estimate: bool, by: Actor, wait: int, version: str | None
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "notify_ready",
            lambda: self.app.notify_ready_for_discharge(
                flow, at + timedelta(hours=2), estimate, by=by, at=at, expected_version=expected
            ),
            by,
            flow,
            version=version,
        )

    @rule(flow=flows, by=actors, wait=waits, version=versions)
    def withdraw_ready(self, flow: UUID, by: Actor, wait: int, version: str | None) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "withdraw_ready",
            lambda: self.app.withdraw_ready_for_discharge(
                flow, "feber", by=by, at=at, expected_version=expected
            ),
            by,
            flow,
            version=version,
        )

    @rule(flow=flows, can_receive=st.booleans(), by=actors, wait=waits, version=versions)
    def answer_hospital(
        self, flow: UUID, can_receive: bool, by: Actor, wait: int, version: str | None
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "answer_hospital",
            lambda: self.app.answer_hospital(
                flow, can_receive, "", by=by, at=at, expected_version=expected
            ),
            by,
            flow,
            version=version,
        )

    @rule(flow=flows, reason=st.sampled_from(WaitReason), by=actors, wait=waits, version=versions)
    def record_wait_reason(
        self, flow: UUID, reason: WaitReason, by: Actor, wait: int, version: str | None
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "record_wait_reason",
            lambda: self.app.record_wait_reason(
                flow, reason, "", by=by, at=at, expected_version=expected
            ),
            by,
            flow,
            version=version,
        )

    @rule(
        flow=flows,
        place=st.sampled_from(list(PLACES)),
        days=st.integers(0, 30),
        by=actors,
        wait=waits,
        version=versions,
    )
    def decide_short_term_stay(
        self, flow: UUID, place: str, days: int, by: Actor, wait: int, version: str | None
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        starts = at.date() + timedelta(days=days)
        decision = Decision(ServiceKind.SHORT_TERM_STAY.value, PLACES[place], None, starts, None)
        self.run(
            "decide_short_term_stay",
            lambda: self.app.decide_service(
                flow, decision, by=by, at=at, expected_version=expected
            ),
            by,
            flow,
            version=version,
            bad_arguments=place in ZONES,
        )

    @rule(
        flow=flows,
        place=st.sampled_from(list(PLACES)),
        by=actors,
        wait=waits,
        version=versions,
    )
    def decide_home_care(
        self, flow: UUID, place: str, by: Actor, wait: int, version: str | None
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        decision = Decision(ServiceKind.HOME_CARE.value, None, PLACES[place], at.date(), None)
        self.run(
            "decide_home_care",
            lambda: self.app.decide_service(
                flow, decision, by=by, at=at, expected_version=expected
            ),
            by,
            flow,
            version=version,
            bad_arguments=place in UNITS,
        )

    @rule(flow=flows, by=actors, wait=waits, version=versions)
    def decide_long_term_care(self, flow: UUID, by: Actor, wait: int, version: str | None) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        ends = at.date() + timedelta(days=365)
        decision = Decision(ServiceKind.LONG_TERM_CARE.value, None, None, at.date(), ends)
        self.run(
            "decide_long_term_care",
            lambda: self.app.decide_service(
                flow, decision, by=by, at=at, expected_version=expected
            ),
            by,
            flow,
            version=version,
        )

    @rule(
        flow=flows,
        place=places,
        bed=st.sampled_from(BEDS),
        by=actors,
        wait=waits,
        version=versions,
    )
    def reserve_bed(
        self, flow: UUID, place: str, bed: str, by: Actor, wait: int, version: str | None
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        unit = self.place(flow, place)
        self.run(
            "reserve_bed",
            lambda: self.app.reserve_bed(flow, unit, bed, by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )

    @rule(flow=flows, by=actors, wait=waits, version=versions)
    def cancel_reservation(self, flow: UUID, by: Actor, wait: int, version: str | None) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "cancel_reservation",
            lambda: self.app.cancel_reservation(
                flow, "annen plan", by=by, at=at, expected_version=expected
            ),
            by,
            flow,
            version=version,
        )

    @rule(flow=flows, by=actors, wait=waits, version=versions)
    def arrive(self, flow: UUID, by: Actor, wait: int, version: str | None) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "arrive",
            lambda: self.app.arrive(flow, by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )

    @rule(flow=flows, bed=st.sampled_from(BEDS), by=actors, wait=waits, version=versions)
    def move(self, flow: UUID, bed: str, by: Actor, wait: int, version: str | None) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "move",
            lambda: self.app.move(flow, bed, by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )

    @rule(
        flow=flows,
        destination=st.sampled_from(Destination),
        place=places,
        days=st.integers(0, 21),
        estimate=st.booleans(),
        by=actors,
        wait=waits,
        version=versions,
    )
    def plan_discharge(
        self,
        flow: UUID,
        destination: Destination,
        place: str,
        days: int,
        estimate: bool,
        by: Actor,
        wait: int,
        version: str | None,
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        home = destination == Destination.HOME
        zone = self.place(flow, place, zone=True) if home else None
        plan = DischargePlan(at.date() + timedelta(days=days), estimate, destination.value, zone)
        self.run(
            "plan_discharge",
            lambda: self.app.plan_discharge(flow, plan, by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
            bad_arguments=home and zone not in ZONES.values(),
        )

    @rule(flow=flows, by=actors, wait=waits, version=versions)
    def discharge(self, flow: UUID, by: Actor, wait: int, version: str | None) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "discharge",
            lambda: self.app.discharge(flow, by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )

    @rule(
        flow=flows,
        command=st.sampled_from(CorrectableCommand),
        reason=st.sampled_from(["", "Feil pasient"]),
        giver=st.booleans(),
        by=actors,
        wait=st.one_of(st.integers(0, 20), waits),
        version=versions,
    )
    def correct(
        self,
        flow: UUID,
        command: CorrectableCommand,
        reason: str,
        giver: bool,
        by: Actor,
        wait: int,
        version: str | None,
    ) -> None:
        """Mostly the flow's last command, now and then another; by its giver (when `giver`)
        or anyone, soon or late (the flow decides whose, how late, and whether a reason)."""
        at, expected = self.tick(wait), self.expected(flow, version)
        last = self.stored_flow(flow).correctable()
        named = last.command if last is not None and wait % 4 else Command(command.value)
        by = last.by if last is not None and giver else by
        self.run(
            "correct",
            lambda: self.app.correct(flow, named, reason, by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )

    @rule(flow=flows, by=home_actors, choice=st.integers(0, 5), late=st.booleans())
    def mistake(self, flow: UUID, by: Actor, choice: int, late: bool) -> None:
        """The next steps until one that can be corrected (four at most), then corrected: at
        once by its giver, or a day later (refused unless the giver is of the office)."""
        for _ in range(4):
            self.advance(flow, by, 1, choice)
            last = self.stored_flow(flow).correctable()
            if last is not None:
                break
        else:
            return
        wait = 24 * 60 if late else 3
        at = self.tick(wait)
        self.run(
            "mistake corrected",
            lambda: self.app.correct(flow, last.command, "Feil pasient", by=by, at=at),
            by,
            flow,
        )

    @rule(flow=flows, by=actors, wait=waits, version=versions)
    def start_home_care(self, flow: UUID, by: Actor, wait: int, version: str | None) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "start_home_care",
            lambda: self.app.start_home_care(flow, by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )

    @rule(flow=flows, by=actors, wait=waits, version=versions)
    def readmit(self, flow: UUID, by: Actor, wait: int, version: str | None) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "readmit",
            lambda: self.app.readmit(flow, "St. Olav", by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )

    @rule(
        flow=flows,
        flag=st.sampled_from([SafetyFlag.FALL, SafetyFlag.DELIRIUM]),
        by=actors,
        wait=waits,
        version=versions,
    )
    def raise_safety_flag(
        self, flow: UUID, flag: SafetyFlag, by: Actor, wait: int, version: str | None
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "raise_safety_flag",
            lambda: self.app.raise_safety_flag(flow, flag, by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )

    @rule(
        flow=flows,
        flag=st.sampled_from([SafetyFlag.FALL, SafetyFlag.DELIRIUM]),
        by=actors,
        wait=waits,
        version=versions,
    )
    def clear_safety_flag(
        self, flow: UUID, flag: SafetyFlag, by: Actor, wait: int, version: str | None
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        self.run(
            "clear_safety_flag",
            lambda: self.app.clear_safety_flag(flow, flag, by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )

    @rule(
        flow=flows,
        reason=st.sampled_from(ClosingReason),
        by=actors,
        wait=waits,
        version=versions,
    )
    def close_flow(
        self, flow: UUID, reason: ClosingReason, by: Actor, wait: int, version: str | None
    ) -> None:
        at, expected = self.tick(wait), self.expected(flow, version)
        closed = self.run(
            "close_flow",
            lambda: self.app.close_flow(flow, reason, "", by=by, at=at, expected_version=expected),
            by,
            flow,
            version=version,
        )
        if closed:
            self.closed[flow] = self.stored_flow(flow).version
            self.check_closed_flow_accepts_nothing(flow, by)

    @rule(flow=flows, by=actors, wait=waits)
    def erase_identity(self, flow: UUID, by: Actor, wait: int) -> None:
        """In any phase, closed too, once; after it the log reads as erased, not as the
        patient (the flow's key is gone)."""
        at, erased_already = self.tick(wait), self.stored_flow(flow).erased
        erased = self.run(
            "erase_identity",
            lambda: self.app.erase_identity(flow, "Lovlig krav", by=by, at=at),
            by,
            flow,
            bad_arguments=erased_already,
            even_closed=True,
        )
        if erased:
            stored = self.stored_flow(flow)
            assert stored.patient == ERASED_PATIENT and stored.need == ERASED
            assert self.app.keys.key(flow) is None
            if flow in self.closed:
                self.closed[flow] = stored.version

    def check_closed_flow_accepts_nothing(self, flow: UUID, by: Actor) -> None:
        """Right after closing, every command with sound arguments is refused as closed,
        and the deadline process, even weeks later, finds nothing to mark."""
        for name, command in self.every_command(flow, by, self.now).items():
            self.run(f"{name} on closed flow", command, by, flow)
        before = self.recorded()
        assert self.app.mark_overdue(flow, at=self.now + timedelta(days=60)) == 0
        assert self.recorded() == before, "the deadline process marked a closed flow"

    def every_command(self, flow: UUID, by: Actor, at: datetime) -> dict[str, Callable[[], object]]:
        app, unit, zone = self.app, UNITS["KORT"], ZONES["NORD"]
        short_term = Decision(ServiceKind.SHORT_TERM_STAY.value, unit, None, at.date(), None)
        going_home = DischargePlan(at.date(), False, Destination.HOME.value, zone)
        # A task of the flow if it has one (none is open after the closing, but the closing
        # is checked first), and a member of every unit and zone: only the closing refuses.
        tasks = self.live_flow(flow).tasks
        task_id = tasks[0].task.id if tasks else uuid5(flow, "no task")
        everywhere = list(PLACES.values())
        return {
            "notify_admission": lambda: app.notify_admission(flow, "X", at, by=by, at=at),
            "notify_ready": lambda: app.notify_ready_for_discharge(flow, at, False, by=by, at=at),
            "withdraw_ready": lambda: app.withdraw_ready_for_discharge(flow, "x", by=by, at=at),
            "answer_hospital": lambda: app.answer_hospital(flow, True, "", by=by, at=at),
            "record_wait_reason": lambda: app.record_wait_reason(
                flow, WaitReason.NO_BED, "", by=by, at=at
            ),
            "decide_service": lambda: app.decide_service(flow, short_term, by=by, at=at),
            "reserve_bed": lambda: app.reserve_bed(flow, unit, "1", by=by, at=at),
            "cancel_reservation": lambda: app.cancel_reservation(flow, "x", by=by, at=at),
            "arrive": lambda: app.arrive(flow, by=by, at=at),
            "move": lambda: app.move(flow, "2", by=by, at=at),
            "plan_discharge": lambda: app.plan_discharge(flow, going_home, by=by, at=at),
            "discharge": lambda: app.discharge(flow, by=by, at=at),
            "start_home_care": lambda: app.start_home_care(flow, by=by, at=at),
            "readmit": lambda: app.readmit(flow, "X", by=by, at=at),
            "raise_safety_flag": lambda: app.raise_safety_flag(flow, SafetyFlag.FALL, by=by, at=at),
            "clear_safety_flag": lambda: app.clear_safety_flag(flow, SafetyFlag.FALL, by=by, at=at),
            "close_flow": lambda: app.close_flow(flow, ClosingReason.OTHER, "", by=by, at=at),
            "complete_task": lambda: app.complete_task(
                flow, task_id, "", by=by, member_of=everywhere, at=at
            ),
            "acknowledge_task": lambda: app.acknowledge_task(
                flow, task_id, by=by, member_of=everywhere, at=at
            ),
            "reject_task": lambda: app.reject_task(
                flow, task_id, "x", by=by, member_of=everywhere, at=at
            ),
        }

    # -- closed loops -------------------------------------------------------------------

    #: Each task command: the status it needs, whom it waits for, the event it records,
    #: and the text it takes (a note, a reason) if any.
    TASK_COMMANDS = {
        "complete_task": ("open", "owner", "TaskCompleted", ["gjort"]),
        "acknowledge_task": ("completed", "receiver", "TaskAcknowledged", []),
        "reject_task": ("completed", "receiver", "TaskRejected", ["mangler"]),
    }

    @rule(
        flow=flows,
        choice=st.integers(0, 30),
        pick=task_picks,
        who=task_actors,
        user=st.sampled_from(["kari", "ola"]),
        wait=waits,
        version=versions,
    )
    def complete_task(self, flow: UUID, **how: Any) -> None:
        """The owner ticks an open task off."""
        self.task_command("complete_task", flow, **how)

    @rule(
        flow=flows,
        choice=st.integers(0, 30),
        pick=task_picks,
        who=task_actors,
        user=st.sampled_from(["kari", "ola"]),
        wait=waits,
        version=versions,
    )
    def acknowledge_task(self, flow: UUID, **how: Any) -> None:
        """The receiver closes the loop of a completed task."""
        self.task_command("acknowledge_task", flow, **how)

    @rule(
        flow=flows,
        choice=st.integers(0, 30),
        pick=task_picks,
        who=task_actors,
        user=st.sampled_from(["kari", "ola"]),
        wait=waits,
        version=versions,
    )
    def reject_task(self, flow: UUID, **how: Any) -> None:
        """The receiver sends a completed task back to its owner, with the reason."""
        self.task_command("reject_task", flow, **how)

    def task_command(
        self,
        command: str,
        flow: UUID,
        choice: int,
        pick: str,
        who: str,
        user: str,
        wait: int,
        version: str | None,
    ) -> None:
        """Give a task command, with its refusal (if any) known beforehand.

        Mostly to a task in the status the command needs (see `some_task`), by the party the
        task waits for; now and then to a task in another status or one the flow does not
        have, by someone the task does not wait for, or against a stale version. So that a
        receiver mostly has something to answer, a task with a receiver is completed first
        if none is completed.
        """
        status, party_role, recording, text = self.TASK_COMMANDS[command]
        at = self.tick(wait)
        if pick == "fits" and status == "completed" and not self.tasks_in("completed"):
            self.complete_one_for_its_receiver(choice)
        flow, state = self.some_task(flow, choice, status, pick)
        expected = self.expected(flow, version)
        task_id = state.task.id if state else uuid5(flow, "no task")
        party = getattr(state.task, party_role) if state else None
        by, member_of, acts = self.acting_for(party, who, user)
        give = getattr(self.app, command)
        self.run_task_command(
            command,
            lambda: give(
                flow, task_id, *text, by=by, member_of=member_of, at=at, expected_version=expected
            ),
            by,
            flow,
            version,
            self.task_refusal(state, status, acts),
            (recording, task_id),
        )

    @rule(flow=flows, wait=past_deadlines, twice=st.booleans())
    def mark_overdue(self, flow: UUID, wait: int, twice: bool) -> None:
        """The deadline process: every loop open past its due time is marked, once."""
        at, live = self.tick(wait), self.live_flow(flow)
        due = {
            s.task.id
            for s in live.tasks
            if s.status in LOOP_OPEN and not s.overdue and s.task.due_at <= at
        }
        if live.phase == Phase.CLOSED:
            due = set()
        before = self.recorded()
        marked = self.app.mark_overdue(flow, at=at)
        event(f"mark_overdue: {min(marked, 2)}{'+' if marked >= 2 else ''} marked")
        assert marked == len(due), f"marked {marked} tasks overdue, not the {len(due)} due"
        if due:
            recorded = self.check_new_events(before, DEADLINE_RUNNER)
            assert sorted((type(e).__name__, e.task_id) for e in recorded) == sorted(
                ("TaskOverdue", task_id) for task_id in due
            )
        assert self.recorded() == before + len(due)
        if twice:
            before = self.recorded()
            assert self.app.mark_overdue(flow, at=at) == 0, "marked the same tasks twice"
            assert self.recorded() == before, "a second deadline run recorded events"

    def live_flow(self, flow: UUID) -> FlowView:
        live = self.app.live[flow]
        assert isinstance(live, FlowView)
        return live

    def some_task(
        self, flow: UUID, choice: int, status: str, pick: str
    ) -> tuple[UUID, TaskState | None]:
        """A flow and one of its tasks, as `pick` says: "fits", one in `status` (of this flow
        if it has one, else of another); "other status", one in another status, of any flow;
        "unknown", none. If no task fits the pick, any task of this flow, if it has one."""
        if pick == "unknown":
            return flow, None
        if pick == "fits":
            candidates = self.tasks_in(status, first=flow)
        else:
            candidates = self.tasks_in(*(set(STATUSES) - {status}))
        if candidates:
            return candidates[choice % len(candidates)]
        tasks = self.live_flow(flow).tasks
        return flow, tasks[choice % len(tasks)] if tasks else None

    def tasks_in(self, *statuses: str, first: UUID | None = None) -> list[tuple[UUID, TaskState]]:
        """The tasks in one of `statuses`: of flow `first` if it has any, else of every flow."""
        flows = [v for v in self.app.live.values() if isinstance(v, FlowView)]
        every = [(f.id, s) for f in flows for s in f.tasks if s.status in statuses]
        return [(f, s) for f, s in every if f == first] or every

    def complete_one_for_its_receiver(self, choice: int) -> None:
        """So that a receiver has something to answer: the owner completes an open task
        that has a receiver, if there is one."""
        waiting = [(f, s) for f, s in self.tasks_in("open") if s.task.receiver is not None]
        if not waiting:
            return
        flow, state = waiting[choice % len(waiting)]
        by, member_of, _ = self.acting_for(state.task.owner, "party", "per")
        task_id, at = state.task.id, self.now
        self.run_task_command(
            "complete_task (for the receiver)",
            lambda: self.app.complete_task(flow, task_id, "", by=by, member_of=member_of, at=at),
            by,
            flow,
            None,
            None,
            ("TaskCompleted", task_id),
        )

    @staticmethod
    def acting_for(party: Party | None, who: str, user: str) -> tuple[Actor, list[UUID], bool]:
        """An actor, the units and zones they belong to, and whether they act for `party`.

        The allocation office is anyone in the allocation role; a unit or zone is its
        members. "other" is someone who does not: for the office a member of every unit and
        zone in another role, for a unit or zone the office and the members of the others.
        """
        everywhere = list(PLACES.values())
        if who == "stranger":
            return Actor("fremmed", "allocation", NEIGHBOUR), everywhere, False
        if party is None:  # the task has no such party, or there is no task
            return Actor(user, "allocation", HOME), everywhere, False
        if party.unit_id is None:
            if who == "party":
                return Actor(user, "allocation", HOME), [], True
            return Actor(user, "nurse", HOME), everywhere, False
        if who == "party":
            role = "nurse" if party.unit_id in UNITS.values() else "homecare"
            return Actor(user, role, HOME), [party.unit_id], True
        others = [place for place in everywhere if place != party.unit_id]
        return Actor(user, "allocation", HOME), others, False

    @staticmethod
    def task_refusal(state: TaskState | None, status: str, acts: bool) -> type[FlowError] | None:
        """What a task command in an open flow must be refused with, or None if nothing."""
        if state is None:
            return NotFoundError
        if state.status != status:
            return IllegalTransitionError
        if not acts:
            return NotPermittedError
        return None

    def run_task_command(
        self,
        name: str,
        command: Callable[[], object],
        by: Actor,
        flow: UUID,
        version: str | None,
        refusal: type[FlowError] | None,
        recording: tuple[str, UUID],
    ) -> None:
        """Give a task command whose outcome is known: success recording just `recording`,
        or `refusal` unless the actor, version or closing refuses it first."""
        before, closed = self.recorded(), flow in self.closed
        done = self.run(name, command, by, flow, version=version)
        if by.municipality_id != HOME or version == "stale" or closed:
            return  # `run` checked the refusal these must give
        if refusal is None:
            assert done, f"{name} was refused: {self.last_refusal!r}"
            recorded = self.check_new_events(before, by)
            assert [(type(e).__name__, e.task_id) for e in recorded] == [recording], recorded
        else:
            assert not done, f"{name} was not refused with {refusal.__name__}"
            assert type(self.last_refusal) is refusal, f"{self.last_refusal!r}, not {refusal}"

    # -- beds ---------------------------------------------------------------------------

    @rule(unit=st.sampled_from(list(UNITS)), bed=st.sampled_from(BEDS), by=actors, wait=waits)
    def block_bed(self, unit: str, bed: str, by: Actor, wait: int) -> None:
        at = self.tick(wait)
        self.run(
            "block_bed", lambda: self.app.block_bed(UNITS[unit], bed, "lekkasje", by=by, at=at), by
        )

    @rule(unit=st.sampled_from(list(UNITS)), bed=st.sampled_from(BEDS), by=actors, wait=waits)
    def unblock_bed(self, unit: str, bed: str, by: Actor, wait: int) -> None:
        at = self.tick(wait)
        self.run("unblock_bed", lambda: self.app.unblock_bed(UNITS[unit], bed, by=by, at=at), by)

    # -- invariants ---------------------------------------------------------------------

    @invariant()
    def replaying_the_log_gives_the_state_the_commands_left(self) -> None:
        """What the step saved or refused, and one more in turn: the log is append-only.

        The same stored events of a flow must keep its closed loops (read once for both)."""
        everything = list(self.app.live)
        checked = self.app.changed | (self.refused & set(everything))
        checked.add(everything[self.steps % len(everything)])
        readers = list(self.readers())
        for aggregate_id in checked:
            live = self.app.live[aggregate_id]
            stored = list(self.app.events.get(aggregate_id))
            assert view(replay(stored)) == live
            if isinstance(live, FlowView):
                self.check_loops(stored, live)
            cached = self.app.repository.get(aggregate_id, projector_func=project)
            assert view(cached) == live
            assert_values_only(cached)
            for reader in readers:
                assert view(reader.repository.get(aggregate_id, projector_func=project)) == live
        self.app.changed.clear()
        self.refused.clear()
        self.steps += 1

    @invariant()
    def no_bed_holds_two_flows_and_flows_and_units_agree(self) -> None:
        flows = {k: v for k, v in self.app.live.items() if isinstance(v, FlowView)}
        units = {k: v for k, v in self.app.live.items() if isinstance(v, UnitView)}
        held_by_units: dict[UUID, tuple[BedRef, str]] = {}
        for unit in units.values():
            for bed in unit.beds:
                if bed.status == "blocked" or bed.status == "free":
                    assert bed.flow_id is None, bed
                    continue
                assert bed.flow_id is not None, bed
                assert bed.flow_id not in held_by_units, f"flow {bed.flow_id} holds two beds"
                held_by_units[bed.flow_id] = (BedRef(unit.id, bed.name), bed.status)
        for flow in flows.values():
            assert flow.stay is None or flow.reservation is None, flow
            assert (flow.phase == Phase.ON_STAY) == (flow.stay is not None), flow
            if flow.stay is not None:
                assert held_by_units.pop(flow.id) == (flow.stay, "occupied")
            elif flow.reservation is not None:
                assert held_by_units.pop(flow.id) == (flow.reservation, "reserved")
        assert held_by_units == {}, f"beds held for flows that hold no bed: {held_by_units}"

    @invariant()
    def a_flow_leaves_hospital_one_way_and_the_clock_stops_when_it_has(self) -> None:
        """In hospital a flow holds a bed or a discharge plan, never both; out of hospital
        (discharged, at home, at a unit) no ready notice runs."""
        for flow in self.app.live.values():
            if not isinstance(flow, FlowView):
                continue
            if flow.phase in (Phase.IN_HOSPITAL, Phase.READY):
                assert flow.reservation is None or flow.discharge_plan is None, flow
            if flow.phase in (Phase.ON_STAY, Phase.DISCHARGED, Phase.HOME_CARE):
                assert flow.ready is None, flow

    @invariant()
    def a_closed_flow_accepts_nothing(self) -> None:
        for flow_id, version in self.closed.items():
            live = self.app.live[flow_id]
            assert isinstance(live, FlowView)
            assert (live.phase, live.version) == (Phase.CLOSED, version)
            assert (live.stay, live.reservation, live.allowed_commands) == (None, None, [])
            assert not [s for s in live.tasks if s.status in LOOP_OPEN], live.tasks

    @staticmethod
    def check_loops(stored: list[Any], live: FlowView) -> None:
        """The stored events of a flow keep its loops, as `closed_loop_log.walk` checks them,
        and leave each task with the status, overdue mark and note the flow keeps."""
        tasks = walk(stored)
        kept = {s.task.id: (s.status, s.overdue, s.note) for s in live.tasks}
        assert kept == {task_id: log.summary() for task_id, log in tasks.items()}


class FlowMachineOnSqlite(FlowMachine):
    """The same histories on a real SQLite file, a new one for every example."""

    def store(self) -> dict[str, str]:
        self.directory = Path(tempfile.mkdtemp(prefix="pasientflyt-machine-"))
        self.url = f"sqlite:///{self.directory / 'store.db'}"
        return store_env(self.url)

    def keys(self) -> KeyRing:
        return key_ring(self.url)

    def readers(self) -> Iterator[Pasientflyt]:
        if not hasattr(self, "reader"):
            self.reader = Pasientflyt(env=store_env(self.url), keys=self.app.keys)
        yield self.reader

    def teardown(self) -> None:
        try:
            super().teardown()
            if hasattr(self, "reader"):
                self.reader.close()
        finally:
            self.app.keys.engine.dispose()
            shutil.rmtree(self.directory, ignore_errors=True)


TestFlowMachineInMemory = FlowMachine.TestCase
TestFlowMachineInMemory.settings = settings(report_multiple_bugs=False)

TestFlowMachineOnSqlite = FlowMachineOnSqlite.TestCase
TestFlowMachineOnSqlite.settings = settings(max_examples=25, report_multiple_bugs=False)

#: Each command of the application service, and the rules that give it.
RULES_FOR = {
    "open_flow": ["open_flow"],
    "notify_admission": ["notify_admission"],
    "notify_ready_for_discharge": ["notify_ready"],
    "withdraw_ready_for_discharge": ["withdraw_ready"],
    "answer_hospital": ["answer_hospital"],
    "record_wait_reason": ["record_wait_reason"],
    "decide_service": ["decide_short_term_stay", "decide_home_care", "decide_long_term_care"],
    "reserve_bed": ["reserve_bed"],
    "cancel_reservation": ["cancel_reservation"],
    "arrive": ["arrive"],
    "move": ["move"],
    "plan_discharge": ["plan_discharge"],
    "discharge": ["discharge"],
    "start_home_care": ["start_home_care"],
    "readmit": ["readmit"],
    "raise_safety_flag": ["raise_safety_flag"],
    "clear_safety_flag": ["clear_safety_flag"],
    "close_flow": ["close_flow"],
    "correct": ["correct", "mistake"],
    "erase_identity": ["erase_identity"],
    "block_bed": ["block_bed"],
    "unblock_bed": ["unblock_bed"],
    "complete_task": ["complete_task"],
    "acknowledge_task": ["acknowledge_task"],
    "reject_task": ["reject_task"],
    "mark_overdue": ["mark_overdue"],
}


def test_every_flow_and_bed_command_of_the_application_has_a_rule() -> None:
    commands = {
        name
        for name, member in inspect.getmembers(Pasientflyt, inspect.isfunction)
        if not name.startswith("_")
        and name != "run"  # what every flow command calls
        and list(inspect.signature(member).parameters)[1:2] in (["flow_id"], ["unit_id"])
        and {"at", "given"} & set(inspect.signature(member).parameters)
    }
    assert commands == set(RULES_FOR) - {"open_flow"}
    assert all(name in vars(FlowMachine) for names in RULES_FOR.values() for name in names)
    assert set(FlowMachine.TASK_COMMANDS) <= commands
