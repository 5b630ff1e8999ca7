"""The access policy, role by role and relation by relation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from access.accounts import Role
from access.policy import (
    AFTER_LEAVING,
    DISPLAY,
    HOSPITAL_MESSAGES_PATH,
    CareRelations,
    Fields,
    Viewer,
    commands_here,
    fields,
    may_call,
    may_command,
    may_open_flows,
    may_see,
    may_see_board,
    may_send_hospital_messages,
)
from flow.vocabulary import Command

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOME, OTHER = uuid4(), uuid4()  # municipalities
UNIT, ZONE, ELSEWHERE = uuid4(), uuid4(), uuid4()


def relations(
    present: frozenset[UUID] | set[UUID] = frozenset(),
    left: tuple[UUID, datetime] | None = None,
    tasks: frozenset[UUID] | set[UUID] = frozenset(),
    municipality: UUID = HOME,
) -> CareRelations:
    return CareRelations(
        municipality_id=municipality,
        present=frozenset(present),
        left_unit=left[0] if left else None,
        left_unit_at=left[1] if left else None,
        open_task_units=frozenset(tasks),
    )


def viewer(role: str, *units: UUID, municipality: UUID = HOME) -> Viewer:
    return Viewer(role, municipality, frozenset(units))


NURSE = viewer(Role.NURSE, UNIT)
HOMECARE = viewer(Role.HOMECARE, ZONE)


class TestAllocationOffice:
    def test_sees_every_flow_of_its_municipality_and_none_of_another(self) -> None:
        office = viewer(Role.ALLOCATION)
        assert may_see(office, relations(), NOW)
        assert not may_see(office, relations(municipality=OTHER), NOW)

    def test_may_give_every_command_and_open_flows(self) -> None:
        office = viewer(Role.ALLOCATION)
        assert all(may_command(office, c, relations(), NOW) for c in Command)
        assert commands_here(office, relations(left=(UNIT, NOW)))
        assert may_open_flows(office)


class TestNurse:
    @pytest.mark.parametrize(
        "related",
        [
            relations(present={UNIT}),  # reserved to or placed in the unit
            relations(tasks={UNIT}),  # an open task owned or received by it
            relations(left=(UNIT, NOW - AFTER_LEAVING + timedelta(seconds=1))),
        ],
        ids=["present", "open task", "left 72 h less a second ago"],
    )
    def test_sees_a_flow_related_to_the_own_unit(self, related: CareRelations) -> None:
        assert may_see(NURSE, related, NOW)

    @pytest.mark.parametrize(
        "unrelated",
        [
            relations(),
            relations(present={ELSEWHERE}, tasks={ELSEWHERE}),
            relations(left=(UNIT, NOW - AFTER_LEAVING)),  # exactly 72 hours: no longer
            relations(left=(ELSEWHERE, NOW)),
            relations(present={UNIT}, municipality=OTHER),
        ],
        ids=["none", "other unit", "left exactly 72 h ago", "left another unit", "other tenant"],
    )
    def test_sees_no_flow_without_a_relation(self, unrelated: CareRelations) -> None:
        assert not may_see(NURSE, unrelated, NOW)
        assert fields(NURSE, unrelated, NOW) == Fields.NONE

    def test_commands_of_the_ward_only(self) -> None:
        related = relations(present={UNIT})
        assert may_command(NURSE, Command.ARRIVE, related, NOW)
        assert may_command(NURSE, Command.PLAN_DISCHARGE, related, NOW)
        assert not may_command(NURSE, Command.DECIDE, related, NOW)
        assert not may_command(NURSE, Command.CLOSE, related, NOW)
        assert not may_command(NURSE, Command.ARRIVE, relations(), NOW)
        assert not may_open_flows(NURSE)

    @pytest.mark.parametrize(
        "seen_only",
        [
            relations(left=(UNIT, NOW - timedelta(hours=1)), present={ELSEWHERE}),
            relations(left=(UNIT, NOW - AFTER_LEAVING + timedelta(seconds=1))),
            relations(tasks={UNIT}, present={ELSEWHERE}),
        ],
        ids=["moved on an hour ago", "left 72 h less a second ago", "an open task only"],
    )
    def test_sees_but_does_not_command_a_flow_that_is_not_tied_to_the_unit_now(
        self, seen_only: CareRelations
    ) -> None:
        assert may_see(NURSE, seen_only, NOW)
        assert not commands_here(NURSE, seen_only)
        ordinary = [c for c in Command if c != Command.CORRECT]
        assert not any(may_command(NURSE, c, seen_only, NOW) for c in ordinary)
        # Her own command she corrects on a flow she sees (a discharge by mistake); the
        # flow decides whether it was hers and recent (`flow/corrections.py`).
        assert may_command(NURSE, Command.CORRECT, seen_only, NOW)

    def test_commands_while_the_patient_is_tied_to_the_unit_even_after_leaving_it_once(
        self,
    ) -> None:
        back = relations(present={UNIT}, left=(UNIT, NOW - timedelta(hours=1)))
        assert may_command(NURSE, Command.DISCHARGE, back, NOW)

    def test_boards_of_the_own_units_only(self) -> None:
        assert may_see_board(NURSE, UNIT)
        assert not may_see_board(NURSE, ELSEWHERE)
        assert not may_see_board(NURSE, None)


class TestHomeCare:
    def test_sees_a_patient_coming_home_to_the_own_zone(self) -> None:
        assert may_see(HOMECARE, relations(present={ZONE}), NOW)
        assert not may_see(HOMECARE, relations(present={UNIT}), NOW)

    def test_may_start_home_care_but_not_discharge(self) -> None:
        related = relations(present={ZONE})
        assert may_command(HOMECARE, Command.START_HOME_CARE, related, NOW)
        assert not may_command(HOMECARE, Command.DISCHARGE, related, NOW)

    def test_sees_but_does_not_command_a_patient_whose_only_tie_is_an_open_task(self) -> None:
        seen_only = relations(tasks={ZONE}, present={ELSEWHERE})
        assert may_see(HOMECARE, seen_only, NOW)
        assert not may_command(HOMECARE, Command.START_HOME_CARE, seen_only, NOW)


@pytest.mark.parametrize("role", [Role.LEADER, Role.ADMIN])
def test_leaders_and_admins_see_no_patient_and_no_board(role: Role) -> None:
    someone = viewer(role, UNIT, ZONE)
    everything = relations(present={UNIT, ZONE}, tasks={UNIT})
    assert not may_see(someone, everything, NOW)
    assert not any(may_command(someone, c, everything, NOW) for c in Command)
    assert not may_see_board(someone, None)
    assert not may_see_board(someone, UNIT)


def test_a_display_device_sees_initials_on_its_own_unit_only() -> None:
    device = viewer(DISPLAY, UNIT)
    assert fields(device, relations(present={UNIT}), NOW) == Fields.INITIALS
    assert not may_see(device, relations(present={UNIT}), NOW)
    assert fields(device, relations(present={ELSEWHERE}), NOW) == Fields.NONE
    assert may_see_board(device, UNIT)
    assert not may_see_board(device, None)


def test_a_hospitals_integration_user_sends_messages_and_sees_nothing() -> None:
    hospital = viewer(Role.INTEGRATION)
    everything = relations(present={UNIT, ZONE}, tasks={UNIT})
    assert may_send_hospital_messages(Role.INTEGRATION)
    assert may_call(Role.INTEGRATION, HOSPITAL_MESSAGES_PATH)
    assert not may_call(Role.INTEGRATION, "/api/v1/units")
    assert not may_see(hospital, everything, NOW)
    assert not any(may_command(hospital, c, everything, NOW) for c in Command)
    assert not may_see_board(hospital, None) and not may_see_board(hospital, UNIT)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.INTEGRATION])
def test_only_the_integration_role_sends_hospital_messages(role: Role) -> None:
    assert not may_send_hospital_messages(role)
    assert may_call(role, "/api/v1/units")
