"""The application service: the flows' use cases, over one event store.

A command on a flow is one use case, `run`: load, call the aggregate's method, save. Rules
that span aggregates live there too: the places a decision or a plan names must be the
municipality's, and a unit's bed follows the flow's (reserved, taken, changed or given up),
saved with the flow in one transaction. Those of municipalities, their places and
checklists are in `flow/places.py`, and how aggregates are kept in `flow/store.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import NotRequired, TypedDict, Unpack
from uuid import UUID

from flow.actor import Actor
from flow.care_unit import CareUnit
from flow.checklist_file import FLOW_EVENTS
from flow.errors import ConcurrentChangeError, IllegalTransitionError, StaleVersionError
from flow.flow_values import BedRef, Decision, DischargePlan
from flow.patient_flow import PatientFlow
from flow.places import Places
from flow.views import FlowView, HistoryEntry
from flow.vocabulary import (
    BedStatus,
    ClosingReason,
    Command,
    Destination,
    Phase,
    SafetyFlag,
    ServiceKind,
    Source,
    UnitKind,
    WaitReason,
)

#: How often a command is given when others keep writing what it saves (`Pasientflyt.run`).
SAVE_ATTEMPTS = 3


class Pasientflyt(Places):
    name = "Pasientflyt"

    # -- reading flows ------------------------------------------------------------------

    def flow(self, flow_id: UUID, by: Actor) -> FlowView:
        return FlowView.of(self._flow(flow_id, by))

    def history(self, flow_id: UUID, by: Actor) -> list[HistoryEntry]:
        self._flow(flow_id, by)
        return [HistoryEntry.of(e) for e in self.events.get(flow_id)]

    # -- flow commands ------------------------------------------------------------------

    def open_flow(
        self,
        national_id: str,
        name: str,
        source: Source,
        location: str,
        need: str,
        *,
        by: Actor,
        at: datetime,
        flow_id: UUID | None = None,
    ) -> UUID:
        flow = PatientFlow.open(
            by.municipality_id,
            national_id,
            name,
            source,
            location,
            need,
            by=by,
            at=at,
            flow_id=flow_id,
        )
        self._save_flow(flow, by=by, at=at)
        return flow.id

    def run(
        self,
        flow_id: UUID,
        change: Change,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
        place: UUID | None = None,
    ) -> int:
        """A command on a flow: load it (at `expected_version`, if given), give it the
        command, let the places it names agree, and save the flow, its loops and any unit
        whose bed changed with it in one transaction. Returns the flow's new version.

        `place` is a unit or zone the command names (a bed's unit): one not of the actor's
        municipality does not exist for it (404), whatever the flow would answer.

        Another write between the load and the save (the same flow, or another bed of the
        same unit) makes the save fail; the command is then given again to what is stored
        now, and its own checks decide: refused only if what it needs no longer holds (the
        bed taken, the flow moved on, the version the caller expected gone)."""
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            flow = self._flow(flow_id, by, expected_version)
            if place is not None:
                self._place(place, by)
            before = _Holding.of(flow)
            change(flow, by, at)
            units = self._places_agree(flow, before, by, at)
            try:
                self._save_flow(flow, *units, by=by, at=at)
            except ConcurrentChangeError:
                if attempt == SAVE_ATTEMPTS:
                    raise
                continue
            break
        return flow.version

    # The commands by name, for callers in Python (the demo, the simulation, hospital
    # messages, tests); the web layer runs its declared commands (`boards/web/commands.py`).

    def notify_admission(
        self, flow_id: UUID, hospital: str, admitted_at: datetime, **given: Unpack[Given]
    ) -> int:
        return self.run(
            flow_id,
            lambda f, by, at: f.notify_admission(hospital, admitted_at, by=by, at=at),
            **given,
        )

    def notify_ready_for_discharge(
        self, flow_id: UUID, ready_at: datetime, estimate: bool, **given: Unpack[Given]
    ) -> int:
        return self.run(
            flow_id,
            lambda f, by, at: f.notify_ready_for_discharge(ready_at, estimate, by=by, at=at),
            **given,
        )

    def withdraw_ready_for_discharge(
        self, flow_id: UUID, reason: str, **given: Unpack[Given]
    ) -> int:
        return self.run(
            flow_id, lambda f, by, at: f.withdraw_ready_for_discharge(reason, by=by, at=at), **given
        )

    def answer_hospital(
        self,
        flow_id: UUID,
        can_receive: bool,
        note: str,
        offer_from: date | None = None,
        expected_on: date | None = None,
        **given: Unpack[Given],
    ) -> int:
        days = {"offer_from": offer_from, "expected_on": expected_on}
        return self.run(
            flow_id,
            lambda f, by, at: f.answer_hospital(can_receive, note, **days, by=by, at=at),
            **given,
        )

    def record_wait_reason(
        self, flow_id: UUID, reason: WaitReason, note: str, **given: Unpack[Given]
    ) -> int:
        return self.run(
            flow_id, lambda f, by, at: f.record_wait_reason(reason, note, by=by, at=at), **given
        )

    def decide_service(self, flow_id: UUID, decision: Decision, **given: Unpack[Given]) -> int:
        return self.run(
            flow_id, lambda f, by, at: f.decide_service(decision, by=by, at=at), **given
        )

    def reserve_bed(self, flow_id: UUID, unit_id: UUID, bed: str, **given: Unpack[Given]) -> int:
        return self.run(
            flow_id,
            lambda f, by, at: f.reserve_bed(unit_id, bed, by=by, at=at),
            place=unit_id,
            **given,
        )

    def cancel_reservation(self, flow_id: UUID, reason: str, **given: Unpack[Given]) -> int:
        return self.run(
            flow_id, lambda f, by, at: f.cancel_reservation(reason, by=by, at=at), **given
        )

    def arrive(self, flow_id: UUID, **given: Unpack[Given]) -> int:
        return self.run(flow_id, lambda f, by, at: f.arrive(by=by, at=at), **given)

    def move(self, flow_id: UUID, bed: str, **given: Unpack[Given]) -> int:
        return self.run(flow_id, lambda f, by, at: f.move(bed, by=by, at=at), **given)

    def plan_discharge(self, flow_id: UUID, plan: DischargePlan, **given: Unpack[Given]) -> int:
        return self.run(flow_id, lambda f, by, at: f.plan_discharge(plan, by=by, at=at), **given)

    def discharge(self, flow_id: UUID, **given: Unpack[Given]) -> int:
        return self.run(flow_id, lambda f, by, at: f.discharge(by=by, at=at), **given)

    def start_home_care(self, flow_id: UUID, **given: Unpack[Given]) -> int:
        return self.run(flow_id, lambda f, by, at: f.start_home_care(by=by, at=at), **given)

    def readmit(self, flow_id: UUID, hospital: str, **given: Unpack[Given]) -> int:
        return self.run(flow_id, lambda f, by, at: f.readmit(hospital, by=by, at=at), **given)

    def raise_safety_flag(self, flow_id: UUID, flag: SafetyFlag, **given: Unpack[Given]) -> int:
        return self.run(flow_id, lambda f, by, at: f.raise_safety_flag(flag, by=by, at=at), **given)

    def clear_safety_flag(self, flow_id: UUID, flag: SafetyFlag, **given: Unpack[Given]) -> int:
        return self.run(flow_id, lambda f, by, at: f.clear_safety_flag(flag, by=by, at=at), **given)

    def close_flow(
        self, flow_id: UUID, reason: ClosingReason, note: str, **given: Unpack[Given]
    ) -> int:
        return self.run(flow_id, lambda f, by, at: f.close(reason, note, by=by, at=at), **given)

    def correct(
        self, flow_id: UUID, command: Command, reason: str = "", **given: Unpack[Given]
    ) -> int:
        return self.run(
            flow_id, lambda f, by, at: f.correct(command, reason, by=by, at=at), **given
        )

    def erase_identity(self, flow_id: UUID, reason: str, *, by: Actor, at: datetime) -> None:
        """Crypto-shredding: the erasure is recorded (who, when, why), then the flow's key is
        deleted, after which its identity and free text read as erased everywhere. The
        flow leaves this process's cache too (another process's copy of it reads as erased
        the next time it is used, brought forward by the erasure)."""
        flow = self._flow(flow_id, by)
        flow.erase_identity(reason, by=by, at=at)
        self._save(flow)
        self.keys.erase(flow_id)
        if self.repository.cache is not None:
            with suppress(KeyError):
                self.repository.cache.get(flow_id, evict=True)

    # -- closed loops -------------------------------------------------------------------

    def complete_task(
        self,
        flow_id: UUID,
        task_id: UUID,
        note: str,
        *,
        member_of: Collection[UUID],
        **given: Unpack[Given],
    ) -> int:
        return self.run(
            flow_id,
            lambda f, by, at: f.complete_task(task_id, note, by=by, member_of=member_of, at=at),
            **given,
        )

    def acknowledge_task(
        self, flow_id: UUID, task_id: UUID, *, member_of: Collection[UUID], **given: Unpack[Given]
    ) -> int:
        return self.run(
            flow_id,
            lambda f, by, at: f.acknowledge_task(task_id, by=by, member_of=member_of, at=at),
            **given,
        )

    def reject_task(
        self,
        flow_id: UUID,
        task_id: UUID,
        reason: str,
        *,
        member_of: Collection[UUID],
        **given: Unpack[Given],
    ) -> int:
        return self.run(
            flow_id,
            lambda f, by, at: f.reject_task(task_id, reason, by=by, member_of=member_of, at=at),
            **given,
        )

    def mark_overdue(self, flow_id: UUID, *, at: datetime) -> int:
        """Record `TaskOverdue` for each loop past its due time; 0 if another process did.

        Two deadline runners may try the same flow at once: the event store's version
        check lets one win, and the other finds nothing left to mark when it reloads.
        """
        for _ in range(3):
            flow = self._load(flow_id, PatientFlow)
            due = flow.overdue_candidates(at) if flow.phase != Phase.CLOSED else []
            by = Actor("fristvakt", "system", flow.municipality_id)
            for task_id in due:
                flow.mark_overdue(task_id, by=by, at=at)
            try:
                self._save(flow)
            except ConcurrentChangeError:
                continue
            return len(due)
        return 0

    # -- helpers ------------------------------------------------------------------------

    def _places_agree(
        self, flow: PatientFlow, before: _Holding, by: Actor, at: datetime
    ) -> list[CareUnit]:
        """The places a decision or a plan just recorded names must be the actor's, and a
        unit's bed follows the flow's. Returns the unit that changed with the flow, if any."""
        recorded = {type(e).__name__ for e in flow.pending_events}
        if "ServiceDecided" in recorded and flow.decision is not None:
            self._check_decision(flow.decision, by)
        plan = flow.discharge_plan
        if "DischargePlanned" in recorded and plan and plan.destination == Destination.HOME:
            self._check_zone(plan.zone_id, by)
        return self._bed_follows(flow, before, by, at)

    def _bed_follows(
        self, flow: PatientFlow, before: _Holding, by: Actor, at: datetime
    ) -> list[CareUnit]:
        """The unit's bed is reserved, taken, changed or given up with the flow's, so two
        flows racing for one bed cannot both win (their unit's version decides)."""
        held, holds, occupied = before.bed, flow.held_bed, flow.stay is not None
        place = holds or held
        if place is None or (held == holds and before.occupied == occupied):
            return []
        unit = self._unit(place.unit_id, by)
        match held, holds:
            case None, BedRef(bed=bed) if occupied:  # a discharge corrected
                unit.restore(bed, flow.id, BedStatus.OCCUPIED, by=by, at=at)
            case None, BedRef(bed=bed):
                unit.reserve(bed, flow.id, by=by, at=at)
            case BedRef(bed=bed), None:
                unit.release(bed, flow.id, by=by, at=at)
            case BedRef(), BedRef(bed=bed) if not before.occupied:
                unit.occupy(bed, flow.id, by=by, at=at)
            case BedRef(bed=old), BedRef(bed=new) if old != new:
                unit.move(flow.id, old, new, by=by, at=at)
            case BedRef(bed=bed), BedRef():  # an arrival corrected: reserved again
                unit.restore(bed, flow.id, BedStatus.RESERVED, by=by, at=at)
        return [unit]

    def _check_decision(self, decision: Decision, by: Actor) -> None:
        """The places a decision names must be the actor's: a short-term unit, a zone."""
        if decision.unit_id is not None or decision.service == ServiceKind.SHORT_TERM_STAY:
            unit = self._place(decision.unit_id, by)
            if unit.kind == UnitKind.HOME_CARE_ZONE:
                raise IllegalTransitionError("zone_is_not_a_unit", unit=unit.name)
        if decision.zone_id is not None or decision.service == ServiceKind.HOME_CARE:
            self._check_zone(decision.zone_id, by)

    def _flow(self, flow_id: UUID, by: Actor, expected_version: int | None = None) -> PatientFlow:
        flow = self._load(flow_id, PatientFlow, by)
        if expected_version is not None and expected_version != flow.version:
            raise StaleVersionError(
                "stale_version", version=flow.version, expected_version=expected_version
            )
        return flow

    def _save_flow(self, flow: PatientFlow, *units: CareUnit, by: Actor, at: datetime) -> None:
        """Close and open loops for the events just recorded, then save it all at once. The
        checklists in force are read only if one of the events may be a template's trigger
        (a task done, acknowledged or overdue is none: four commands in ten)."""
        names = [type(e).__name__ for e in flow.pending_events]
        if not FLOW_EVENTS.isdisjoint(names):
            _, checklists = self.checklists_in_force(by.municipality_id)
            for name in names:
                flow.complete_tasks_done_by(name, by=by, at=at)
                flow.open_checklists(name, checklists.for_trigger(name), by=by, at=at)
        self._save(flow, *units)


class Given(TypedDict):
    """Who gives a command, when, and (optionally) on which version of the flow."""

    by: Actor
    at: datetime
    expected_version: NotRequired[int | None]


#: A command given to a flow: the aggregate's method, called with the actor and the time.
Change = Callable[[PatientFlow, Actor, datetime], None]


@dataclass(frozen=True)
class _Holding:
    """The bed a flow holds before a command, and whether the patient is in it."""

    bed: BedRef | None
    occupied: bool

    @classmethod
    def of(cls, flow: PatientFlow) -> _Holding:
        return cls(flow.held_bed, flow.stay is not None)
