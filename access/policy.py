"""Who may see and change which patient: need to know (tjenstlig behov), as pure functions.

The allocation office sees every flow of its municipality. A nurse or a home-care user sees
a flow only while it has a care relation to one of the user's units or zones: reserved to,
placed in or coming home to it, discharged from it less than 72 hours ago, or holding an
open task owned or received by it. Seeing is not commanding: she commands only a flow tied
to her place now (`commands_here`). Leaders see figures, admins configuration: no patient.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from access.accounts import Role, User
from flow.vocabulary import Command

#: How long a unit stays related to a patient who left it.
AFTER_LEAVING = timedelta(hours=72)


@dataclass(frozen=True)
class Viewer:
    """A user, or a display device, as the policy sees it."""

    role: str
    municipality_id: UUID
    unit_ids: frozenset[UUID]


@dataclass(frozen=True)
class CareRelations:
    """What ties a flow to units and zones now, read from the flow and its open tasks."""

    municipality_id: UUID
    present: frozenset[UUID]  # reserved to, placed in, coming home to
    left_unit: UUID | None
    left_unit_at: datetime | None
    open_task_units: frozenset[UUID]  # owners and receivers of open loops

    def units(self, now: datetime) -> frozenset[UUID]:
        """The units and zones related to the flow at `now`."""
        recently_left = (
            self.left_unit is not None
            and self.left_unit_at is not None
            and now - self.left_unit_at < AFTER_LEAVING
        )
        left = {self.left_unit} if recently_left and self.left_unit else set()
        return self.present | self.open_task_units | left


class Fields(StrEnum):
    """How much of a patient a viewer may be shown."""

    NONE = "none"
    INITIALS = "initials"  # initials and bed: display devices
    FULL = "full"


#: The flow commands each role may give, to the flows it may see.
COMMANDS: dict[str, Collection[Command]] = {
    Role.ALLOCATION: set(Command),
    Role.NURSE: {
        Command.ARRIVE,
        Command.MOVE,
        Command.PLAN_DISCHARGE,
        Command.DISCHARGE,
        Command.RAISE_FLAG,
        Command.CLEAR_FLAG,
        Command.CORRECT,
    },
    Role.HOMECARE: {Command.START_HOME_CARE, Command.RAISE_FLAG, Command.CLEAR_FLAG},
}

DISPLAY = "display"


def viewer_of(user: User) -> Viewer:
    return Viewer(user.role, user.municipality_id, frozenset(user.unit_ids))


def fields(viewer: Viewer, relations: CareRelations, now: datetime) -> Fields:
    """How much of the flow's patient the viewer may see."""
    if viewer.municipality_id != relations.municipality_id:
        return Fields.NONE
    if viewer.role == Role.ALLOCATION:
        return Fields.FULL
    related = bool(viewer.unit_ids & relations.units(now))
    if viewer.role in (Role.NURSE, Role.HOMECARE) and related:
        return Fields.FULL
    if viewer.role == DISPLAY and related:
        return Fields.INITIALS
    return Fields.NONE


def may_see(viewer: Viewer, relations: CareRelations, now: datetime) -> bool:
    """May the viewer see who the patient is?"""
    return fields(viewer, relations, now) == Fields.FULL


def may_command(viewer: Viewer, command: Command, relations: CareRelations, now: datetime) -> bool:
    """May the viewer give the command? Her role must give it, to a flow she may see and
    that is hers to command (`commands_here`). A nurse corrects her own command on a flow she
    still sees, as one she discharged by mistake (the flow decides whose and how late:
    `flow/corrections.py`)."""
    return (
        may_see(viewer, relations, now)
        and role_gives(viewer.role, command)
        and (commands_here(viewer, relations) or command == Command.CORRECT)
    )


def role_gives(role: str, command: Command) -> bool:
    return command in COMMANDS.get(role, ())


def commands_here(viewer: Viewer, relations: CareRelations) -> bool:
    """Seeing is not commanding: a nurse or a home-care user commands a flow only while it
    is tied to her place now (reserved to or placed in her unit, coming home to or cared
    for at home by her zone). The 72 hours after it left her and an open task of hers let
    her see it, not command it; her own tasks she works by the task's rule (owner or
    receiver). The allocation office commands every flow it sees."""
    if viewer.role == Role.ALLOCATION:
        return True
    return bool(viewer.unit_ids & relations.present)


def has_tasks(viewer: Viewer) -> bool:
    """The office, units and zones own and receive tasks; leaders and admins none."""
    return viewer.role in (Role.ALLOCATION, Role.NURSE, Role.HOMECARE)


def may_open_flows(viewer: Viewer) -> bool:
    return viewer.role == Role.ALLOCATION


#: The only API path a hospital's integration user may call.
HOSPITAL_MESSAGES_PATH = "/api/v1/hospital-messages"


def may_call(role: str, path: str) -> bool:
    """A hospital's integration user posts hospital messages and calls nothing else; who
    else may send them is the route's own rule."""
    return role != Role.INTEGRATION or path == HOSPITAL_MESSAGES_PATH


def may_send_hospital_messages(role: str) -> bool:
    return role == Role.INTEGRATION


def may_see_board(viewer: Viewer, unit_id: UUID | None) -> bool:
    """The allocation board (`unit_id` None) is the office's; a unit's or a zone's board is
    also its members'. Leaders and admins see no board of patients."""
    if viewer.role == Role.ALLOCATION:
        return True
    if unit_id is None:
        return False
    return viewer.role in (Role.NURSE, Role.HOMECARE, DISPLAY) and unit_id in viewer.unit_ids
