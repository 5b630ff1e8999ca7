"""The patient-safety figures equal a count made straight from the log (issue 26), for random
histories on both stores: patients arriving on two units, screened and reviewed in time,
late or never, flagged before, during and across a month's end, leaving or staying on. Every
cell a figure shows as a number is the log's count; "<3" stands for a count of 1 or 2; a
value the figure cannot work out ("–") is one the log cannot either."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from support import safety_log
from support.figure_histories import Told, municipality

from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.demo import synthetic_national_id
from flow.actor import Actor
from flow.flow_values import Decision, DischargePlan
from flow.municipality import unit_id
from flow.payment_clock import oslo_day
from flow.vocabulary import Destination, SafetyFlag, ServiceKind, Source
from projections.figures.report import Figures

T0 = datetime(2025, 9, 1, 6, tzinfo=UTC)
MONTHS = ["2025-09", "2025-10", "2025-11", "2025-12"]
NOW = datetime(2026, 1, 20, tzinfo=UTC)
SCREENING = "Innkomstvurdering: fall, ernæring og trykksår (innen 24 t)"
numbers = itertools.count(1)


@dataclass(frozen=True)
class Patient:
    """`copies` patients alike: arriving on a unit some hours after T0, screened and
    reviewed some hours after the arrival (or never), a flag raised some hours after it
    (negative: before, in hospital) and cleared some hours after that (or never), and
    leaving after some hours (or staying on)."""

    copies: int
    unit: int
    arrives: int
    screened: int | None
    reviewed: int | None
    flag: tuple[SafetyFlag, int, int | None] | None
    stays: int | None


#: Hours to a step: often near a deadline (a day; the review's three days), or any time.
hours = st.integers(20, 28) | st.integers(68, 76) | st.integers(0, 24 * 12)
patients = st.builds(
    Patient,
    copies=st.sampled_from([1, 3, 3]),
    unit=st.integers(0, 1),
    arrives=st.integers(0, 24 * 118),
    screened=st.none() | hours,
    reviewed=st.none() | hours,
    flag=st.none()
    | st.tuples(st.sampled_from(list(SafetyFlag)), st.integers(-1, 24 * 20), st.none() | hours),
    stays=st.none() | st.integers(1, 24 * 40),
)


@pytest.fixture
def system(database_url: str) -> Iterator[System]:
    opened = open_system(Settings(database_url=database_url))
    yield opened
    opened.close()


def tell(system: System, history: list[Patient]) -> Told:
    spec, leader = municipality(system)
    story = Told(system, spec, leader)
    order, app = itertools.count(), system.flows
    office = Actor("saksbehandler", "allocation", spec.id)
    nurse = Actor("sykepleier", "nurse", spec.id)
    for patient in history:
        for _ in range(patient.copies):
            place = unit_id(spec.id, "AB"[patient.unit])
            arrived = T0 + timedelta(hours=patient.arrives, minutes=next(order) % 60)
            flow: list[Any] = []

            def at(moment: datetime, do: Any) -> None:
                story.facts.append((moment, next(order), do))

            def opened(
                place: Any = place, arrived: datetime = arrived, flow: list[Any] = flow
            ) -> None:
                flow.append(
                    app.open_flow(
                        synthetic_national_id(random.Random(f"s{next(numbers)}")),
                        "Kari Nordmann",
                        Source.HOSPITAL,
                        "Sykehuset",
                        "",
                        by=office,
                        at=arrived - timedelta(hours=3),
                    )
                )
                decision = Decision(
                    ServiceKind.SHORT_TERM_STAY.value, place, None, oslo_day(arrived), None
                )
                app.decide_service(flow[0], decision, by=office, at=arrived - timedelta(hours=3))
                free = [b.name for b in app.unit(place, office).beds if b.status == "free"]
                app.reserve_bed(flow[0], place, free[0], by=office, at=arrived - timedelta(hours=3))

            at(arrived - timedelta(hours=3), opened)
            at(
                arrived,
                lambda flow=flow, arrived=arrived: app.arrive(flow[0], by=nurse, at=arrived),
            )
            for key, after in (
                ("admission_assessment", patient.screened),
                ("medication_review", patient.reviewed),
            ):
                if after is not None:
                    done = arrived + timedelta(hours=after, minutes=7)
                    at(
                        done,
                        lambda key=key, done=done, flow=flow, place=place: _do(
                            app, office, nurse, flow[0], place, key, done
                        ),
                    )
            if patient.flag is not None:
                kind, raised_after, cleared_after = patient.flag
                raised = arrived + timedelta(hours=raised_after, minutes=11)
                at(
                    raised,
                    lambda kind=kind, raised=raised, flow=flow: app.raise_safety_flag(
                        flow[0], kind, by=nurse, at=raised
                    ),
                )
                if cleared_after is not None:
                    cleared = raised + timedelta(hours=cleared_after, minutes=13)
                    at(
                        cleared,
                        lambda kind=kind, cleared=cleared, flow=flow: app.clear_safety_flag(
                            flow[0], kind, by=nurse, at=cleared
                        ),
                    )
            if patient.stays is not None:
                left = arrived + timedelta(hours=patient.stays)
                plan = DischargePlan(oslo_day(left), False, Destination.LONG_TERM_CARE.value, None)
                at(
                    left - timedelta(minutes=30),
                    lambda plan=plan, left=left, flow=flow: app.plan_discharge(
                        flow[0], plan, by=office, at=left - timedelta(minutes=30)
                    ),
                )
                at(left, lambda left=left, flow=flow: app.discharge(flow[0], by=office, at=left))
    return story


def _do(
    app: Any, office: Actor, nurse: Actor, flow_id: Any, place: Any, key: str, at: datetime
) -> None:
    state = next(s for s in app.flow(flow_id, office).tasks if s.task.key == key)
    app.complete_task(flow_id, state.task.id, "", by=nurse, member_of=[place], at=at)


def assert_as_counted(shown: Any, counted: Any, where: tuple[str, ...]) -> None:
    if shown == ":":
        return  # hidden so that a small count cannot be worked out: any count
    if shown == "<3":
        assert counted in (1, 2), where
    else:
        assert shown == counted, where


@pytest.mark.timeout(900)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(patients, min_size=1, max_size=8))
def test_the_safety_figures_are_the_counts_of_the_log(
    system: System, history: list[Patient]
) -> None:
    story = tell(system, history)
    story.until(NOW)
    system.projector.catch_up()
    spec = story.spec
    figures = Figures.read(
        system.engine,
        spec.id,
        date(2025, 9, 1),
        date(2025, 12, 1),
        NOW,
        system.rates.of(spec.id),
        [],
    )
    flows = safety_log.flows_of(system, spec.id)
    units = [unit_id(spec.id, "A"), unit_id(spec.id, "B")]
    shown_cells = 0
    for month in MONTHS:
        counted: dict[Any, dict[str, Any]] = {p: {} for p in [None, *units]}
        for part in (
            safety_log.screening(flows, units, month, SCREENING),
            safety_log.medication_review(flows, units, month),
            safety_log.flags(flows, units, month),
        ):
            for place, rows in part.items():
                counted[place] |= rows
        for place in figures.safety.places:
            for table in place.tables:
                if table.key.startswith("safety_overdue") or month not in table.columns:
                    continue
                column = table.columns.index(month)
                for row in table.rows:
                    value = row.values[column]
                    note(f"{month} {place.name} {row.label}: {value}")
                    assert_as_counted(
                        value, counted[place.unit_id][row.label], (month, place.name, row.label)
                    )
                    shown_cells += isinstance(value, int | float)
    assert shown_cells > 0
