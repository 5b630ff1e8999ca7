"""The patient-safety figures (issue 26) of hand-built histories with known answers, on both
stores: screenings done at 23 and at 25 hours, a flag open across a month's end, and stays
across midnights, counted at the midnights; the unit's own figures on its page."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from support.figure_histories import municipality

from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.demo import synthetic_national_id
from flow.actor import Actor
from flow.flow_values import Decision, DischargePlan
from flow.municipality import unit_id
from flow.payment_clock import oslo_day
from flow.rates import OSLO
from flow.vocabulary import Destination, SafetyFlag, ServiceKind, Source
from projections.figures.report import Figures
from projections.figures.safety import SafetyPlace

SCREENING = "Innkomstvurdering: fall, ernæring og trykksår (innen 24 t)"
beds = itertools.count(1)


@pytest.fixture
def system(database_url: str) -> Iterator[System]:
    opened = open_system(Settings(database_url=database_url))
    yield opened
    opened.close()


def oslo(*when: int) -> datetime:
    return datetime(*when, tzinfo=OSLO)  # type: ignore[misc]


class Unit:
    """Patients of one unit of a municipality of their own, told through the application."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.spec, _ = municipality(system)
        self.id = unit_id(self.spec.id, "A")
        self.office = Actor("saksbehandler", "allocation", self.spec.id)
        self.nurse = Actor("sykepleier", "nurse", self.spec.id)

    def arrives(self, at: datetime) -> UUID:
        app, office = self.system.flows, self.office
        flow_id = app.open_flow(
            synthetic_national_id(random.Random(next(beds))),
            "Kari Nordmann",
            Source.HOSPITAL,
            "Sykehuset",
            "",
            by=office,
            at=at - timedelta(hours=2),
        )
        decision = Decision(ServiceKind.SHORT_TERM_STAY.value, self.id, None, oslo_day(at), None)
        app.decide_service(flow_id, decision, by=office, at=at - timedelta(hours=1))
        bed = str(next(beds) % 20 + 1)
        app.reserve_bed(flow_id, self.id, bed, by=office, at=at - timedelta(hours=1))
        app.arrive(flow_id, by=self.nurse, at=at)
        return flow_id

    def does(self, flow_id: UUID, key: str, at: datetime) -> None:
        state = next(
            s for s in self.system.flows.flow(flow_id, self.office).tasks if s.task.key == key
        )
        self.system.flows.complete_task(
            flow_id, state.task.id, "", by=self.nurse, member_of=[self.id], at=at
        )

    def leaves(self, flow_id: UUID, at: datetime) -> None:
        plan = DischargePlan(oslo_day(at), False, Destination.LONG_TERM_CARE.value, None)
        self.system.flows.plan_discharge(flow_id, plan, by=self.office, at=at - timedelta(hours=1))
        self.system.flows.discharge(flow_id, by=self.office, at=at)

    def safety(self, month: str, now: datetime) -> dict[str, dict[str, Any]]:
        """The figures of the month: per place ("Kommunen", the unit's name), row: value."""
        self.system.projector.catch_up()
        day = datetime.fromisoformat(f"{month}-01").date()
        figures = Figures.read(
            self.system.engine, self.spec.id, day, day, now, self.system.rates.of(self.spec.id), []
        )
        return {place.name: _rows(place) for place in figures.safety.places}


def _rows(place: SafetyPlace) -> dict[str, Any]:
    """The month's value of each row; a table whose month is not shown yet has none."""
    return {
        row.label: row.values[0] for table in place.tables if table.columns for row in table.rows
    }


def test_a_screening_at_23_hours_is_in_time_and_one_at_25_hours_is_done_within_the_week(
    system: System,
) -> None:
    unit, arrived = Unit(system), oslo(2025, 10, 6, 10)
    patients = [unit.arrives(arrived + timedelta(minutes=i)) for i in range(9)]
    for flow_id in patients[:3]:
        unit.does(flow_id, "admission_assessment", arrived + timedelta(hours=23))
        unit.does(flow_id, "medication_review", arrived + timedelta(hours=70))
    for flow_id in patients[3:6]:
        unit.does(flow_id, "admission_assessment", arrived + timedelta(hours=25))
        unit.does(flow_id, "medication_review", arrived + timedelta(hours=80))
    got = unit.safety("2025-10", now=oslo(2025, 12, 1))
    for place in ("Kommunen", "Rehabilitering A"):
        assert got[place]["Ankomster"] == 9
        assert got[place][f"{SCREENING}: innen 24 timer (%)"] == 33.3
        assert got[place][f"{SCREENING}: utført innen en uke (%)"] == 66.7
        assert got[place]["Legemiddelgjennomganger med frist i måneden"] == 9
        assert got[place]["Gjort innen fristen (%)"] == 33.3
        # The loops past their deadline, by task and owner: the six not done in time.
        assert got[place][f"{SCREENING} — Rehabilitering A"] == 6
        assert got[place]["Legemiddelgjennomgang — Rehabilitering A"] == 6
    assert got["Lindrende B"]["Ankomster"] == 0
    assert f"{SCREENING} — Rehabilitering A" not in got["Lindrende B"]  # not its own task
    assert got["Lindrende B"][f"{SCREENING}: innen 24 timer (%)"] is None


def test_the_screening_of_a_month_shows_once_a_week_after_it_is_gone(system: System) -> None:
    unit = Unit(system)
    for i in range(3):
        unit.arrives(oslo(2025, 10, 31, 22, i))
    assert "Ankomster" not in unit.safety("2025-10", now=oslo(2025, 11, 7, 23))
    assert unit.safety("2025-10", now=oslo(2025, 11, 8, 1))["Kommunen"]["Ankomster"] == 3


def test_a_flag_open_across_a_month_s_end_counts_at_every_midnight_it_is_up(
    system: System,
) -> None:
    """Three patients arrive on 30 October at noon and leave on 4 November at noon (the
    midnights after 30 and 31 October and 1, 2 and 3 November); the fall flag is up from
    14:00 on the 30th until 10:00 on 2 November (the midnights after the 30th, the 31st and
    1 November). Three more stay across one midnight only, on 10-11 October, no flag."""
    unit = Unit(system)
    for i in range(3):
        flow_id = unit.arrives(oslo(2025, 10, 30, 12, i))
        system.flows.raise_safety_flag(
            flow_id, SafetyFlag.FALL, by=unit.nurse, at=oslo(2025, 10, 30, 14)
        )
        system.flows.clear_safety_flag(
            flow_id, SafetyFlag.FALL, by=unit.nurse, at=oslo(2025, 11, 2, 10)
        )
        unit.leaves(flow_id, oslo(2025, 11, 4, 12))
        short = unit.arrives(oslo(2025, 10, 10, 23, 30 + i))
        unit.leaves(short, oslo(2025, 10, 11, 0, 30))
    october = unit.safety("2025-10", now=oslo(2025, 12, 1))["Rehabilitering A"]
    assert october["Fallrisiko: pasienter"] == 3
    assert october["Fallrisiko: andel av liggedøgn (%)"] == 66.7  # 6 of 9 midnights
    assert october["Fallrisiko: satt"] == 3
    assert october["Fallrisiko: per 1 000 liggedøgn"] == 333.3
    assert october["Fallrisiko: fjernet"] == 0
    assert october["Trykksår: pasienter"] == 0
    november = unit.safety("2025-11", now=oslo(2025, 12, 1))["Rehabilitering A"]
    assert november["Fallrisiko: pasienter"] == 3
    assert november["Fallrisiko: andel av liggedøgn (%)"] == 33.3  # 3 of 9 midnights
    assert november["Fallrisiko: satt"] == 0
    assert november["Fallrisiko: per 1 000 liggedøgn"] == 0.0
    assert november["Fallrisiko: fjernet"] == 3
    assert november["Fallrisiko: median døgn åpent"] == 2.8  # 2 days and 20 hours
    municipality = unit.safety("2025-11", now=oslo(2025, 12, 1))["Kommunen"]
    assert municipality["Fallrisiko: pasienter"] == 3


def test_a_unit_with_one_or_two_patients_flagged_shows_less_than_three(system: System) -> None:
    unit = Unit(system)
    for i in range(4):
        flow_id = unit.arrives(oslo(2025, 10, 6, 12, i))
        if i < 2:
            system.flows.raise_safety_flag(
                flow_id, SafetyFlag.DELIRIUM, by=unit.nurse, at=oslo(2025, 10, 7, 9)
            )
    got = unit.safety("2025-10", now=oslo(2025, 12, 1))
    for place in ("Kommunen", "Rehabilitering A"):
        assert got[place]["Delirium: pasienter"] == "<3"
        assert got[place]["Delirium: andel av liggedøgn (%)"] == ":"
        assert got[place]["Delirium: satt"] == "<3"
        assert got[place]["Delirium: per 1 000 liggedøgn"] == ":"
