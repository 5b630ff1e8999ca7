"""Random histories of a municipality of its own, for the closed loops by role: patients
opened, admitted, declared ready and answered, decided for a stay or for home care, placed,
arrived, planned home, discharged, in home care, readmitted or closed; their tasks worked
through the API by the users whose they are (done, sent back with a reason, confirmed); the
clock moved on and the deadline process run, so that loops fall overdue.

A step is `(op, which, choice)`: `which` picks the flow or the task, `choice` the place or
the hours. What the flow's rules refuse is left out, as a user would have been refused; a
task's step that its user gives through the API must be accepted.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

from fastapi.testclient import TestClient
from hypothesis import strategies as st
from support.journeys import journey_step
from support.world import Clock

from access.accounts import Role, User
from boards.services.system import System
from boards.web.sessions import SESSION_COOKIE
from fixtures.demo import synthetic_national_id
from fixtures.municipalities import MunicipalitySpec, UnitSpec, ZoneSpec, install
from flow.actor import Actor
from flow.closed_loops import Party, TaskState
from flow.errors import FlowError
from flow.vocabulary import Source, TaskStatus, UnitKind

OPS = [
    "open",
    "admit",
    "ready",
    "answer",
    "decide_stay",
    "decide_home",
    "reserve",
    "arrive",
    "plan_home",
    "discharge",
    "home_care",
    "readmit",
    "close",
    "complete",
    "confirm",
    "send_back",
    "advance",
]
#: A new patient's journey so far, told in one step, so that loops open in numbers.
JOURNEYS = {
    "to_unit": ["ready", "decide_stay", "reserve"],
    "on_stay": ["decide_stay", "reserve", "arrive"],
    "going_home": ["decide_stay", "reserve", "arrive", "plan_home"],
    "home_from_hospital": ["ready", "decide_home", "plan_home"],
}
#: Half the steps work the loops, so that loops wait for their receiver, come back, close.
_flow_steps = st.tuples(st.sampled_from([*OPS, *JOURNEYS]), st.integers(0, 7), st.integers(0, 3))
_loop_steps = st.tuples(
    st.sampled_from(["complete", "send_back", "complete", "confirm"]),
    st.integers(0, 7),
    st.just(0),
)
steps = st.lists(_flow_steps | _loop_steps, min_size=4, max_size=30)
_numbers = itertools.count(6000)


@dataclass
class Member:
    """A user of the municipality, with a token for the API and a session for the pages."""

    user: User
    bearer: dict[str, str]
    cookie: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.user.username


@dataclass
class Municipality:
    """Two units and two zones; the office, a nurse of each unit, a home-care user of each
    zone, a leader, and an admin who holds every place (a role without tasks, whatever its
    places)."""

    system: System
    clock: Clock
    client: TestClient
    spec: MunicipalitySpec
    units: list[UUID]
    zones: list[UUID]
    members: list[Member]
    flows: list[UUID] = field(default_factory=list)
    worked: Counter[str] = field(default_factory=Counter)  # task steps, all accepted

    @property
    def office(self) -> Actor:
        return Actor("kontoret", Role.ALLOCATION.value, self.spec.id)

    def acting_for(self, party: Party) -> Member:
        """The member who acts for the party: the office, or the unit's or zone's user."""
        for member in self.members:
            user = member.user
            if party.unit_id is None and user.role == Role.ALLOCATION:
                return member
            if user.role in (Role.NURSE, Role.HOMECARE) and party.unit_id in user.unit_ids:
                return member
        raise AssertionError(f"no member acts for {party}")

    def loops(self) -> list[tuple[UUID, TaskState]]:
        """Every task whose loop is open, by flow, in the flows' order."""
        return [
            (flow_id, state)
            for flow_id in self.flows
            for state in self.system.flows.flow(flow_id, self.office).tasks
            if state.loop_open
        ]

    def version(self, flow_id: UUID) -> int:
        return self.system.flows.flow(flow_id, self.office).version

    def sign_in(self) -> None:
        """Every member's browser session, started now (after the history's hours)."""
        for member in self.members:
            session = self.system.sessions.start(member.user, self.clock.now)
            member.cookie = {"Cookie": f"{SESSION_COOKIE}={session}"}


def municipality(system: System, clock: Clock, client: TestClient) -> Municipality:
    number = str(next(_numbers))
    spec = MunicipalitySpec(
        number=number,
        name=f"Sløyfekommune {number}",
        units=[
            UnitSpec(code=f"K{u}", name=f"Korttid {u}", kind=UnitKind.REHAB, beds=3)
            for u in range(2)
        ],
        zones=[ZoneSpec(code=f"S{z}", name=f"Sone {z}") for z in range(2)],
        users=[],
    )
    install(system.flows, system.accounts, system.grants, spec, clock.now)
    admin = Actor("t", Role.ADMIN.value, spec.id)
    units = [p.id for p in system.flows.units(admin)]
    zones = [z.id for z in system.flows.units(admin, zones=True)]
    roles = [
        (Role.ALLOCATION, []),
        *((Role.NURSE, [u]) for u in units),
        *((Role.HOMECARE, [z]) for z in zones),
        (Role.LEADER, []),
        (Role.ADMIN, [*units, *zones]),
    ]
    members = []
    for n, (role, places) in enumerate(roles):
        username = f"l{number}-{n}-{role.value}"
        user = system.accounts.add_user(
            spec.id, username, role, username, None, places, at=clock.now
        )
        token = system.accounts.issue_token(username, at=clock.now)
        members.append(Member(user, {"Authorization": f"Bearer {token}"}))
    return Municipality(system, clock, client, spec, units, zones, members)


def tell(m: Municipality, history: list[tuple[str, int, int]]) -> None:
    for op, which, choice in history:
        step(m, op, which, choice)


def step(m: Municipality, op: str, which: int, choice: int) -> None:
    flows, now, by = m.system.flows, m.clock.now, m.office
    if op == "advance":
        m.clock.advance(hours=[2, 13, 25, 49][choice])
        m.system.record_overdue_loops(m.clock.now)
        return
    if op in ("complete", "confirm", "send_back"):
        _work(m, op, which)
        return
    if op in JOURNEYS:
        step(m, "open", which, choice)
        for part in JOURNEYS[op]:
            step(m, part, len(m.flows) - 1, choice)
        return
    if op == "open" or not m.flows:
        national_id = synthetic_national_id(random.Random(next(_numbers)))
        name = f"Pasient Lq{next(_numbers):06d}"
        m.flows.append(
            flows.open_flow(
                national_id, name, Source.HOSPITAL, "Sykehuset", "Rehabilitering", by=by, at=now
            )
        )
        return
    flow_id = m.flows[which % len(m.flows)]
    unit, zone = m.units[choice % 2], m.zones[choice % 2]
    try:
        journey_step(flows, flow_id, op, unit=unit, zone=zone, choice=choice, by=by, now=now)
    except FlowError:
        pass  # refused by the flow's rules: nothing recorded, the history goes on


def _work(m: Municipality, op: str, which: int) -> None:
    """A task's next step, given through the API by the user whose step it is."""
    wanted = TaskStatus.OPEN if op == "complete" else TaskStatus.COMPLETED
    candidates = [(f, s) for f, s in m.loops() if s.status == wanted]
    if not candidates:
        return
    flow_id, state = candidates[which % len(candidates)]
    task = state.task
    if op == "complete":
        member, path, body = m.acting_for(task.owner), "completion", {"note": "Gjort"}
    else:
        assert task.receiver is not None
        member = m.acting_for(task.receiver)
        path, body = (
            ("acknowledgement", {}) if op == "confirm" else ("rejection", {"reason": "Mangler"})
        )
    answer = m.client.post(f"/api/v1/tasks/{task.id}/{path}", json=body, headers=member.bearer)
    assert answer.status_code == 200, (op, member.label, task.title, answer.text)
    m.worked[op] += 1
