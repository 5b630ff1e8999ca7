"""What a patient flow answers without recording anything: which commands its state allows
and the refusal of the others, the facts its rules read, and who the parties of its closed
loops are. `PatientFlow` holds the state and records the events."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from flow.checklists import Condition, PartyRole
from flow.closed_loops import ALLOCATION_OFFICE, Party
from flow.errors import FlowClosedError, IllegalTransitionError
from flow.flow_rules import RULES, allowed_commands, refusal
from flow.flow_values import BedRef, Decision, DischargePlan
from flow.vocabulary import HOSPITAL_PHASES, Command, Destination, Phase


class FlowGuards:
    """The flow's answers, read from the state `PatientFlow` keeps."""

    if TYPE_CHECKING:
        # Assigned by the flow's events; a class annotation at run time would make it a
        # field of an event.
        phase: str
        admitted_at: datetime | None
        decision: Decision | None
        reservation: BedRef | None
        stay: BedRef | None
        discharge_plan: DischargePlan | None
        discharged_to: str | None
        home_care_zone: UUID | None
        safety_flags: dict[str, datetime]

    # -- guards -----------------------------------------------------------------

    def allowed_commands(self) -> list[Command]:
        return allowed_commands(self)

    def _check_open(self) -> None:
        if self.phase == Phase.CLOSED:
            raise FlowClosedError("flow_closed")

    def _check(self, command: Command) -> None:
        """Refused, the sentence says what state the flow is in and what it allows; where
        the way out of hospital is the question, a code of its own says what to do first."""
        self._check_open()
        if not RULES[command](self):
            raise refusal(self, command)

    def _check_reservation(self, unit_id: UUID) -> None:
        """A bed is reserved on the unit the decision names."""
        self._check(Command.RESERVE_BED)
        assert self.decision is not None
        if self.decision.unit_id != unit_id:
            raise IllegalTransitionError(
                "decision_for_other_unit",
                unit_id=str(unit_id),
                decided_unit_id=str(self.decision.unit_id) if self.decision.unit_id else None,
            )

    def _check_move(self, bed: str) -> None:
        self._check(Command.MOVE)
        assert self.stay is not None
        if bed == self.stay.bed:
            raise IllegalTransitionError("already_in_bed", bed=bed)

    def _check_flag(self, command: Command, flag: str) -> None:
        """A flag is raised once, and cleared only if raised."""
        self._check(command)
        raised = flag in self.safety_flags
        if command == Command.RAISE_FLAG and raised:
            raise IllegalTransitionError("flag_already_raised", flag=flag)
        if command == Command.CLEAR_FLAG and not raised:
            raise IllegalTransitionError("flag_not_raised", flag=flag)

    # -- what the closed loops need to know ----------------------------------------------

    def _party(self, role: PartyRole) -> Party | None:
        if role == PartyRole.ALLOCATION:
            return ALLOCATION_OFFICE
        if role == PartyRole.UNIT:
            held = self.held_bed
            return Party(held.unit_id) if held else None
        zone = self.discharge_plan.zone_id if self.discharge_plan else self.home_care_zone
        return Party(zone) if zone else None

    def _planned_date(self) -> date | None:
        return self.discharge_plan.on if self.discharge_plan else None

    def _applies(self, condition: Condition | None) -> bool:
        in_hospital = self.phase in HOSPITAL_PHASES
        plan = self.discharge_plan
        going_home = plan is not None and plan.destination == Destination.HOME
        if condition == Condition.FROM_HOSPITAL:
            return in_hospital
        if condition == Condition.DESTINATION_HOME:
            return going_home
        if condition == Condition.FROM_HOSPITAL_HOME:
            return in_hospital and going_home
        return True

    # -- reading -------------------------------------------------------------------------

    @property
    def decision_service(self) -> str | None:
        """The service decided, if any: all the rules read of the decision."""
        return self.decision.service if self.decision is not None else None

    @property
    def held_bed(self) -> BedRef | None:
        """The bed this flow holds in a unit, reserved or occupied."""
        return self.stay or self.reservation
