"""The application service: one short method per use case, over one event store.

Rules that span two aggregates live here: a bed is reserved, taken, changed or
given up by saving the flow and its unit in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Recording

from flow import transcodings
from flow.actor import Actor
from flow.care_unit import Bed, CareUnit
from flow.checklist_file import parse
from flow.checklist_templates import ChecklistTemplates, checklist_templates_id
from flow.checklists import ChecklistCatalog
from flow.closed_loops import Party, Task, TaskState
from flow.errors import (
    ConcurrentChangeError,
    DuplicateError,
    IllegalTransitionError,
    NotFoundError,
    StaleVersionError,
)
from flow.municipality import Municipality
from flow.patient_flow import (
    BedRef,
    Decision,
    DischargePlan,
    HospitalAnswer,
    Patient,
    PatientFlow,
    ReadyNotice,
    WaitNote,
)
from flow.personal_data import KeyRing, PersonalDataMapper
from flow.views import ChecklistVersion, FlowView, HistoryEntry, UnitView
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

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Place:
    municipality_id: UUID
    name: str
    kind: str


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply stored events in order. (The library's default projector checks a protocol
    on every event, which on Python 3.11 costs more than applying the event.)"""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class Pasientflyt(Application[UUID]):
    name = "Pasientflyt"
    snapshotting_intervals = {CareUnit: 100}
    #: Aggregates kept in memory, most recently used (flows of a large municipality's
    #: patients on the move, units, municipalities); each use reads only newer events.
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000"}

    def __init__(
        self, env: dict[str, str], keys: KeyRing, checklists: ChecklistCatalog | None = None
    ) -> None:
        """`keys` keep each flow's key for its personal data; `checklists` are the templates
        in force where a municipality has written none of its own (without any, no task
        opens)."""
        self.keys = keys
        super().__init__(env)
        self.checklists = checklists or ChecklistCatalog([])
        self._own_checklists: dict[UUID, tuple[int, ChecklistCatalog]] = {}
        self._places: dict[UUID, Place] = {}
        self._municipality_names: dict[UUID, str] = {}
        #: Called after every commit of new events in this process (live boards wake on it).
        self.on_recorded: list[Callable[[], None]] = []

    def construct_mapper(self) -> Mapper[UUID]:
        return PersonalDataMapper(self.construct_transcoder(), self.keys)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        for listener in self.on_recorded:
            listener()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register(
            transcoder,
            Actor,
            Patient,
            ReadyNotice,
            HospitalAnswer,
            WaitNote,
            Decision,
            BedRef,
            DischargePlan,
            Bed,
            Party,
            Task,
            TaskState,
        )

    # -- municipalities, units and zones ---------------------------------------------

    def register_municipality(self, number: str, name: str, *, by: Actor, at: datetime) -> UUID:
        municipality = Municipality.register(number, name, by=by, at=at)
        self._save(municipality)
        return municipality.id

    def has_municipality(self, municipality_id: UUID) -> bool:
        return municipality_id in self.repository

    def municipality_name(self, municipality_id: UUID) -> str:
        """The name it was registered with, loaded once: a municipality keeps its name."""
        name = self._municipality_names.get(municipality_id)
        if name is None:
            name = self._load(municipality_id, Municipality).name
            self._municipality_names[municipality_id] = name
        return name

    def register_unit(
        self, code: str, name: str, kind: UnitKind, beds: list[str], *, by: Actor, at: datetime
    ) -> UUID:
        municipality = self._load(by.municipality_id, Municipality)
        new_id = municipality.add_unit(code, by=by, at=at)
        unit = CareUnit.register(new_id, municipality.id, code, name, kind, beds, by=by, at=at)
        self._save(municipality, unit)
        return unit.id

    def units(self, by: Actor, *, zones: bool = False) -> list[UnitView]:
        """The municipality's short-term units, or its home-care zones."""
        municipality = self._load(by.municipality_id, Municipality)
        units = [self._load(unit_id, CareUnit) for unit_id in municipality.unit_ids]
        return [UnitView.of(u) for u in units if u.is_zone == zones]

    def unit(self, unit_id: UUID, by: Actor) -> UnitView:
        return UnitView.of(self._unit(unit_id, by))

    def block_bed(self, unit_id: UUID, bed: str, reason: str, *, by: Actor, at: datetime) -> int:
        unit = self._unit(unit_id, by)
        unit.block(bed, reason, by=by, at=at)
        self._save(unit)
        return unit.version

    def unblock_bed(self, unit_id: UUID, bed: str, *, by: Actor, at: datetime) -> int:
        unit = self._unit(unit_id, by)
        unit.unblock(bed, by=by, at=at)
        self._save(unit)
        return unit.version

    # -- checklist templates ----------------------------------------------------------------

    def checklists_in_force(self, municipality_id: UUID) -> tuple[int, ChecklistCatalog]:
        """The municipality's own templates and their version, or version 0 and the default.

        One indexed read per call, so a change made through another process counts at once.
        """
        templates_id = checklist_templates_id(municipality_id)
        last = self.recorder.select_events(templates_id, desc=True, limit=1)
        if not last:
            return 0, self.checklists
        version = last[0].originator_version
        known = self._own_checklists.get(municipality_id)
        if known is None or known[0] != version:
            templates = self._load(templates_id, ChecklistTemplates)
            known = version, parse(templates.text, "sjekklistene")
            self._own_checklists[municipality_id] = known
        return known

    def write_checklists(
        self, text: str, *, based_on: int, by: Actor, at: datetime
    ) -> tuple[int, ChecklistCatalog]:
        """Put new templates in force for new tasks, if the text is valid and was edited
        from the version in force (`based_on`); tasks already open keep theirs."""
        catalog = parse(text, "sjekklistene")
        version, in_force = self.checklists_in_force(by.municipality_id)
        if based_on != version:
            raise StaleVersionError(
                "Sjekklistene er endret av noen andre mens du skrev. "
                "Last inn på nytt og prøv igjen."
            )
        if text == in_force.text:
            return version, in_force
        if version == 0:
            templates = ChecklistTemplates.write(text, by=by, at=at)
        else:
            templates = self._load(checklist_templates_id(by.municipality_id), ChecklistTemplates)
            templates.rewrite(text, by=by, at=at)
        self._save(templates)
        self._own_checklists[by.municipality_id] = templates.version, catalog
        return templates.version, catalog

    def checklist_versions(self, municipality_id: UUID) -> list[ChecklistVersion]:
        """Who wrote each version of the municipality's own templates, and when; newest first."""
        events = self.events.get(checklist_templates_id(municipality_id))
        return [ChecklistVersion.of(e) for e in reversed(list(events))]

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
                raise IllegalTransitionError(
                    f"{unit.name} er en hjemmetjenestesone, ikke en korttidsavdeling."
                )
        if decision.zone_id is not None or decision.service == ServiceKind.HOME_CARE:
            self._check_zone(decision.zone_id, by)

    def _flow(self, flow_id: UUID, by: Actor, expected_version: int | None = None) -> PatientFlow:
        flow = self._load(flow_id, PatientFlow, by)
        if expected_version is not None and expected_version != flow.version:
            raise StaleVersionError(
                f"Forløpet er endret siden du så det (nå versjon {flow.version}, "
                f"du hadde versjon {expected_version}). Last inn på nytt og prøv igjen."
            )
        return flow

    def _unit(self, unit_id: UUID | None, by: Actor) -> CareUnit:
        unit = self._load(unit_id, CareUnit, by)
        return unit

    def _check_zone(self, zone_id: UUID | None, by: Actor) -> None:
        zone = self._place(zone_id, by)
        if zone.kind != UnitKind.HOME_CARE_ZONE:
            raise IllegalTransitionError(f"{zone.name} er ikke en hjemmetjenestesone.")

    def _place(self, unit_id: UUID | None, by: Actor) -> Place:
        """What never changes about a unit or zone, read from its first event only.

        Deciding or planning names a place without touching its beds; loading the whole
        unit for that would replay every reservation since its last snapshot.
        """
        place = self._places.get(unit_id) if unit_id else None
        if place is None and unit_id is not None:
            first = next(iter(self.events.get(unit_id, lte=1)), None)
            if isinstance(first, CareUnit.Registered):
                facts: Any = first
                place = Place(facts.municipality_id, facts.name, facts.kind)
                self._places[unit_id] = place
        if place is None or place.municipality_id != by.municipality_id:
            raise NotFoundError("Enheten finnes ikke.")
        return place

    def _load(self, aggregate_id: UUID | None, cls: type[A], by: Actor | None = None) -> A:
        """An aggregate of the actor's municipality; any other id does not exist for them.

        From the repository's cache, brought forward by the events recorded since (by any
        process), and copied, so a refused command leaves the cached one as it was.
        """
        what = {PatientFlow: "Forløpet", CareUnit: "Enheten"}.get(cls, "Kommunen")
        aggregate: Any = None
        if aggregate_id is not None:
            try:
                aggregate = self.repository.get(aggregate_id, projector_func=_replay)
            except AggregateNotFoundError:
                aggregate = None
        tenant = getattr(aggregate, "municipality_id", None)
        if not isinstance(aggregate, cls) or (by is not None and tenant != by.municipality_id):
            raise NotFoundError(f"{what} finnes ikke.")
        return aggregate

    def _save_flow(self, flow: PatientFlow, *units: CareUnit, by: Actor, at: datetime) -> None:
        """Close and open loops for the events just recorded, then save it all at once."""
        _, checklists = self.checklists_in_force(by.municipality_id)
        for name in [type(e).__name__ for e in flow.pending_events]:
            flow.complete_tasks_done_by(name, by=by, at=at)
            flow.open_checklists(name, checklists.for_trigger(name), by=by, at=at)
        self._save(flow, *units)

    def _save(self, *aggregates: Aggregate) -> None:
        created = [
            a
            for a in aggregates
            if a.pending_events and a.pending_events[0].originator_version == 1
        ]
        try:
            self.save(*aggregates)
        except IntegrityError:
            if any(a.id in self.repository for a in created):
                raise DuplicateError("Det finnes allerede, med samme nummer eller id.") from None
            raise ConcurrentChangeError(
                "Noen andre endret det samme i samme øyeblikk. Last inn på nytt og prøv igjen."
            ) from None
        if self.repository.cache is not None:
            for aggregate in aggregates:  # as saved: its next use reads no event it made
                self.repository.cache.put(aggregate.id, aggregate)
