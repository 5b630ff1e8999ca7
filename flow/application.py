"""The application service: one short method per use case, over one event store.

Here are the flows' use cases; those of municipalities, their places and checklists are in
`flow/places.py`, and how aggregates are kept in `flow/store.py`. Rules that span two
aggregates live here: a bed is reserved, taken, changed or given up by saving the flow and
its unit in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import suppress
from datetime import datetime
from uuid import UUID

from flow.actor import Actor
from flow.care_unit import CareUnit
from flow.errors import ConcurrentChangeError, IllegalTransitionError, StaleVersionError
from flow.patient_flow import Decision, DischargePlan, PatientFlow
from flow.places import Places
from flow.views import FlowView, HistoryEntry
from flow.vocabulary import (
    ClosingReason,
    Destination,
    Phase,
    SafetyFlag,
    ServiceKind,
    Source,
    UnitKind,
    WaitReason,
)


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

    def notify_admission(
        self,
        flow_id: UUID,
        hospital: str,
        admitted_at: datetime,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id,
            by,
            expected_version,
            lambda f: f.notify_admission(hospital, admitted_at, by=by, at=at),
            at=at,
        )

    def notify_ready_for_discharge(
        self,
        flow_id: UUID,
        ready_at: datetime,
        estimate: bool,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id,
            by,
            expected_version,
            lambda f: f.notify_ready_for_discharge(ready_at, estimate, by=by, at=at),
            at=at,
        )

    def withdraw_ready_for_discharge(
        self,
        flow_id: UUID,
        reason: str,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id,
            by,
            expected_version,
            lambda f: f.withdraw_ready_for_discharge(reason, by=by, at=at),
            at=at,
        )

    def answer_hospital(
        self,
        flow_id: UUID,
        can_receive: bool,
        note: str,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id,
            by,
            expected_version,
            lambda f: f.answer_hospital(can_receive, note, by=by, at=at),
            at=at,
        )

    def record_wait_reason(
        self,
        flow_id: UUID,
        reason: WaitReason,
        note: str,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id,
            by,
            expected_version,
            lambda f: f.record_wait_reason(reason, note, by=by, at=at),
            at=at,
        )

    def decide_service(
        self,
        flow_id: UUID,
        decision: Decision,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        def decide(flow: PatientFlow) -> None:
            flow.decide_service(decision, by=by, at=at)
            self._check_decision(decision, by)

        return self._update(flow_id, by, expected_version, decide, at=at)

    def reserve_bed(
        self,
        flow_id: UUID,
        unit_id: UUID,
        bed: str,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        flow = self._flow(flow_id, by, expected_version)
        unit = self._unit(unit_id, by)
        flow.reserve_bed(unit.id, bed, by=by, at=at)
        unit.reserve(bed, flow.id, by=by, at=at)
        self._save_flow(flow, unit, by=by, at=at)
        return flow.version

    def cancel_reservation(
        self,
        flow_id: UUID,
        reason: str,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update_giving_up_bed(
            flow_id, by, at, expected_version, lambda f: f.cancel_reservation(reason, by=by, at=at)
        )

    def arrive(
        self, flow_id: UUID, *, by: Actor, at: datetime, expected_version: int | None = None
    ) -> int:
        flow = self._flow(flow_id, by, expected_version)
        held = flow.reservation
        flow.arrive(by=by, at=at)
        assert held is not None
        unit = self._unit(held.unit_id, by)
        unit.occupy(held.bed, flow.id, by=by, at=at)
        self._save_flow(flow, unit, by=by, at=at)
        return flow.version

    def move(
        self,
        flow_id: UUID,
        bed: str,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        flow = self._flow(flow_id, by, expected_version)
        before = flow.stay
        flow.move(bed, by=by, at=at)
        assert before is not None
        unit = self._unit(before.unit_id, by)
        unit.move(flow.id, before.bed, bed, by=by, at=at)
        self._save_flow(flow, unit, by=by, at=at)
        return flow.version

    def plan_discharge(
        self,
        flow_id: UUID,
        plan: DischargePlan,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        def plan_it(flow: PatientFlow) -> None:
            flow.plan_discharge(plan, by=by, at=at)
            if plan.destination == Destination.HOME:
                self._check_zone(plan.zone_id, by)

        return self._update(flow_id, by, expected_version, plan_it, at=at)

    def discharge(
        self, flow_id: UUID, *, by: Actor, at: datetime, expected_version: int | None = None
    ) -> int:
        return self._update_giving_up_bed(
            flow_id, by, at, expected_version, lambda f: f.discharge(by=by, at=at)
        )

    def start_home_care(
        self, flow_id: UUID, *, by: Actor, at: datetime, expected_version: int | None = None
    ) -> int:
        return self._update(
            flow_id, by, expected_version, lambda f: f.start_home_care(by=by, at=at), at=at
        )

    def readmit(
        self,
        flow_id: UUID,
        hospital: str,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update_giving_up_bed(
            flow_id, by, at, expected_version, lambda f: f.readmit(hospital, by=by, at=at)
        )

    def raise_safety_flag(
        self,
        flow_id: UUID,
        flag: SafetyFlag,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id, by, expected_version, lambda f: f.raise_safety_flag(flag, by=by, at=at), at=at
        )

    def clear_safety_flag(
        self,
        flow_id: UUID,
        flag: SafetyFlag,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id, by, expected_version, lambda f: f.clear_safety_flag(flag, by=by, at=at), at=at
        )

    def close_flow(
        self,
        flow_id: UUID,
        reason: ClosingReason,
        note: str,
        *,
        by: Actor,
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update_giving_up_bed(
            flow_id, by, at, expected_version, lambda f: f.close(reason, note, by=by, at=at)
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
        by: Actor,
        member_of: Collection[UUID],
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id,
            by,
            expected_version,
            lambda f: f.complete_task(task_id, note, by=by, member_of=member_of, at=at),
            at=at,
        )

    def acknowledge_task(
        self,
        flow_id: UUID,
        task_id: UUID,
        *,
        by: Actor,
        member_of: Collection[UUID],
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id,
            by,
            expected_version,
            lambda f: f.acknowledge_task(task_id, by=by, member_of=member_of, at=at),
            at=at,
        )

    def reject_task(
        self,
        flow_id: UUID,
        task_id: UUID,
        reason: str,
        *,
        by: Actor,
        member_of: Collection[UUID],
        at: datetime,
        expected_version: int | None = None,
    ) -> int:
        return self._update(
            flow_id,
            by,
            expected_version,
            lambda f: f.reject_task(task_id, reason, by=by, member_of=member_of, at=at),
            at=at,
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

    def _update(
        self,
        flow_id: UUID,
        by: Actor,
        expected_version: int | None,
        change: Callable[[PatientFlow], None],
        *,
        at: datetime,
    ) -> int:
        flow = self._flow(flow_id, by, expected_version)
        change(flow)
        self._save_flow(flow, by=by, at=at)
        return flow.version

    def _update_giving_up_bed(
        self,
        flow_id: UUID,
        by: Actor,
        at: datetime,
        expected_version: int | None,
        change: Callable[[PatientFlow], None],
    ) -> int:
        """Change the flow and free the bed it held, in one transaction."""
        flow = self._flow(flow_id, by, expected_version)
        held = flow.held_bed
        change(flow)
        if held is None:
            self._save_flow(flow, by=by, at=at)
        else:
            unit = self._unit(held.unit_id, by)
            unit.release(held.bed, flow.id, by=by, at=at)
            self._save_flow(flow, unit, by=by, at=at)
        return flow.version

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
        """Close and open loops for the events just recorded, then save it all at once."""
        _, checklists = self.checklists_in_force(by.municipality_id)
        for name in [type(e).__name__ for e in flow.pending_events]:
            flow.complete_tasks_done_by(name, by=by, at=at)
            flow.open_checklists(name, checklists.for_trigger(name), by=by, at=at)
        self._save(flow, *units)
