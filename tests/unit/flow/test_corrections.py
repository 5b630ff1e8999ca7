"""Correcting a command given by mistake (`flow/corrections.py`), through the application
over a real store: the flow and its unit's bed are as before the command, nothing is
deleted, and only the last command is corrected, by its giver within 15 minutes or by the
office with a reason.

Each test runs on a real SQLite file and on a throw-away PostgreSQL database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from support.world import open_flows

from fixtures import CHECKLISTS_FILE
from flow import checklist_file
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.errors import BedTakenError, IllegalTransitionError, NotPermittedError
from flow.flow_values import BedRef, Decision, DischargePlan
from flow.municipality import municipality_id
from flow.views import FlowView
from flow.vocabulary import (
    BedStatus,
    Command,
    Destination,
    Phase,
    ServiceKind,
    Source,
    TaskStatus,
    UnitKind,
)

HOME = municipality_id("9998")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CASEWORKER = Actor("saksbehandler", "allocation", HOME)
NURSE = Actor("sykepleier", "nurse", HOME)
OTHER_NURSE = Actor("sykepleier2", "nurse", HOME)


@dataclass
class Ward:
    app: Pasientflyt
    unit: UUID
    zone: UUID
    now: datetime = T0

    def at(self, minutes: float) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def reserved(self, national_id: str = "15898912342", bed: str = "1") -> UUID:
        flow_id = self.app.open_flow(
            national_id, "Kari Nordmann", Source.HOSPITAL, "St. Olav", "rehab", by=CASEWORKER, at=T0
        )
        self.app.notify_ready_for_discharge(flow_id, T0, False, by=CASEWORKER, at=self.at(1))
        decision = Decision(ServiceKind.SHORT_TERM_STAY.value, self.unit, None, date.min, None)
        self.app.decide_service(flow_id, decision, by=CASEWORKER, at=self.at(1))
        self.app.reserve_bed(flow_id, self.unit, bed, by=CASEWORKER, at=self.at(1))
        return flow_id

    def on_stay(self) -> UUID:
        flow_id = self.reserved()
        self.app.arrive(flow_id, by=NURSE, at=self.at(60))
        return flow_id

    def flow(self, flow_id: UUID) -> FlowView:
        return self.app.flow(flow_id, CASEWORKER)

    def beds(self) -> dict[str, tuple[str, UUID | None]]:
        view = self.app.unit(self.unit, CASEWORKER)
        return {bed.name: (bed.status, bed.flow_id) for bed in view.beds}


@pytest.fixture
def ward(database_url: str) -> Iterator[Ward]:
    app = open_flows(database_url, checklists=checklist_file.load(CHECKLISTS_FILE))
    admin = Actor("admin", "admin", HOME)
    app.register_municipality("9998", "Testkommune", by=admin, at=T0)
    unit = app.register_unit("KORT", "Korttid", UnitKind.REHAB, ["1", "2"], by=admin, at=T0)
    zone = app.register_unit("NORD", "Sone Nord", UnitKind.HOME_CARE_ZONE, [], by=admin, at=T0)
    yield Ward(app, unit, zone)
    app.close()


def test_an_arrival_corrected_leaves_the_patient_in_hospital_with_her_bed_reserved(
    ward: Ward,
) -> None:
    flow_id = ward.reserved()
    before = ward.flow(flow_id)
    ward.app.arrive(flow_id, by=NURSE, at=ward.at(60))
    arrival_loops = {
        s.task.id for s in ward.flow(flow_id).tasks if s.task.trigger == "PatientArrived"
    }

    ward.app.correct(flow_id, Command.ARRIVE, by=NURSE, at=ward.at(10))

    after = ward.flow(flow_id)
    assert (after.phase, after.reservation, after.stay) == (
        Phase.READY,
        BedRef(ward.unit, "1"),
        None,
    )
    assert (after.ready, after.arrived_at) == (before.ready, None)  # the payment clock runs again
    assert ward.beds()["1"] == (BedStatus.RESERVED, flow_id)
    cancelled = {s.task.id for s in after.tasks if s.status == TaskStatus.CANCELLED}
    assert arrival_loops and arrival_loops <= cancelled
    events = [entry.event for entry in ward.app.history(flow_id, CASEWORKER)]
    assert "PatientArrived" in events  # never a deletion
    assert events.index("CommandCorrected") > events.index("PatientArrived")


def test_after_a_corrected_arrival_the_right_patient_arrives(ward: Ward) -> None:
    wrong = ward.reserved()
    right = ward.reserved("29528912395", bed="2")
    ward.app.arrive(wrong, by=NURSE, at=ward.at(60))
    ward.app.correct(wrong, Command.ARRIVE, by=NURSE, at=ward.at(2))

    ward.app.arrive(right, by=NURSE, at=ward.at(1))

    assert ward.beds() == {"1": (BedStatus.RESERVED, wrong), "2": (BedStatus.OCCUPIED, right)}


def test_a_move_corrected_puts_the_patient_back_in_her_bed(ward: Ward) -> None:
    flow_id = ward.on_stay()
    ward.app.move(flow_id, "2", by=NURSE, at=ward.at(5))

    ward.app.correct(flow_id, Command.MOVE, by=NURSE, at=ward.at(5))

    assert ward.flow(flow_id).stay == BedRef(ward.unit, "1")
    assert ward.beds() == {"1": (BedStatus.OCCUPIED, flow_id), "2": (BedStatus.FREE, None)}


def test_a_discharge_corrected_gives_the_patient_her_bed_back(ward: Ward) -> None:
    flow_id = ward.on_stay()
    plan = DischargePlan(date(2026, 3, 9), False, Destination.HOME.value, ward.zone)
    ward.app.plan_discharge(flow_id, plan, by=NURSE, at=ward.at(5))
    ward.app.discharge(flow_id, by=NURSE, at=ward.at(5))
    assert ward.beds()["1"] == (BedStatus.FREE, None)

    ward.app.correct(flow_id, Command.DISCHARGE, by=NURSE, at=ward.at(14))

    after = ward.flow(flow_id)
    assert (after.phase, after.stay, after.discharged_at) == (
        Phase.ON_STAY,
        BedRef(ward.unit, "1"),
        None,
    )
    assert after.decision is not None and after.discharge_plan == plan
    assert ward.beds()["1"] == (BedStatus.OCCUPIED, flow_id)


def test_a_discharge_is_not_corrected_into_a_bed_someone_else_has_now(ward: Ward) -> None:
    flow_id = ward.on_stay()
    plan = DischargePlan(date(2026, 3, 9), False, Destination.HOME.value, ward.zone)
    ward.app.plan_discharge(flow_id, plan, by=NURSE, at=ward.at(5))
    ward.app.discharge(flow_id, by=NURSE, at=ward.at(5))
    ward.reserved("29528912395", bed="1")

    with pytest.raises(BedTakenError, match="Seng 1 på Korttid er allerede tatt"):
        ward.app.correct(flow_id, Command.DISCHARGE, by=NURSE, at=ward.at(1))

    assert ward.flow(flow_id).phase == Phase.DISCHARGED


def test_only_the_last_command_is_corrected_and_only_as_named(ward: Ward) -> None:
    flow_id = ward.on_stay()
    ward.app.move(flow_id, "2", by=NURSE, at=ward.at(1))

    with pytest.raises(IllegalTransitionError, match="siste registreringen"):
        ward.app.correct(flow_id, Command.ARRIVE, by=NURSE, at=ward.at(1))
    plan = DischargePlan(date(2026, 3, 9), False, Destination.HOME.value, ward.zone)
    ward.app.plan_discharge(flow_id, plan, by=NURSE, at=ward.at(1))
    with pytest.raises(IllegalTransitionError, match="endret siden"):
        ward.app.correct(flow_id, Command.MOVE, by=NURSE, at=ward.at(1))


def test_after_15_minutes_or_by_another_only_the_office_corrects_and_with_a_reason(
    ward: Ward,
) -> None:
    flow_id = ward.reserved()
    ward.app.arrive(flow_id, by=NURSE, at=ward.at(60))

    with pytest.raises(NotPermittedError, match="15 minutter"):
        ward.app.correct(flow_id, Command.ARRIVE, by=OTHER_NURSE, at=ward.at(1))
    with pytest.raises(NotPermittedError):
        ward.app.correct(flow_id, Command.ARRIVE, by=NURSE, at=ward.at(15))
    with pytest.raises(IllegalTransitionError, match="begrunnelse"):
        ward.app.correct(flow_id, Command.ARRIVE, " ", by=CASEWORKER, at=ward.at(1))

    ward.app.correct(flow_id, Command.ARRIVE, "Feil pasient", by=CASEWORKER, at=ward.at(1))

    history = ward.app.history(flow_id, CASEWORKER)
    arrival = next(e for e in history if e.event == "PatientArrived")
    entry = next(e for e in history if e.event == "CommandCorrected")
    assert entry.data == {
        "command": "arrival",
        "corrects": arrival.version,
        "reason": "Feil pasient",
    }
    assert (entry.user_id, entry.role) == ("saksbehandler", "allocation")


def test_a_corrected_command_cannot_be_corrected_again(ward: Ward) -> None:
    flow_id = ward.on_stay()
    ward.app.correct(flow_id, Command.ARRIVE, by=NURSE, at=ward.at(1))

    with pytest.raises(IllegalTransitionError, match="Ingenting å korrigere|siste registreringen"):
        ward.app.correct(flow_id, Command.ARRIVE, by=NURSE, at=ward.at(1))
