"""The application service over a real store: tenancy, versions, and flows and units in step.

Each test runs on a real SQLite file and on a throw-away PostgreSQL database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from support.world import open_flows

from flow.actor import Actor
from flow.application import Pasientflyt
from flow.care_unit import CareUnit
from flow.errors import (
    BedTakenError,
    DuplicateError,
    FlowClosedError,
    FlowError,
    IllegalTransitionError,
    NotFoundError,
    StaleVersionError,
)
from flow.flow_values import BedRef, Decision, DischargePlan
from flow.municipality import municipality_id
from flow.patient_flow import PatientFlow
from flow.store import store_env
from flow.views import BedView, UnitView
from flow.vocabulary import (
    ERASED,
    ClosingReason,
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
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NATIONAL_IDS = ["15898912342", "29528912395", "69898912353", "01018012371"]


@dataclass
class World:
    """Testkommune with two units and a zone, Nabokommune with one unit, and a clock."""

    app: Pasientflyt
    caseworker: Actor
    nurse: Actor
    stranger: Actor
    unit: UUID
    other_unit: UUID
    zone: UUID
    foreign_unit: UUID
    now: datetime = field(default=T0)

    def tick(self) -> datetime:
        self.now += timedelta(minutes=17)
        return self.now

    def recorded(self) -> int:
        """The position of the last event in the store's notification log."""
        return self.app.recorder.max_notification_id() or 0

    def open(self, source: Source = Source.HOSPITAL, national_id: str = NATIONAL_IDS[0]) -> UUID:
        return self.app.open_flow(
            national_id, "Kari Nordmann", source, "St. Olav", "rehab", by=self.caseworker, at=T0
        )

    def short_term(self, unit: UUID | None = None) -> Decision:
        return Decision(ServiceKind.SHORT_TERM_STAY.value, unit or self.unit, None, date.min, None)

    def going_home(self) -> DischargePlan:
        return DischargePlan(date(2026, 4, 1), False, Destination.HOME.value, self.zone)

    def reserved(self, bed: str = "1", national_id: str = NATIONAL_IDS[0]) -> UUID:
        flow_id = self.open(national_id=national_id)
        self.app.decide_service(flow_id, self.short_term(), by=self.caseworker, at=self.tick())
        self.app.reserve_bed(flow_id, self.unit, bed, by=self.caseworker, at=self.tick())
        return flow_id

    def on_stay(self, bed: str = "1", national_id: str = NATIONAL_IDS[0]) -> UUID:
        flow_id = self.reserved(bed, national_id)
        self.app.arrive(flow_id, by=self.nurse, at=self.tick())
        return flow_id

    def beds(self, unit: UUID | None = None) -> dict[str, tuple[str, UUID | None]]:
        view = self.app.unit(unit or self.unit, self.caseworker)
        return {bed.name: (bed.status, bed.flow_id) for bed in view.beds}


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    app = open_flows(database_url)
    admin, stranger = (
        Actor("admin", "admin", HOME),
        Actor("saksbehandler2", "allocation", NEIGHBOUR),
    )
    app.register_municipality("9998", "Testkommune", by=admin, at=T0)
    app.register_municipality("9997", "Nabokommune", by=stranger, at=T0)
    beds = ["1", "2", "3"]
    yield World(
        app=app,
        caseworker=Actor("saksbehandler", "allocation", HOME),
        nurse=Actor("sykepleier", "nurse", HOME),
        stranger=stranger,
        unit=app.register_unit("KORT", "Korttid", UnitKind.REHAB, beds, by=admin, at=T0),
        other_unit=app.register_unit(
            "UTRED", "Utredning", UnitKind.ASSESSMENT, beds, by=admin, at=T0
        ),
        zone=app.register_unit("NORD", "Sone Nord", UnitKind.HOME_CARE_ZONE, [], by=admin, at=T0),
        foreign_unit=app.register_unit("ANNEN", "Annen", UnitKind.REHAB, ["1"], by=stranger, at=T0),
    )
    app.close()


def then_nothing_recorded(
    world: World, command: Callable[[], object], error: type[FlowError]
) -> None:
    before = world.recorded()
    with pytest.raises(error):
        command()
    assert world.recorded() == before


class TestTenancy:
    def test_actor_of_another_municipality_cannot_read_a_flow(self, world: World) -> None:
        flow_id = world.open()

        with pytest.raises(NotFoundError, match="Forløpet finnes ikke"):
            world.app.flow(flow_id, world.stranger)
        with pytest.raises(NotFoundError):
            world.app.history(flow_id, world.stranger)

    def test_actor_of_another_municipality_cannot_read_a_unit(self, world: World) -> None:
        with pytest.raises(NotFoundError, match="Enheten finnes ikke"):
            world.app.unit(world.unit, world.stranger)

    def test_unit_lists_show_only_the_actors_own_municipality(self, world: World) -> None:
        assert [u.code for u in world.app.units(world.caseworker)] == ["KORT", "UTRED"]
        assert [u.code for u in world.app.units(world.caseworker, zones=True)] == ["NORD"]
        assert [u.code for u in world.app.units(world.stranger)] == ["ANNEN"]

    @pytest.mark.parametrize(
        "command",
        [
            "admit",
            "ready",
            "decide long-term care",
            "reserve",
            "arrive",
            "raise flag",
            "close",
        ],
    )
    def test_actor_of_another_municipality_cannot_command_a_flow(
        self, world: World, command: str
    ) -> None:
        flow_id = world.reserved()
        app, by, at = world.app, world.stranger, world.tick()
        long_term = Decision(ServiceKind.LONG_TERM_CARE.value, None, None, date.min, None)
        commands: dict[str, Callable[[], object]] = {
            "admit": lambda: app.notify_admission(flow_id, "X", at, by=by, at=at),
            "ready": lambda: app.notify_ready_for_discharge(flow_id, at, False, by=by, at=at),
            "decide long-term care": lambda: app.decide_service(flow_id, long_term, by=by, at=at),
            "reserve": lambda: app.reserve_bed(flow_id, world.foreign_unit, "1", by=by, at=at),
            "arrive": lambda: app.arrive(flow_id, by=by, at=at),
            "raise flag": lambda: app.raise_safety_flag(flow_id, SafetyFlag.FALL, by=by, at=at),
            "close": lambda: app.close_flow(flow_id, ClosingReason.OTHER, "", by=by, at=at),
        }

        then_nothing_recorded(world, commands[command], NotFoundError)

    def test_actor_of_another_municipality_cannot_block_a_bed(self, world: World) -> None:
        then_nothing_recorded(
            world,
            lambda: world.app.block_bed(world.unit, "1", "x", by=world.stranger, at=T0),
            NotFoundError,
        )
        assert world.beds()["1"] == ("free", None)

    def test_decision_naming_a_unit_of_another_municipality_is_not_found(
        self, world: World
    ) -> None:
        flow_id = world.open()

        then_nothing_recorded(
            world,
            lambda: world.app.decide_service(
                flow_id, world.short_term(world.foreign_unit), by=world.caseworker, at=T0
            ),
            NotFoundError,
        )

    def test_long_term_decision_naming_a_unit_of_another_municipality_is_not_found(
        self, world: World
    ) -> None:
        flow_id = world.open()
        decision = Decision(
            ServiceKind.LONG_TERM_CARE.value, world.foreign_unit, None, date.min, None
        )

        then_nothing_recorded(
            world,
            lambda: world.app.decide_service(flow_id, decision, by=world.caseworker, at=T0),
            NotFoundError,
        )


class TestStaleVersion:
    def test_stale_version_is_refused_naming_both_versions(self, world: World) -> None:
        flow_id = world.open()
        world.app.notify_admission(flow_id, "St. Olav", T0, by=world.caseworker, at=world.tick())

        with pytest.raises(StaleVersionError, match="nå versjon 2, du hadde versjon 1"):
            world.app.notify_ready_for_discharge(
                flow_id, T0, False, by=world.caseworker, at=world.tick(), expected_version=1
            )

    def test_stale_version_records_nothing(self, world: World) -> None:
        flow_id = world.reserved()

        then_nothing_recorded(
            world,
            lambda: world.app.arrive(flow_id, by=world.nurse, at=world.tick(), expected_version=2),
            StaleVersionError,
        )
        assert world.app.flow(flow_id, world.caseworker).phase == Phase.IN_HOSPITAL
        assert world.beds()["1"] == ("reserved", flow_id)

    def test_stale_reservation_leaves_the_bed_free(self, world: World) -> None:
        flow_id = world.open()
        world.app.decide_service(flow_id, world.short_term(), by=world.caseworker, at=T0)

        then_nothing_recorded(
            world,
            lambda: world.app.reserve_bed(
                flow_id, world.unit, "2", by=world.caseworker, at=T0, expected_version=1
            ),
            StaleVersionError,
        )
        assert world.beds()["2"] == ("free", None)

    def test_current_version_is_accepted_and_the_new_version_returned(self, world: World) -> None:
        flow_id = world.open()

        version = world.app.notify_admission(
            flow_id, "St. Olav", T0, by=world.caseworker, at=world.tick(), expected_version=1
        )

        assert version == 2 == world.app.flow(flow_id, world.caseworker).version


class TestFlowAndUnitInStep:
    def test_reservation_holds_the_bed_in_flow_and_unit(self, world: World) -> None:
        flow_id = world.reserved("2")

        assert world.app.flow(flow_id, world.caseworker).reservation == BedRef(world.unit, "2")
        assert world.beds()["2"] == ("reserved", flow_id)

    def test_arrival_occupies_the_reserved_bed(self, world: World) -> None:
        flow_id = world.on_stay("2")

        view = world.app.flow(flow_id, world.caseworker)
        assert (view.phase, view.stay, view.reservation) == (
            "on_stay",
            BedRef(world.unit, "2"),
            None,
        )
        assert world.beds()["2"] == ("occupied", flow_id)

    def test_move_frees_the_old_bed_and_occupies_the_new(self, world: World) -> None:
        flow_id = world.on_stay("1")

        world.app.move(flow_id, "3", by=world.nurse, at=world.tick())

        assert world.app.flow(flow_id, world.caseworker).stay == BedRef(world.unit, "3")
        assert world.beds() == {
            "1": ("free", None),
            "2": ("free", None),
            "3": ("occupied", flow_id),
        }

    def test_discharge_frees_the_bed(self, world: World) -> None:
        flow_id = world.on_stay("1")
        world.app.plan_discharge(flow_id, world.going_home(), by=world.nurse, at=world.tick())

        world.app.discharge(flow_id, by=world.nurse, at=world.tick())

        assert world.app.flow(flow_id, world.caseworker).stay is None
        assert world.beds()["1"] == ("free", None)

    def test_readmission_from_a_stay_frees_the_bed(self, world: World) -> None:
        flow_id = world.on_stay("1")

        world.app.readmit(flow_id, "St. Olav", by=world.nurse, at=world.tick())

        assert world.app.flow(flow_id, world.caseworker).phase == Phase.IN_HOSPITAL
        assert world.beds()["1"] == ("free", None)

    def test_readmission_after_discharge_frees_a_new_reservation(self, world: World) -> None:
        flow_id = world.on_stay("1")
        app, by = world.app, world.caseworker
        app.plan_discharge(flow_id, world.going_home(), by=by, at=world.tick())
        app.discharge(flow_id, by=by, at=world.tick())
        app.start_home_care(flow_id, by=by, at=world.tick())
        app.decide_service(flow_id, world.short_term(world.other_unit), by=by, at=world.tick())
        app.reserve_bed(flow_id, world.other_unit, "2", by=by, at=world.tick())
        assert world.beds(world.other_unit)["2"] == ("reserved", flow_id)

        app.readmit(flow_id, "St. Olav", by=by, at=world.tick())

        assert app.flow(flow_id, by).reservation is None
        assert world.beds(world.other_unit)["2"] == ("free", None)

    def test_cancelled_reservation_frees_the_bed(self, world: World) -> None:
        flow_id = world.reserved("3")

        world.app.cancel_reservation(flow_id, "feil seng", by=world.caseworker, at=world.tick())

        assert world.app.flow(flow_id, world.caseworker).reservation is None
        assert world.beds()["3"] == ("free", None)

    @pytest.mark.parametrize("held", ["reserved", "occupied"])
    def test_closing_frees_the_bed_the_flow_held(self, world: World, held: str) -> None:
        flow_id = world.reserved("2") if held == "reserved" else world.on_stay("2")

        world.app.close_flow(flow_id, ClosingReason.DIED, "", by=world.caseworker, at=world.tick())

        assert world.app.flow(flow_id, world.caseworker).phase == Phase.CLOSED
        assert world.beds()["2"] == ("free", None)

    def test_bed_reserved_by_another_flow_is_refused_and_nothing_recorded(
        self, world: World
    ) -> None:
        first = world.reserved("1", NATIONAL_IDS[0])
        second = world.open(national_id=NATIONAL_IDS[1])
        world.app.decide_service(second, world.short_term(), by=world.caseworker, at=world.tick())

        then_nothing_recorded(
            world,
            lambda: world.app.reserve_bed(second, world.unit, "1", by=world.caseworker, at=T0),
            BedTakenError,
        )
        assert world.app.flow(second, world.caseworker).reservation is None
        assert world.beds()["1"] == ("reserved", first)

    def test_blocked_bed_is_refused_for_reservation(self, world: World) -> None:
        world.app.block_bed(world.unit, "1", "vannlekkasje", by=world.nurse, at=T0)
        flow_id = world.open()
        world.app.decide_service(flow_id, world.short_term(), by=world.caseworker, at=T0)

        then_nothing_recorded(
            world,
            lambda: world.app.reserve_bed(flow_id, world.unit, "1", by=world.caseworker, at=T0),
            BedTakenError,
        )
        assert world.beds()["1"] == ("blocked", None)

    def test_occupied_bed_cannot_be_blocked_and_a_free_one_is_unblocked_only_when_blocked(
        self, world: World
    ) -> None:
        world.on_stay("1")

        then_nothing_recorded(
            world,
            lambda: world.app.block_bed(world.unit, "1", "x", by=world.nurse, at=T0),
            BedTakenError,
        )
        then_nothing_recorded(
            world,
            lambda: world.app.unblock_bed(world.unit, "2", by=world.nurse, at=T0),
            IllegalTransitionError,
        )

    def test_move_to_a_taken_bed_is_refused_and_the_patient_stays(self, world: World) -> None:
        patient = world.on_stay("1", NATIONAL_IDS[0])
        other = world.reserved("2", NATIONAL_IDS[1])

        then_nothing_recorded(
            world, lambda: world.app.move(patient, "2", by=world.nurse, at=T0), BedTakenError
        )
        assert world.app.flow(patient, world.caseworker).stay == BedRef(world.unit, "1")
        assert world.beds() == {
            "1": ("occupied", patient),
            "2": ("reserved", other),
            "3": ("free", None),
        }

    def test_move_to_an_unknown_bed_is_not_found_and_the_patient_stays(self, world: World) -> None:
        patient = world.on_stay("1")

        then_nothing_recorded(
            world, lambda: world.app.move(patient, "99", by=world.nurse, at=T0), NotFoundError
        )
        assert world.app.flow(patient, world.caseworker).stay == BedRef(world.unit, "1")

    def racing(
        self, world: World, database_url: str, rival_bed: str
    ) -> tuple[UUID, UUID, Pasientflyt]:
        """Two patients decided for the unit, and a store whose first look at the unit lets
        a rival reserve `rival_bed` for the first patient before the second's save."""
        winner = world.open(national_id=NATIONAL_IDS[0])
        loser = world.open(national_id=NATIONAL_IDS[1])
        for flow_id in (winner, loser):
            world.app.decide_service(flow_id, world.short_term(), by=world.caseworker, at=T0)
        rival = open_flows(database_url)
        looks: list[UUID | None] = []

        class Racing(Pasientflyt):
            name = Pasientflyt.name  # the same tables: a subclass would get its own

            def _unit(self, unit_id: UUID | None, by: Actor) -> CareUnit:
                unit = super()._unit(unit_id, by)
                looks.append(unit_id)
                if len(looks) == 1:
                    rival.reserve_bed(winner, world.unit, rival_bed, by=world.caseworker, at=T0)
                    rival.close()
                return unit

        return winner, loser, Racing(env=store_env(database_url), keys=rival.keys)

    def test_two_caseworkers_racing_for_one_bed_cannot_both_win(
        self, world: World, database_url: str
    ) -> None:
        """The loser loaded the unit before the winner saved it: given again to what is stored
        now, its command finds the bed taken, and nothing of it is recorded."""
        winner, loser, racing = self.racing(world, database_url, rival_bed="1")
        before = world.recorded()
        try:
            with pytest.raises(BedTakenError):
                racing.reserve_bed(loser, world.unit, "1", by=world.caseworker, at=T0)
        finally:
            racing.close()
        assert world.recorded() == before + 2  # the winner's flow and unit, nothing of the loser
        assert world.beds()["1"] == ("reserved", winner)
        assert world.app.flow(loser, world.caseworker).reservation is None
        assert world.app.flow(loser, world.caseworker).version == 2

    def test_a_write_on_another_bed_of_the_unit_does_not_refuse_the_command(
        self, world: World, database_url: str
    ) -> None:
        """The rival reserved bed 2 between the loser's load and save: the unit's version
        moved, but bed 1 is still free, so the command is given again and wins."""
        winner, loser, racing = self.racing(world, database_url, rival_bed="2")
        try:
            racing.reserve_bed(loser, world.unit, "1", by=world.caseworker, at=T0)
        finally:
            racing.close()
        assert world.beds()["1"] == ("reserved", loser)
        assert world.beds()["2"] == ("reserved", winner)

    def test_a_caller_that_expected_a_version_gets_stale_when_the_flow_itself_moved(
        self, world: World
    ) -> None:
        flow_id = world.open(national_id=NATIONAL_IDS[0])
        seen = world.app.flow(flow_id, world.caseworker).version
        world.app.raise_safety_flag(flow_id, SafetyFlag.FALL, by=world.caseworker, at=T0)

        with pytest.raises(StaleVersionError):
            world.app.run(
                flow_id,
                lambda f, by, at: f.raise_safety_flag(SafetyFlag.DELIRIUM, by=by, at=at),
                by=world.caseworker,
                at=T0,
                expected_version=seen,
            )


REFUSED: dict[str, Callable[[World, UUID], object]] = {
    "arrival without reservation": lambda w, f: w.app.arrive(f, by=w.nurse, at=w.now),
    "discharge before arrival": lambda w, f: w.app.discharge(f, by=w.nurse, at=w.now),
    "home care before discharge": lambda w, f: w.app.start_home_care(f, by=w.nurse, at=w.now),
    "reservation without decision": lambda w, f: w.app.reserve_bed(
        f, w.unit, "1", by=w.caseworker, at=w.now
    ),
    "withdrawal when not ready": lambda w, f: w.app.withdraw_ready_for_discharge(
        f, "x", by=w.caseworker, at=w.now
    ),
    "wait reason when not ready": lambda w, f: w.app.record_wait_reason(
        f, WaitReason.NO_BED, "", by=w.caseworker, at=w.now
    ),
    "move before arrival": lambda w, f: w.app.move(f, "2", by=w.nurse, at=w.now),
    "readmission from hospital": lambda w, f: w.app.readmit(f, "X", by=w.nurse, at=w.now),
    "clearing a flag never raised": lambda w, f: w.app.clear_safety_flag(
        f, SafetyFlag.FALL, by=w.nurse, at=w.now
    ),
    "short-term decision for a zone": lambda w, f: w.app.decide_service(
        f, w.short_term(w.zone), by=w.caseworker, at=w.now
    ),
    "home-care decision for a unit": lambda w, f: w.app.decide_service(
        f,
        Decision(ServiceKind.HOME_CARE.value, None, w.unit, date.min, None),
        by=w.caseworker,
        at=w.now,
    ),
}


class TestRefusedCommandRecordsNothing:
    @pytest.mark.parametrize("refusal", sorted(REFUSED))
    def test_refused_command_leaves_the_event_count_unchanged(
        self, world: World, refusal: str
    ) -> None:
        flow_id = world.open()
        events_before = len(list(world.app.events.get(flow_id)))
        recorded_before = world.recorded()

        with pytest.raises(IllegalTransitionError):
            REFUSED[refusal](world, flow_id)

        assert len(list(world.app.events.get(flow_id))) == events_before
        assert world.recorded() == recorded_before

    def test_plan_to_go_home_to_a_short_term_unit_is_refused(self, world: World) -> None:
        flow_id = world.on_stay()
        plan = DischargePlan(date(2026, 4, 1), False, Destination.HOME.value, world.unit)

        then_nothing_recorded(
            world,
            lambda: world.app.plan_discharge(flow_id, plan, by=world.nurse, at=T0),
            IllegalTransitionError,
        )


class TestWhenFlowIsClosed:
    def test_closed_flow_refuses_commands_and_records_nothing(self, world: World) -> None:
        flow_id = world.on_stay()
        world.app.close_flow(flow_id, ClosingReason.COMPLETED, "", by=world.caseworker, at=T0)

        for command in (
            lambda: world.app.readmit(flow_id, "X", by=world.nurse, at=T0),
            lambda: world.app.raise_safety_flag(flow_id, SafetyFlag.FALL, by=world.nurse, at=T0),
            lambda: world.app.decide_service(
                flow_id, world.short_term(), by=world.caseworker, at=T0
            ),
            lambda: world.app.close_flow(flow_id, ClosingReason.OTHER, "", by=world.nurse, at=T0),
        ):
            then_nothing_recorded(world, command, FlowClosedError)

    def test_closed_flow_refuses_any_decision_as_closed(self, world: World) -> None:
        flow_id = world.open()
        world.app.close_flow(flow_id, ClosingReason.OTHER, "", by=world.caseworker, at=T0)

        with pytest.raises(FlowClosedError):
            world.app.decide_service(
                flow_id, world.short_term(world.zone), by=world.caseworker, at=T0
            )

    def test_closed_flow_refuses_any_discharge_plan_as_closed(self, world: World) -> None:
        flow_id = world.on_stay()
        world.app.close_flow(flow_id, ClosingReason.OTHER, "", by=world.caseworker, at=T0)
        plan = DischargePlan(date(2026, 4, 1), False, Destination.HOME.value, world.unit)

        with pytest.raises(FlowClosedError):
            world.app.plan_discharge(flow_id, plan, by=world.nurse, at=T0)


class TestStoredHistory:
    def test_second_application_on_the_same_store_sees_the_same_flow_and_unit(
        self, world: World, database_url: str
    ) -> None:
        flow_id = world.on_stay("2")
        world.app.raise_safety_flag(flow_id, SafetyFlag.DELIRIUM, by=world.nurse, at=world.tick())
        world.app.plan_discharge(flow_id, world.going_home(), by=world.nurse, at=world.tick())
        world.app.block_bed(world.unit, "3", "x", by=world.nurse, at=world.tick())

        other = open_flows(database_url)
        try:
            assert other.flow(flow_id, world.caseworker) == world.app.flow(
                flow_id, world.caseworker
            )
            assert other.unit(world.unit, world.caseworker) == world.app.unit(
                world.unit, world.caseworker
            )
        finally:
            other.close()
        assert world.app.unit(world.unit, world.caseworker) == UnitView(
            world.unit,
            4,
            "KORT",
            "Korttid",
            "rehab",
            [
                BedView("1", "free", None),
                BedView("2", "occupied", flow_id),
                BedView("3", "blocked", None),
            ],
        )

    def test_long_histories_read_back_the_same(self, world: World, database_url: str) -> None:
        flow_id = world.on_stay("1")
        for _ in range(30):
            world.app.raise_safety_flag(flow_id, SafetyFlag.FALL, by=world.nurse, at=world.tick())
            world.app.clear_safety_flag(flow_id, SafetyFlag.FALL, by=world.nurse, at=world.tick())
        world.app.raise_safety_flag(flow_id, SafetyFlag.FALL, by=world.nurse, at=world.tick())
        for _ in range(55):
            world.app.block_bed(world.unit, "3", "x", by=world.nurse, at=world.tick())
            world.app.unblock_bed(world.unit, "3", by=world.nurse, at=world.tick())
        world.app.move(flow_id, "2", by=world.nurse, at=world.tick())
        snapshots = world.app.snapshots
        for aggregate_id, cls in ((flow_id, PatientFlow), (world.unit, CareUnit)):
            if cls in Pasientflyt.snapshotting_intervals:  # else a long history is plain events
                assert snapshots is not None and list(snapshots.get(aggregate_id))

        other = open_flows(database_url)
        try:
            flow, unit = other.flow(flow_id, world.caseworker), other.unit(world.unit, world.nurse)
        finally:
            other.close()
        assert flow == world.app.flow(flow_id, world.caseworker)
        assert (flow.version, flow.safety_flags, flow.stay) == (
            66,
            ["fall"],
            BedRef(world.unit, "2"),
        )
        assert unit == world.app.unit(world.unit, world.nurse)
        assert world.beds()["2"] == ("occupied", flow_id)

    def test_history_names_who_did_what_and_when(self, world: World) -> None:
        flow_id = world.on_stay("1")

        history = world.app.history(flow_id, world.caseworker)

        assert [(h.version, h.event, h.user_id, h.role) for h in history] == [
            (1, "FlowOpened", "saksbehandler", "allocation"),
            (2, "ServiceDecided", "saksbehandler", "allocation"),
            (3, "BedReserved", "saksbehandler", "allocation"),
            (4, "PatientArrived", "sykepleier", "nurse"),
        ]
        assert [h.at for h in history] == [T0, *(T0 + timedelta(minutes=17 * n) for n in (1, 2, 3))]


class TestRegisteringPlaces:
    def test_second_unit_with_the_same_code_is_refused(self, world: World) -> None:
        admin = Actor("admin", "admin", HOME)

        then_nothing_recorded(
            world,
            lambda: world.app.register_unit("KORT", "Ny", UnitKind.ACUTE, ["1"], by=admin, at=T0),
            DuplicateError,
        )

    def test_second_municipality_with_the_same_number_is_refused_as_duplicate(
        self, world: World
    ) -> None:
        admin = Actor("admin", "admin", HOME)

        then_nothing_recorded(
            world,
            lambda: world.app.register_municipality("9998", "Igjen", by=admin, at=T0),
            DuplicateError,
        )

    def test_flow_opened_under_a_taken_id_is_refused_as_duplicate(self, world: World) -> None:
        flow_id = world.open()

        then_nothing_recorded(
            world,
            lambda: world.app.open_flow(
                NATIONAL_IDS[1],
                "Ola",
                Source.HOME,
                "-",
                "-",
                by=world.caseworker,
                at=T0,
                flow_id=flow_id,
            ),
            DuplicateError,
        )

    def test_unit_of_an_unknown_municipality_is_not_found(self, world: World) -> None:
        nobody = Actor("x", "admin", municipality_id("0000"))

        with pytest.raises(NotFoundError, match="Kommunen finnes ikke"):
            world.app.register_unit("K", "K", UnitKind.ACUTE, ["1"], by=nobody, at=T0)


def test_a_flow_kept_in_memory_is_brought_forward_by_what_another_process_recorded(
    world: World, database_url: str
) -> None:
    flow_id = world.open()
    assert world.app.flow(flow_id, world.caseworker).phase == Phase.IN_HOSPITAL  # now kept
    other = open_flows(database_url)
    try:
        other.notify_ready_for_discharge(flow_id, T0, False, by=world.caseworker, at=world.tick())
    finally:
        other.close()
    assert world.app.flow(flow_id, world.caseworker).phase == Phase.READY


def test_an_erased_flow_leaves_the_memory_of_the_process_that_erased_it(world: World) -> None:
    flow_id = world.open()
    world.app.flow(flow_id, world.caseworker)
    admin = Actor("admin", "admin", HOME)
    world.app.erase_identity(flow_id, "Krav fra pasienten.", by=admin, at=world.tick())
    assert world.app.repository.cache is not None
    with pytest.raises(KeyError):
        world.app.repository.cache.get(flow_id)
    assert world.app.flow(flow_id, world.caseworker).name == ERASED
