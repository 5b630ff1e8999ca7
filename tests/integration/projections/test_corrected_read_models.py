"""A command corrected as a mistake reads everywhere as one never given: two stores tell the
same story, one with an arrival, a move or a discharge given by mistake and corrected, the
other without it, and the flow's card, its wait in hospital (the payment clock and the
waiting days), its stays and moves in the leaders' figures and the unit's beds read alike.

Rows that say when the flow last changed (its version and time) differ by nature; so do the
loops the mistaken command opened and the correction cancelled, and the count of moves a
day, which counts what the lists showed, the mistake and its correction included."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.municipalities import MunicipalitySpec, UnitSpec, ZoneSpec, install
from flow.actor import Actor
from flow.flow_values import Decision, DischargePlan
from flow.municipality import unit_id
from flow.vocabulary import Command, Destination, ServiceKind, Source, UnitKind
from projections.bed_grid import beds
from projections.figures.leader_figures import flows as figure_flows
from projections.figures.leader_figures import stays
from projections.flow_cards import cards
from projections.ready_periods import periods

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FLOW = UUID("0f0e0d0c-0b0a-4009-8007-060504030201")
SPEC = MunicipalitySpec(
    number="9993",
    name="Rettekommune",
    units=[UnitSpec(code="KORT", name="Korttid", kind=UnitKind.REHAB, beds=3)],
    zones=[ZoneSpec(code="NORD", name="Sone Nord")],
    users=[],
)
OFFICE = Actor("saksbehandler", "allocation", SPEC.id)
NURSE = Actor("sykepleier", "nurse", SPEC.id)
#: What changes with every event of the flow, mistaken or not.
_CHANGING = {"version", "changed_at"}


class Told:
    """One store, and the flow's story told on it step by step (the clock moves by hours)."""

    def __init__(self, url: str) -> None:
        self.system = open_system(Settings(database_url=url))
        install(self.system.flows, self.system.accounts, self.system.grants, SPEC, T0)
        self.now = T0
        self.unit = unit_id(SPEC.id, "KORT")
        self.zone = unit_id(SPEC.id, "NORD")

    def at(self, hours: float) -> datetime:
        self.now += timedelta(hours=hours)
        return self.now

    def aside(self, hours: float) -> datetime:
        """A moment after now that the story without the mistake does not spend."""
        return self.now + timedelta(hours=hours)

    def read(self) -> dict[str, Any]:
        """The flow's rows in the models that read its journey, and the unit's beds."""
        self.system.projector.catch_up()
        with self.system.engine.connect() as db:

            def rows(table: Any, *where: Any) -> list[dict[str, Any]]:
                query = select(table).where(*where).order_by(*table.primary_key.columns)
                return [
                    {k: v for k, v in row._mapping.items() if k not in _CHANGING}
                    for row in db.execute(query)
                ]

            return {
                "card": rows(cards, cards.c.flow_id == FLOW),
                "periods": rows(periods, periods.c.flow_id == FLOW),
                "figures": rows(figure_flows, figure_flows.c.flow_id == FLOW),
                "stays": rows(stays, stays.c.flow_id == FLOW),
                "beds": rows(beds, beds.c.unit_id == self.unit),
            }


Story = Callable[[Told, bool], None]


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[Callable[[], Told]]:
    made: list[System] = []

    def store() -> Told:
        told = Told(f"sqlite:///{tmp_path / f'store-{len(made)}.db'}")
        made.append(told.system)
        return told

    yield store
    for system in made:
        system.close()


def ready_with_a_bed(told: Told) -> None:
    flows = told.system.flows
    flows.open_flow(
        "01018012371", "Kari Nordmann", Source.HOSPITAL, "St. Olav", "rehab",
        by=OFFICE, at=told.now, flow_id=FLOW,
    )  # fmt: skip
    flows.notify_ready_for_discharge(FLOW, told.now, False, by=OFFICE, at=told.at(1))
    decision = Decision(ServiceKind.SHORT_TERM_STAY.value, told.unit, None, date.min, None)
    flows.decide_service(FLOW, decision, by=OFFICE, at=told.at(20))
    flows.reserve_bed(FLOW, told.unit, "1", by=OFFICE, at=told.at(20))


def arrival_by_mistake(told: Told, mistaken: bool) -> None:
    """Registered as arrived two days early (another patient came), corrected 10 minutes on."""
    ready_with_a_bed(told)
    flows = told.system.flows
    if mistaken:
        flows.arrive(FLOW, by=NURSE, at=told.aside(1))
        flows.correct(FLOW, Command.ARRIVE, by=NURSE, at=told.aside(1.2))
    flows.arrive(FLOW, by=NURSE, at=told.at(48))


def move_by_mistake(told: Told, mistaken: bool) -> None:
    ready_with_a_bed(told)
    flows = told.system.flows
    flows.arrive(FLOW, by=NURSE, at=told.at(1))
    if mistaken:
        flows.move(FLOW, "3", by=NURSE, at=told.aside(2))
        flows.correct(FLOW, Command.MOVE, "Feil seng", by=OFFICE, at=told.aside(30))
    flows.move(FLOW, "2", by=NURSE, at=told.at(31))


def discharge_by_mistake(told: Told, mistaken: bool) -> None:
    ready_with_a_bed(told)
    flows = told.system.flows
    flows.arrive(FLOW, by=NURSE, at=told.at(1))
    plan = DischargePlan(told.now.date() + timedelta(days=9), False, Destination.HOME, told.zone)
    flows.plan_discharge(FLOW, plan, by=NURSE, at=told.at(2))
    if mistaken:
        flows.discharge(FLOW, by=NURSE, at=told.aside(24))
        flows.correct(FLOW, Command.DISCHARGE, by=NURSE, at=told.aside(24.2))
    flows.discharge(FLOW, by=NURSE, at=told.at(24 * 8))


@pytest.mark.parametrize("story", [arrival_by_mistake, move_by_mistake, discharge_by_mistake])
def test_a_corrected_command_reads_as_one_never_given(
    stores: Callable[[], Told], story: Story
) -> None:
    with_mistake, without = stores(), stores()
    story(with_mistake, True)
    story(without, False)

    assert with_mistake.read() == without.read()
    with_mistake.system.projector.rebuild(list(with_mistake.system.projector.projections))
    assert with_mistake.read() == without.read()


def test_the_payment_clock_runs_again_after_an_arrival_corrected(
    stores: Callable[[], Told],
) -> None:
    told = stores()
    ready_with_a_bed(told)
    flows = told.system.flows
    flows.arrive(FLOW, by=NURSE, at=told.at(1))
    assert told.read()["periods"][0]["ended_at"] is not None  # the wait ended at arrival

    flows.correct(FLOW, Command.ARRIVE, by=NURSE, at=told.at(0.1))

    read = told.read()
    assert [p["ended_at"] for p in read["periods"]] == [None]  # waiting in hospital again
    assert read["stays"] == []  # no stay began
    assert read["card"][0]["phase"] == "ready"
