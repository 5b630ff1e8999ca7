"""Random histories of a small municipality told through the application: commands valid or
not, tasks moved on by the right or the wrong people, the clock moving, the deadline process,
and catch-ups and rebuilds in batches of any size in between. The read models' property
(`test_read_models.py`) and the past boards' (`test_past_models.py`) tell them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hypothesis import event
from hypothesis import strategies as st
from support.read_model_rows import Snapshot, snapshot

from boards.services.system import System
from fixtures.municipalities import MunicipalitySpec, UnitSpec, ZoneSpec
from flow import vocabulary
from flow.actor import Actor
from flow.closed_loops import Party
from flow.errors import FlowError
from flow.flow_values import Decision, DischargePlan
from flow.municipality import unit_id
from flow.rates import NATIONAL_DAILY_RATES
from flow.views import FlowView
from flow.vocabulary import (
    ClosingReason,
    CorrectableCommand,
    Destination,
    Phase,
    SafetyFlag,
    ServiceKind,
    Source,
    UnitKind,
    WaitReason,
)
from projections.cards import load_card

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BEDS = ("1", "2", "3")
FLOWS = 4
PATIENTS = [
    ("01018012371", "Kari Nordmann"),
    ("15898912342", "Ola Hansen"),
    ("29528912395", "Ingrid Berg"),
    ("69898912353", "Knut Dahl"),
]
SPEC = MunicipalitySpec(
    number="9994",
    name="Egenskapskommune",
    units=[
        UnitSpec(code="A", name="Korttid A", kind=UnitKind.REHAB, beds=len(BEDS)),
        UnitSpec(code="B", name="Korttid B", kind=UnitKind.ASSESSMENT, beds=len(BEDS)),
    ],
    zones=[ZoneSpec(code="NORD", name="Sone Nord"), ZoneSpec(code="SOR", name="Sone Sør")],
    users=[],
)
UNITS = (unit_id(SPEC.id, "A"), unit_id(SPEC.id, "B"))
ZONES = (unit_id(SPEC.id, "NORD"), unit_id(SPEC.id, "SOR"))
OFFICE = Actor("saksbehandler", "allocation", SPEC.id)
NURSE = Actor("sykepleier", "nurse", SPEC.id)


@dataclass
class Run:
    """One history being told: the system, its flows so far, and the clock."""

    system: System
    flows: list[UUID] = field(default_factory=list)
    now: datetime = T0

    def flow(self, pick: int) -> UUID:
        return self.flows[pick % len(self.flows)]

    def view(self, flow_id: UUID) -> FlowView:
        return self.system.flows.flow(flow_id, OFFICE)

    def today(self) -> date:
        return self.now.date()


Command = Callable[[Run, UUID, int], object]


def _open(run: Run, _: object, n: int) -> None:
    national_id, name = PATIENTS[n % len(PATIENTS)]
    source = list(Source)[n % len(Source)]
    if len(run.flows) < FLOWS:
        run.flows.append(
            run.system.flows.open_flow(
                national_id, name, source, "St. Olav", "rehab", by=OFFICE, at=run.now
            )
        )


def _decision(run: Run, n: int) -> Decision:
    starts_on = run.today() + timedelta(days=n % 3)
    kind = n % 4
    if kind == 3:
        return Decision(ServiceKind.LONG_TERM_CARE.value, None, None, starts_on, None)
    if kind == 2:
        return Decision(ServiceKind.HOME_CARE.value, None, ZONES[n % 2], starts_on, None)
    # Now and then a zone, which a decision for a short-term stay refuses.
    place = (UNITS + ZONES)[n // 4 % 4] if n % 5 == 0 else UNITS[n % 2]
    return Decision(ServiceKind.SHORT_TERM_STAY.value, place, None, starts_on, None)


def _plan(run: Run, n: int) -> DischargePlan:
    on = run.today() + timedelta(days=n % 12)
    if n % 5 == 4:
        return DischargePlan(on, False, Destination.LONG_TERM_CARE.value, None)
    return DischargePlan(on, n % 3 == 0, Destination.HOME.value, ZONES[n % 2])


def _acting_for(party: Party | None, right: bool) -> tuple[Actor, list[UUID]]:
    """The party itself when `right`, else a nurse of no unit, whom every loop refuses."""
    if not right or party is None:
        return NURSE, []
    if party.unit_id is None:
        return OFFICE, []
    return NURSE, [party.unit_id]


def _task(run: Run, flow_id: UUID, n: int, verb: str) -> None:
    """Move a task on as its owner or receiver would, or now and then as someone else."""
    wanted = "open" if verb == "complete" else "completed"
    tasks = run.view(flow_id).tasks
    states = [state for state in tasks if state.status == wanted] or tasks
    if not states:
        return
    task = states[n % len(states)].task
    party = task.owner if verb == "complete" else task.receiver
    by, member_of = _acting_for(party, right=n // len(states) % 4 != 3)
    app = run.system.flows
    if verb == "complete":
        app.complete_task(flow_id, task.id, "", by=by, member_of=member_of, at=run.now)
    elif verb == "acknowledge":
        app.acknowledge_task(flow_id, task.id, by=by, member_of=member_of, at=run.now)
    else:
        app.reject_task(flow_id, task.id, "Ikke gjort", by=by, member_of=member_of, at=run.now)


def _free_bed(run: Run, unit: UUID, n: int) -> str:
    if unit in UNITS:
        free = [b.name for b in run.system.flows.unit(unit, OFFICE).beds if b.status == "free"]
        if free:
            return free[n % len(free)]
    return BEDS[n % len(BEDS)]


def _advance(run: Run, flow_id: UUID, n: int) -> None:
    """The next ordinary step of the flow's journey, so that histories reach every phase."""
    app, at, flow = run.system.flows, run.now, run.view(flow_id)
    short_term = flow.decision is not None and flow.decision.service == ServiceKind.SHORT_TERM_STAY
    if flow.reservation is not None:
        app.arrive(flow_id, by=NURSE, at=at)
    elif flow.phase == Phase.ON_STAY and flow.discharge_plan is None:
        app.plan_discharge(flow_id, _plan(run, n), by=OFFICE, at=at)
    elif flow.phase == Phase.ON_STAY:
        app.discharge(flow_id, by=NURSE, at=at)
    elif flow.phase == Phase.DISCHARGED and flow.discharged_to == Destination.HOME:
        app.start_home_care(flow_id, by=NURSE, at=at)
    elif flow.phase == Phase.REFERRED and n % 3 == 0:
        app.notify_admission(flow_id, "St. Olav", at, by=OFFICE, at=at)
    elif flow.phase in {Phase.IN_HOSPITAL, Phase.READY} and flow.discharge_plan is not None:
        app.discharge(flow_id, by=OFFICE, at=at)  # straight from hospital
    elif flow.phase == Phase.IN_HOSPITAL:
        app.notify_ready_for_discharge(flow_id, at - timedelta(hours=n), False, by=OFFICE, at=at)
    elif flow.phase == Phase.READY and not short_term and n % 4 == 0:
        app.plan_discharge(flow_id, _plan(run, n), by=OFFICE, at=at)
    elif flow.phase in {Phase.REFERRED, Phase.READY} and not short_term:
        decision = Decision(ServiceKind.SHORT_TERM_STAY.value, UNITS[n % 2], None, date.min, None)
        app.decide_service(flow_id, decision, by=OFFICE, at=at)
    elif flow.phase in {Phase.REFERRED, Phase.READY}:
        assert flow.decision is not None
        unit = flow.decision.unit_id or UNITS[0]
        app.reserve_bed(flow_id, unit, _free_bed(run, unit, n), by=OFFICE, at=at)
    elif flow.phase == Phase.HOME_CARE and n % 2:
        app.readmit(flow_id, "St. Olav", by=NURSE, at=at)
    elif flow.phase != Phase.CLOSED:
        app.close_flow(flow_id, ClosingReason.COMPLETED, "", by=OFFICE, at=at)


def _mistake(run: Run, flow_id: UUID, n: int) -> None:
    """The next step, given by mistake and corrected at once (by its giver, or the office)."""
    _advance(run, flow_id, n)
    last = run.view(flow_id).correctable
    if last is not None:
        by = OFFICE if n % 2 else NURSE
        command = vocabulary.Command(last.command)
        run.system.flows.correct(flow_id, command, "Feil pasient", by=by, at=run.now)


def _tick(run: Run, _: UUID, n: int) -> None:
    """The clock moves on; every other time the deadline process runs right after."""
    run.now += timedelta(hours=1 + 3 * n)
    if n % 2:
        run.system.record_overdue_loops(run.now)


def _catch_up(run: Run, _: UUID, n: int) -> None:
    """Catch up in batches of some size; the models agree with the log at every such point."""
    run.system.projector.batch_size = (3, 8, 1000)[n % 3]
    run.system.projector.catch_up()
    rows = snapshot(run.system)
    assert_cards_agree_with_the_flows(run, rows)
    assert_beds_agree_with_the_units(run, rows)
    assert_tasks_agree_with_the_flows(run, rows)


def _rebuild_one(run: Run, _: UUID, n: int) -> None:
    """One model starts again from the log while the others stay where they are."""
    names = sorted(run.system.projector.projections)
    run.system.projector.rebuild([names[n % len(names)]])


COMMANDS: dict[str, Command] = {
    "open": _open,
    "advance": _advance,
    "admit": lambda r, f, n: r.system.flows.notify_admission(
        f, "Haukeland", r.now, by=OFFICE, at=r.now
    ),
    "ready": lambda r, f, n: r.system.flows.notify_ready_for_discharge(
        f, r.now + timedelta(hours=12 * (n % 3) - 12), n % 2 == 0, by=OFFICE, at=r.now
    ),
    "withdraw": lambda r, f, n: r.system.flows.withdraw_ready_for_discharge(
        f, "Feber", by=OFFICE, at=r.now
    ),
    "answer": lambda r, f, n: r.system.flows.answer_hospital(
        f, n % 2 == 0, "", by=OFFICE, at=r.now
    ),
    "wait": lambda r, f, n: r.system.flows.record_wait_reason(
        f, list(WaitReason)[n % len(WaitReason)], "", by=OFFICE, at=r.now
    ),
    "decide": lambda r, f, n: r.system.flows.decide_service(
        f, _decision(r, n), by=OFFICE, at=r.now
    ),
    "reserve": lambda r, f, n: r.system.flows.reserve_bed(
        f, UNITS[n % 2], BEDS[n // 2 % len(BEDS)], by=OFFICE, at=r.now
    ),
    "cancel": lambda r, f, n: r.system.flows.cancel_reservation(f, "", by=OFFICE, at=r.now),
    "arrive": lambda r, f, n: r.system.flows.arrive(f, by=NURSE, at=r.now),
    "move": lambda r, f, n: r.system.flows.move(f, BEDS[n % len(BEDS)], by=NURSE, at=r.now),
    "plan": lambda r, f, n: r.system.flows.plan_discharge(f, _plan(r, n), by=OFFICE, at=r.now),
    "discharge": lambda r, f, n: r.system.flows.discharge(f, by=NURSE, at=r.now),
    "home care": lambda r, f, n: r.system.flows.start_home_care(f, by=NURSE, at=r.now),
    "readmit": lambda r, f, n: r.system.flows.readmit(f, "St. Olav", by=NURSE, at=r.now),
    "raise flag": lambda r, f, n: r.system.flows.raise_safety_flag(
        f, list(SafetyFlag)[n % 3], by=NURSE, at=r.now
    ),
    "clear flag": lambda r, f, n: r.system.flows.clear_safety_flag(
        f, list(SafetyFlag)[n % 3], by=NURSE, at=r.now
    ),
    "close": lambda r, f, n: r.system.flows.close_flow(
        f, list(ClosingReason)[n % len(ClosingReason)], "", by=OFFICE, at=r.now
    ),
    "block": lambda r, f, n: r.system.flows.block_bed(
        UNITS[n % 2], BEDS[n // 2 % len(BEDS)], "Vannskade", by=NURSE, at=r.now
    ),
    "unblock": lambda r, f, n: r.system.flows.unblock_bed(
        UNITS[n % 2], BEDS[n // 2 % len(BEDS)], by=NURSE, at=r.now
    ),
    "correct": lambda r, f, n: r.system.flows.correct(
        f,
        vocabulary.Command(list(CorrectableCommand)[n % 3].value),
        "Feil registrering",
        by=NURSE if n % 2 else OFFICE,
        at=r.now,
    ),
    "mistake": _mistake,
    "complete": lambda r, f, n: _task(r, f, n, "complete"),
    "acknowledge": lambda r, f, n: _task(r, f, n, "acknowledge"),
    "reject": lambda r, f, n: _task(r, f, n, "reject"),
    "tick": _tick,
    "deadlines": lambda r, f, n: r.system.record_overdue_loops(r.now),
    "catch up": _catch_up,
    "rebuild one": _rebuild_one,
}
#: Some commands several times over, so that histories go deep as well as wide.
NAMES = (
    ["advance"] * 12
    + ["open", "tick", "move", "cancel", "reject", "catch up"]
    + ["mistake"] * 3
    + ["complete", "acknowledge"] * 2
    + sorted(COMMANDS)
)

steps = st.lists(
    st.tuples(st.sampled_from(NAMES), st.integers(0, FLOWS - 1), st.integers(0, 23)),
    min_size=20,
    max_size=60,
)


def tell(run: Run, history: list[tuple[str, int, int]]) -> None:
    _open(run, None, 0)
    for name, pick, n in history:
        try:
            COMMANDS[name](run, run.flow(pick), n)
        except FlowError:
            continue  # refused: nothing was recorded
    recorded = run.system.flows.recorder.select_notifications(None, 10_000)
    event(f"{len(recorded) // 50 * 50}-{len(recorded) // 50 * 50 + 49} events recorded")
    for name in {n.topic.rsplit(".", 1)[-1] for n in recorded}:
        event(f"has {name}")


def held(view: FlowView) -> tuple[UUID | None, str | None]:
    bed = view.stay or view.reservation
    return (bed.unit_id, bed.bed) if bed else (None, None)


def assert_cards_agree_with_the_flows(run: Run, rows: Snapshot) -> None:
    cards = {row["flow_id"]: row for row in rows["flow_cards"]}
    assert set(cards) == set(run.flows)
    for flow_id in run.flows:
        view, card = run.view(flow_id), cards[flow_id]
        assert (card["phase"], card["version"]) == (view.phase, view.version)
        assert (card["unit_id"], card["bed"]) == held(view)
        assert card["flags"] == view.safety_flags
        shown = load_card(run.system.engine, SPEC.id, flow_id, run.now, NATIONAL_DAILY_RATES)
        assert shown is not None and list(shown.allowed) == view.allowed_commands


def assert_beds_agree_with_the_units(run: Run, rows: Snapshot) -> None:
    grid = {(r["unit_id"], r["bed"]): (r["status"], r["flow_id"]) for r in rows["beds"]}
    units = {}
    for unit in UNITS:
        for bed in run.system.flows.unit(unit, OFFICE).beds:
            units[unit, bed.name] = (bed.status, bed.flow_id)
    assert grid == units


def assert_tasks_agree_with_the_flows(run: Run, rows: Snapshot) -> None:
    listed = {r["task_id"]: (r["flow_id"], r["status"], r["overdue"]) for r in rows["task_list"]}
    kept = {
        state.task.id: (flow_id, state.status, state.overdue)
        for flow_id in run.flows
        for state in run.view(flow_id).tasks
    }
    assert listed == kept
