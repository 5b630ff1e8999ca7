"""Random histories of a small municipality over some four months, for the leaders' figures'
properties: patients declared ready and answered, placed on a unit and sent home or to
long-term care (some straight from hospital), readmitted, flagged for fall risk on the unit
and cleared or not, their loops closed in time, late or never, and opened by emergency access
and reviewed or not. Each fact is recorded through the
application at its own moment, in the order of the moments, and the history is told up to a
moment, read, and told on: what the application refuses is left out, as a user would have
been refused."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from hypothesis import strategies as st

from access.accounts import Role, User
from access.emergency_access import EmergencyReason
from boards.services.system import System
from fixtures.demo import synthetic_national_id
from fixtures.municipalities import MunicipalitySpec, UnitSpec, ZoneSpec, install
from flow.actor import Actor
from flow.closed_loops import Party
from flow.errors import FlowError
from flow.flow_values import Decision, DischargePlan
from flow.municipality import unit_id
from flow.payment_clock import midnight, oslo_day
from flow.vocabulary import Destination, SafetyFlag, ServiceKind, Source, UnitKind

T0 = datetime(2025, 9, 1, 6, tzinfo=UTC)
#: The ends of the months a history spans: midnight in Oslo, as UTC.
MONTH_ENDS = [midnight(date(2025, month, 1)) for month in (10, 11, 12)]
numbers = itertools.count(7000)


@dataclass(frozen=True)
class Journey:
    """Patients alike (`copies` of them, so that some counts reach 3): when they are
    declared ready, and what follows, in hours after the step before unless said."""

    copies: int
    start: int  # hours after T0: the flow opens and the patient is declared ready
    answer: int | None  # the office answers the hospital (None: never)
    can_receive: bool
    stay: tuple[int, int, int] | None  # unit, hours to arrival, hours on the unit
    home: bool  # discharged home (from the stay, or straight from hospital); else elsewhere
    readmitted: int | None  # days after the discharge home, back in hospital
    tidy: int | None  # after each step, the tasks open then are done (None: never)
    emergency: tuple[int, int | None] | None  # a nurse opens the patient; a leader reviews
    flag: tuple[int, int | None] | None  # on the unit: hours to a fall flag, to its clearing


#: Hours to the next step: mostly soon, now and then weeks later, past a month's end.
hours = st.integers(min_value=0, max_value=96) | st.integers(min_value=0, max_value=24 * 40)
#: Hours after T0 a journey starts: any time in the four months, or in a month's last days,
#: so that what follows it falls in the next month.
starts = st.integers(min_value=0, max_value=24 * 115) | st.builds(
    lambda month, before: int((MONTH_ENDS[month] - T0).total_seconds() // 3600) - before,
    st.integers(min_value=0, max_value=len(MONTH_ENDS) - 1),
    st.integers(min_value=1, max_value=24 * 4),
)
journeys = st.builds(
    Journey,
    copies=st.sampled_from([1, 1, 3]),
    start=starts,
    answer=st.none() | hours,
    can_receive=st.booleans(),
    stay=st.none()
    | st.tuples(st.integers(0, 1), hours, st.integers(min_value=6, max_value=24 * 30)),
    home=st.booleans(),
    readmitted=st.none() | st.integers(min_value=1, max_value=40),
    tidy=st.none() | st.integers(min_value=0, max_value=60),
    emergency=st.none() | st.tuples(hours, st.none() | st.integers(min_value=1, max_value=24 * 12)),
    flag=st.none() | st.tuples(hours, st.none() | hours),
)
histories = st.lists(journeys, min_size=1, max_size=6)


@dataclass
class Told:
    """A history being told in a municipality of its own: its facts by moment, and how far
    it has been told."""

    system: System
    spec: MunicipalitySpec
    leader: User
    facts: list[tuple[datetime, int, Callable[[], object]]] = field(default_factory=list)
    told: int = 0

    def until(self, moment: datetime) -> None:
        """Record the facts up to and including `moment`."""
        self.facts.sort(key=lambda fact: fact[:2])
        while self.told < len(self.facts) and self.facts[self.told][0] <= moment:
            try:
                self.facts[self.told][2]()
            except FlowError:
                pass  # refused: nothing was recorded
            self.told += 1


def municipality(system: System) -> tuple[MunicipalitySpec, User]:
    spec = MunicipalitySpec(
        number=str(next(numbers)),
        name="Tallkommune",
        units=[
            UnitSpec(code="A", name="Rehabilitering A", kind=UnitKind.REHAB, beds=20),
            UnitSpec(code="B", name="Lindrende B", kind=UnitKind.PALLIATIVE, beds=20),
        ],
        zones=[ZoneSpec(code="NORD", name="Sone Nord")],
        users=[],
    )
    install(system.flows, system.accounts, system.grants, spec, T0 - timedelta(days=1))
    leader = User(uuid4(), spec.id, f"leder{spec.number}", "Leder", Role.LEADER, [])
    return spec, leader


def told(system: System, history: list[Journey]) -> Told:
    """The history's facts, none recorded yet (`Told.until` records them)."""
    spec, leader = municipality(system)
    story = Told(system, spec, leader)
    beds = itertools.count(1)
    order = itertools.count()
    for j, journey in enumerate(history):
        for copy in range(journey.copies):
            patient = _Patient(story, f"{spec.number}/{j}/{copy}", journey, beds, order)
            patient.plan()
    return story


@dataclass
class _Patient:
    story: Told
    seed: str
    journey: Journey
    beds: Iterator[int]
    order: Iterator[int]
    flow_id: UUID | None = None

    @property
    def office(self) -> Actor:
        return Actor("saksbehandler", "allocation", self.story.spec.id)

    def at(self, moment: datetime, do: Callable[[], object]) -> None:
        self.story.facts.append((moment, next(self.order), do))

    def step(self, moment: datetime, do: Callable[[UUID, datetime], object]) -> None:
        """A step of the flow, and the tasks done some hours after it, if they are."""
        self.at(moment, lambda: do(self._flow(), moment))
        if self.journey.tidy is not None:
            later = moment + timedelta(hours=self.journey.tidy)
            self.at(later, lambda: self._tidy(later))

    def _flow(self) -> UUID:
        if self.flow_id is None:
            raise FlowError("not_found", thing="flow")
        return self.flow_id

    def plan(self) -> None:
        j, app, office = self.journey, self.story.system.flows, self.office
        ready = T0 + timedelta(hours=j.start)
        self.at(ready, lambda: self._open(ready))
        self.step(
            ready, lambda f, at: app.notify_ready_for_discharge(f, at, False, by=office, at=at)
        )
        if j.answer is not None:
            answered = ready + timedelta(hours=j.answer)
            self.step(
                answered, lambda f, at: app.answer_hospital(f, j.can_receive, "", by=office, at=at)
            )
        left = ready + timedelta(hours=48)
        if j.stay is not None:
            unit, to_arrival, on_unit = j.stay
            place = unit_id(self.story.spec.id, "AB"[unit])
            bed = str(next(self.beds) % 20 + 1)
            decided = ready + timedelta(minutes=30)
            decision = Decision(
                ServiceKind.SHORT_TERM_STAY.value, place, None, oslo_day(decided), None
            )
            self.step(decided, lambda f, at: app.decide_service(f, decision, by=office, at=at))
            self.step(decided, lambda f, at: app.reserve_bed(f, place, bed, by=office, at=at))
            arrived = decided + timedelta(hours=to_arrival, minutes=30)
            self.step(arrived, lambda f, at: app.arrive(f, by=self._nurse(place), at=at))
            left = arrived + timedelta(hours=on_unit)
            if j.flag is not None:
                self._flag(arrived, *j.flag)
        if j.home or j.stay is not None:
            zone = unit_id(self.story.spec.id, "NORD")
            where = Destination.HOME.value if j.home else Destination.LONG_TERM_CARE.value
            plan = DischargePlan(oslo_day(left), False, where, zone if j.home else None)
            planned = left - timedelta(hours=2)
            self.step(planned, lambda f, at: app.plan_discharge(f, plan, by=office, at=at))
            self.step(left, lambda f, at: app.discharge(f, by=office, at=at))
        if j.home and j.readmitted is not None:
            back = left + timedelta(days=j.readmitted)
            self.step(back, lambda f, at: app.readmit(f, "Sykehuset", by=office, at=at))
        if j.emergency is not None:
            self._emergency(ready + timedelta(hours=j.emergency[0]), j.emergency[1])

    def _flag(self, arrived: datetime, raised_after: int, cleared_after: int | None) -> None:
        """A nurse raises the fall flag some hours after the arrival, and may clear it."""
        app, nurse = self.story.system.flows, Actor("sykepleier", "nurse", self.story.spec.id)
        raised = arrived + timedelta(hours=raised_after, minutes=5)
        self.at(
            raised,
            lambda: app.raise_safety_flag(self._flow(), SafetyFlag.FALL, by=nurse, at=raised),
        )
        if cleared_after is not None:
            cleared = raised + timedelta(hours=cleared_after, minutes=5)
            self.at(
                cleared,
                lambda: app.clear_safety_flag(self._flow(), SafetyFlag.FALL, by=nurse, at=cleared),
            )

    def _open(self, at: datetime) -> None:
        national_id = synthetic_national_id(random.Random(self.seed))
        self.flow_id = self.story.system.flows.open_flow(
            national_id, "Kari Nordmann", Source.HOSPITAL, "Sykehuset", "", by=self.office, at=at
        )

    def _nurse(self, unit: UUID) -> Actor:
        return Actor("sykepleier", "nurse", self.story.spec.id)

    def _tidy(self, at: datetime) -> None:
        """Every task open now done by its owner, and every task done confirmed."""
        app = self.story.system.flows
        for state in app.flow(self._flow(), self.office).tasks:
            task = state.task
            if state.status == "open":
                by, member_of = self._acting_for(task.owner)
                app.complete_task(self._flow(), task.id, "", by=by, member_of=member_of, at=at)
        for state in app.flow(self._flow(), self.office).tasks:
            if state.status == "completed" and state.task.receiver is not None:
                by, member_of = self._acting_for(state.task.receiver)
                app.acknowledge_task(self._flow(), state.task.id, by=by, member_of=member_of, at=at)

    def _acting_for(self, party: Party) -> tuple[Actor, list[UUID]]:
        if party.unit_id is None:
            return self.office, []
        return Actor("sykepleier", "nurse", self.story.spec.id), [party.unit_id]

    def _emergency(self, opened: datetime, review_after: int | None) -> None:
        emergency, spec = self.story.system.emergency, self.story.spec
        nurse = User(uuid4(), spec.id, f"nød{self.seed}", "Sykepleier", Role.NURSE, [])
        grants: list[UUID] = []

        def grant() -> None:
            grants.append(
                emergency.grant(nurse, self._flow(), EmergencyReason.ACUTE, "", opened).id
            )

        self.at(opened, grant)
        if review_after is not None:
            reviewed = opened + timedelta(hours=review_after)
            self.at(
                reviewed,
                lambda: [emergency.review(self.story.leader, g, "OK", reviewed) for g in grants],
            )


def month_of(moment: datetime) -> date:
    return oslo_day(moment).replace(day=1)
