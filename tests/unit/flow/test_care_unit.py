"""`CareUnit`: a bed holds at most one reservation or occupant; given events, when, then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import project_aggregate

from flow.actor import Actor
from flow.care_unit import Bed, CareUnit
from flow.errors import (
    BedTakenError,
    DuplicateError,
    FlowError,
    IllegalTransitionError,
    NotFoundError,
)
from flow.municipality import Municipality, municipality_id, unit_id
from flow.views import BedView, UnitView
from flow.vocabulary import BedStatus, UnitKind

MUNICIPALITY = municipality_id("9998")
UNIT = unit_id(MUNICIPALITY, "KORT")
ADMIN = Actor("admin", "admin", MUNICIPALITY)
CASEWORKER = Actor("saksbehandler", "allocation", MUNICIPALITY)
NURSE = Actor("sykepleier", "nurse", MUNICIPALITY)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=2)
FLOW = UUID("00000000-0000-4000-8000-000000000001")
OTHER_FLOW = UUID("00000000-0000-4000-8000-000000000002")

Step = Callable[[CareUnit, datetime], None]


def given(*steps: Step) -> CareUnit:
    """Korttid Test with beds 1–3, taken through `steps`, its events collected."""
    unit = CareUnit.register(
        UNIT, MUNICIPALITY, "KORT", "Korttid Test", UnitKind.REHAB, ["1", "2", "3"], by=ADMIN, at=T0
    )
    for hour, step in enumerate(steps, start=1):
        step(unit, T0 + timedelta(hours=hour))
    unit.collect_events()
    return unit


def bed_1_reserved(unit: CareUnit, at: datetime) -> None:
    unit.reserve("1", FLOW, by=CASEWORKER, at=at)


def bed_1_occupied(unit: CareUnit, at: datetime) -> None:
    unit.occupy("1", FLOW, by=NURSE, at=at)


def bed_2_reserved_for_other(unit: CareUnit, at: datetime) -> None:
    unit.reserve("2", OTHER_FLOW, by=CASEWORKER, at=at)


def bed_3_blocked(unit: CareUnit, at: datetime) -> None:
    unit.block("3", "vannlekkasje", by=NURSE, at=at)


def kind(event: object) -> str:
    return type(event).__name__


def then_events(unit: CareUnit) -> list[Any]:
    return list(unit.collect_events())


def then_refused(
    unit: CareUnit, command: Callable[[], object], error: type[FlowError], *sentence: str
) -> None:
    """The command raises `error`, its message holds every part of `sentence`, nothing changes."""
    before = UnitView.of(unit)
    with pytest.raises(error) as refused:
        command()
    assert type(refused.value) is error
    for part in sentence:
        assert part in refused.value.message
    assert unit.collect_events() == []
    assert UnitView.of(unit) == before


def status(unit: CareUnit) -> dict[str, tuple[str, UUID | None]]:
    return {name: (bed.status, bed.flow_id) for name, bed in unit.beds.items()}


class TestRegisteringAUnit:
    def test_registered_unit_has_all_its_beds_free(self) -> None:
        unit = CareUnit.register(
            UNIT, MUNICIPALITY, "KORT", "Korttid", UnitKind.PALLIATIVE, ["A", "B"], by=ADMIN, at=T0
        )

        [event] = then_events(unit)
        assert kind(event) == "Registered"
        assert (event.code, event.name, event.beds) == ("KORT", "Korttid", ["A", "B"])
        assert event.kind == "palliative" and type(event.kind) is str
        assert (event.municipality_id, event.by, event.at) == (MUNICIPALITY, ADMIN, T0)
        assert unit.id == UNIT
        assert unit.free_beds() == ["A", "B"]
        assert not unit.is_zone

    def test_registered_zone_has_no_beds(self) -> None:
        zone = CareUnit.register(
            uuid4(), MUNICIPALITY, "NORD", "Sone Nord", UnitKind.HOME_CARE_ZONE, [], by=ADMIN, at=T0
        )

        assert zone.is_zone
        assert zone.beds == {}

    def test_zone_with_beds_is_refused(self) -> None:
        with pytest.raises(IllegalTransitionError, match="ingen senger"):
            CareUnit.register(
                uuid4(), MUNICIPALITY, "N", "N", UnitKind.HOME_CARE_ZONE, ["1"], by=ADMIN, at=T0
            )

    def test_two_beds_with_one_name_are_refused(self) -> None:
        with pytest.raises(DuplicateError, match="eget navn"):
            CareUnit.register(
                uuid4(), MUNICIPALITY, "K", "K", UnitKind.ACUTE, ["1", "2", "1"], by=ADMIN, at=T0
            )


class TestWhenBedIsFree:
    def test_reservation_holds_the_bed_for_the_flow(self) -> None:
        unit = given()

        unit.reserve("2", FLOW, by=CASEWORKER, at=NOW)

        [event] = then_events(unit)
        assert kind(event) == "BedReserved"
        assert (event.bed, event.flow_id) == ("2", FLOW)
        assert unit.beds["2"] == Bed(BedStatus.RESERVED.value, FLOW)
        assert unit.free_beds() == ["1", "3"]

    def test_blocking_takes_the_bed_out_of_use(self) -> None:
        unit = given()

        unit.block("1", "oppussing", by=NURSE, at=NOW)

        [event] = then_events(unit)
        assert kind(event) == "BedBlocked"
        assert event.reason == "oppussing"
        assert unit.beds["1"] == Bed(BedStatus.BLOCKED.value)

    def test_free_bed_refuses_occupation_without_reservation(self) -> None:
        unit = given()

        then_refused(
            unit,
            lambda: unit.occupy("1", FLOW, by=NURSE, at=NOW),
            IllegalTransitionError,
            "Seng 1 på Korttid Test er ikke holdt av dette forløpet.",
        )

    def test_free_bed_refuses_release(self) -> None:
        unit = given()

        then_refused(
            unit, lambda: unit.release("1", FLOW, by=NURSE, at=NOW), IllegalTransitionError
        )

    def test_free_bed_refuses_unblocking(self) -> None:
        unit = given()

        then_refused(
            unit,
            lambda: unit.unblock("1", by=NURSE, at=NOW),
            IllegalTransitionError,
            "Seng 1 på Korttid Test er ikke sperret.",
        )

    def test_unknown_bed_is_not_found(self) -> None:
        unit = given()

        then_refused(
            unit,
            lambda: unit.reserve("9", FLOW, by=CASEWORKER, at=NOW),
            NotFoundError,
            "Korttid Test har ingen seng «9».",
        )


class TestWhenBedIsReserved:
    def test_reserved_bed_refuses_reservation_for_another_flow(self) -> None:
        unit = given(bed_1_reserved)

        then_refused(
            unit,
            lambda: unit.reserve("1", OTHER_FLOW, by=CASEWORKER, at=NOW),
            BedTakenError,
            "Seng 1 på Korttid Test er allerede tatt.",
        )

    def test_reserved_bed_refuses_a_second_reservation_for_the_same_flow(self) -> None:
        unit = given(bed_1_reserved)

        then_refused(
            unit, lambda: unit.reserve("1", FLOW, by=CASEWORKER, at=NOW), BedTakenError, "tatt"
        )

    def test_reserving_flow_occupies_the_bed_at_arrival(self) -> None:
        unit = given(bed_1_reserved)

        unit.occupy("1", FLOW, by=NURSE, at=NOW)

        [event] = then_events(unit)
        assert kind(event) == "BedOccupied"
        assert (event.bed, event.flow_id) == ("1", FLOW)
        assert unit.beds["1"] == Bed(BedStatus.OCCUPIED.value, FLOW)

    def test_reserved_bed_refuses_occupation_by_another_flow(self) -> None:
        unit = given(bed_1_reserved)

        then_refused(
            unit,
            lambda: unit.occupy("1", OTHER_FLOW, by=NURSE, at=NOW),
            IllegalTransitionError,
            "ikke holdt av dette forløpet",
        )

    def test_release_by_the_reserving_flow_frees_the_bed(self) -> None:
        unit = given(bed_1_reserved)

        unit.release("1", FLOW, by=CASEWORKER, at=NOW)

        [event] = then_events(unit)
        assert kind(event) == "BedReleased"
        assert (event.bed, event.flow_id) == ("1", FLOW)
        assert unit.beds["1"] == Bed(BedStatus.FREE.value)

    def test_reserved_bed_refuses_release_by_another_flow(self) -> None:
        unit = given(bed_1_reserved)

        then_refused(
            unit,
            lambda: unit.release("1", OTHER_FLOW, by=CASEWORKER, at=NOW),
            IllegalTransitionError,
        )

    def test_reserved_bed_refuses_blocking(self) -> None:
        unit = given(bed_1_reserved)

        then_refused(
            unit, lambda: unit.block("1", "x", by=NURSE, at=NOW), BedTakenError, "allerede tatt"
        )

    def test_reserved_patient_refuses_move_before_arrival(self) -> None:
        unit = given(bed_1_reserved)

        then_refused(
            unit, lambda: unit.move(FLOW, "1", "2", by=NURSE, at=NOW), IllegalTransitionError
        )


class TestWhenBedIsOccupied:
    def test_move_frees_the_old_bed_and_occupies_the_new(self) -> None:
        unit = given(bed_1_reserved, bed_1_occupied)

        unit.move(FLOW, "1", "2", by=NURSE, at=NOW)

        [event] = then_events(unit)
        assert kind(event) == "PatientMoved"
        assert (event.flow_id, event.from_bed, event.to_bed) == (FLOW, "1", "2")
        assert status(unit) == {"1": ("free", None), "2": ("occupied", FLOW), "3": ("free", None)}

    def test_move_to_a_reserved_bed_is_refused(self) -> None:
        unit = given(bed_1_reserved, bed_1_occupied, bed_2_reserved_for_other)

        then_refused(
            unit,
            lambda: unit.move(FLOW, "1", "2", by=NURSE, at=NOW),
            BedTakenError,
            "Seng 2 på Korttid Test er allerede tatt.",
        )

    def test_move_to_a_blocked_bed_is_refused(self) -> None:
        unit = given(bed_1_reserved, bed_1_occupied, bed_3_blocked)

        then_refused(
            unit,
            lambda: unit.move(FLOW, "1", "3", by=NURSE, at=NOW),
            BedTakenError,
            "Seng 3 på Korttid Test er sperret.",
        )

    def test_move_to_an_unknown_bed_is_not_found(self) -> None:
        unit = given(bed_1_reserved, bed_1_occupied)

        then_refused(
            unit, lambda: unit.move(FLOW, "1", "12", by=NURSE, at=NOW), NotFoundError, "«12»"
        )

    def test_move_of_a_flow_that_is_not_in_the_bed_is_refused(self) -> None:
        unit = given(bed_1_reserved, bed_1_occupied)

        then_refused(
            unit,
            lambda: unit.move(OTHER_FLOW, "1", "2", by=NURSE, at=NOW),
            IllegalTransitionError,
            "ikke holdt av dette forløpet",
        )

    def test_occupied_bed_refuses_reservation(self) -> None:
        unit = given(bed_1_reserved, bed_1_occupied)

        then_refused(
            unit, lambda: unit.reserve("1", OTHER_FLOW, by=CASEWORKER, at=NOW), BedTakenError
        )

    def test_occupied_bed_refuses_a_second_occupation(self) -> None:
        unit = given(bed_1_reserved, bed_1_occupied)

        then_refused(unit, lambda: unit.occupy("1", FLOW, by=NURSE, at=NOW), IllegalTransitionError)

    def test_release_frees_the_bed_of_a_patient_who_left(self) -> None:
        unit = given(bed_1_reserved, bed_1_occupied)

        unit.release("1", FLOW, by=NURSE, at=NOW)

        assert [type(e).__name__ for e in then_events(unit)] == ["BedReleased"]
        assert unit.free_beds() == ["1", "2", "3"]


class TestWhenBedIsBlocked:
    def test_blocked_bed_refuses_reservation(self) -> None:
        unit = given(bed_3_blocked)

        then_refused(
            unit,
            lambda: unit.reserve("3", FLOW, by=CASEWORKER, at=NOW),
            BedTakenError,
            "Seng 3 på Korttid Test er sperret.",
        )

    def test_blocked_bed_refuses_occupation(self) -> None:
        unit = given(bed_3_blocked)

        then_refused(unit, lambda: unit.occupy("3", FLOW, by=NURSE, at=NOW), IllegalTransitionError)

    def test_blocked_bed_refuses_a_second_block(self) -> None:
        unit = given(bed_3_blocked)

        then_refused(unit, lambda: unit.block("3", "x", by=NURSE, at=NOW), BedTakenError, "sperret")

    def test_unblocking_returns_the_bed_to_use(self) -> None:
        unit = given(bed_3_blocked)

        unit.unblock("3", by=NURSE, at=NOW)

        [event] = then_events(unit)
        assert kind(event) == "BedUnblocked"
        assert event.bed == "3"
        assert unit.beds["3"] == Bed(BedStatus.FREE.value)


class TestEveryUnitEvent:
    def test_every_event_carries_user_role_municipality_and_time(self) -> None:
        unit = CareUnit.register(
            UNIT, MUNICIPALITY, "KORT", "K", UnitKind.REHAB, ["1", "2", "3"], by=ADMIN, at=T0
        )
        steps: list[tuple[Actor, Callable[[Actor, datetime], None]]] = [
            (CASEWORKER, lambda by, at: unit.reserve("1", FLOW, by=by, at=at)),
            (NURSE, lambda by, at: unit.occupy("1", FLOW, by=by, at=at)),
            (NURSE, lambda by, at: unit.move(FLOW, "1", "2", by=by, at=at)),
            (ADMIN, lambda by, at: unit.block("3", "x", by=by, at=at)),
            (ADMIN, lambda by, at: unit.unblock("3", by=by, at=at)),
            (CASEWORKER, lambda by, at: unit.release("2", FLOW, by=by, at=at)),
        ]
        expected = [(ADMIN, T0)]
        for hour, (by, step) in enumerate(steps, start=1):
            step(by, T0 + timedelta(hours=hour))
            expected.append((by, T0 + timedelta(hours=hour)))

        events = then_events(unit)

        assert [(e.by, e.at) for e in events] == expected
        assert all(e.by.municipality_id == MUNICIPALITY for e in events)

    def test_replaying_the_recorded_events_gives_the_same_unit(self) -> None:
        unit = CareUnit.register(
            UNIT, MUNICIPALITY, "KORT", "K", UnitKind.REHAB, ["1", "2", "3"], by=ADMIN, at=T0
        )
        for hour, step in enumerate(
            (bed_1_reserved, bed_1_occupied, bed_2_reserved_for_other, bed_3_blocked), start=1
        ):
            step(unit, T0 + timedelta(hours=hour))

        replayed = project_aggregate(None, unit.collect_events())

        assert isinstance(replayed, CareUnit)
        assert UnitView.of(replayed) == UnitView.of(unit)
        assert UnitView.of(unit).beds == [
            BedView("1", "occupied", FLOW),
            BedView("2", "reserved", OTHER_FLOW),
            BedView("3", "blocked", None),
        ]


class TestMunicipality:
    def test_unit_id_follows_from_municipality_and_code(self) -> None:
        municipality = Municipality.register("9998", "Testkommune", by=ADMIN, at=T0)

        new_id = municipality.add_unit("KORT", by=ADMIN, at=NOW)

        assert municipality.id == MUNICIPALITY
        assert new_id == UNIT
        assert municipality.unit_ids == [UNIT]
        assert [type(e).__name__ for e in municipality.collect_events()] == [
            "Registered",
            "UnitAdded",
        ]

    def test_second_unit_with_the_same_code_is_refused(self) -> None:
        municipality = Municipality.register("9998", "Testkommune", by=ADMIN, at=T0)
        municipality.add_unit("KORT", by=ADMIN, at=NOW)
        municipality.collect_events()

        with pytest.raises(DuplicateError, match="«KORT»"):
            municipality.add_unit("KORT", by=ADMIN, at=NOW)

        assert municipality.collect_events() == []
