"""`CareUnit`: a short-term unit and its beds, or a home-care zone.

Bed exclusivity lives here: a bed holds at most one reservation or occupant. The
application saves a unit together with the flow it changes, so two caseworkers
racing for one bed cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from flow.actor import Actor
from flow.copying import CopiedByValue
from flow.errors import BedTakenError, DuplicateError, IllegalTransitionError, NotFoundError
from flow.vocabulary import BedStatus, UnitKind


@dataclass(frozen=True)
class Bed:
    status: str
    flow_id: UUID | None = None


FREE = Bed(BedStatus.FREE.value)


class CareUnit(CopiedByValue, Aggregate):
    if TYPE_CHECKING:  # the event classes @event makes, named for the type checker
        Registered: ClassVar[type[Aggregate.Created]]
        BedReserved: ClassVar[type[Aggregate.Event]]
        BedReleased: ClassVar[type[Aggregate.Event]]
        BedOccupied: ClassVar[type[Aggregate.Event]]
        PatientMoved: ClassVar[type[Aggregate.Event]]
        BedBlocked: ClassVar[type[Aggregate.Event]]
        BedUnblocked: ClassVar[type[Aggregate.Event]]
        BedRestored: ClassVar[type[Aggregate.Event]]

    @event("Registered")
    def __init__(
        self,
        municipality_id: UUID,
        code: str,
        name: str,
        kind: str,
        beds: list[str],
        by: Actor,
        at: datetime,
    ) -> None:
        self.municipality_id = municipality_id
        self.code = code
        self.name = name
        self.kind = kind
        self.beds: dict[str, Bed] = {bed: FREE for bed in beds}

    @classmethod
    def register(
        cls,
        unit_id: UUID,
        municipality_id: UUID,
        code: str,
        name: str,
        kind: UnitKind,
        beds: list[str],
        *,
        by: Actor,
        at: datetime,
    ) -> CareUnit:
        if kind == UnitKind.HOME_CARE_ZONE and beds:
            raise IllegalTransitionError("zone_has_no_beds")
        if len(set(beds)) != len(beds):
            raise DuplicateError("bed_names_not_unique")
        return cls._create(
            cls.Registered,
            id=unit_id,
            municipality_id=municipality_id,
            code=code,
            name=name,
            kind=kind.value,
            beds=list(beds),
            by=by,
            at=at,
        )

    @property
    def is_zone(self) -> bool:
        return self.kind == UnitKind.HOME_CARE_ZONE

    def bed(self, bed: str) -> Bed:
        try:
            return self.beds[bed]
        except KeyError:
            raise NotFoundError("no_such_bed", unit=self.name, bed=bed) from None

    def free_beds(self) -> list[str]:
        return [name for name, bed in self.beds.items() if bed.status == BedStatus.FREE]

    def _check_free(self, bed: str) -> None:
        state = self.bed(bed)
        if state.status == BedStatus.BLOCKED:
            raise BedTakenError("bed_blocked", bed=bed, unit=self.name)
        if state.status != BedStatus.FREE:
            raise BedTakenError("bed_taken", bed=bed, unit=self.name)

    def _check_held_by(self, bed: str, flow_id: UUID, status: BedStatus | None = None) -> None:
        state = self.bed(bed)
        if state.flow_id != flow_id or status not in {None, state.status}:
            raise IllegalTransitionError("bed_not_held", bed=bed, unit=self.name)

    # -- commands -----------------------------------------------------------------------

    def reserve(self, bed: str, flow_id: UUID, *, by: Actor, at: datetime) -> None:
        self._check_free(bed)
        self._bed_reserved(bed=bed, flow_id=flow_id, by=by, at=at)

    @event("BedReserved")
    def _bed_reserved(self, bed: str, flow_id: UUID, by: Actor, at: datetime) -> None:
        self.beds[bed] = Bed(BedStatus.RESERVED.value, flow_id)

    def release(self, bed: str, flow_id: UUID, *, by: Actor, at: datetime) -> None:
        """Give up a reservation, or the bed of a patient who left without discharge."""
        self._check_held_by(bed, flow_id)
        self._bed_released(bed=bed, flow_id=flow_id, by=by, at=at)

    @event("BedReleased")
    def _bed_released(self, bed: str, flow_id: UUID, by: Actor, at: datetime) -> None:
        self.beds[bed] = FREE

    def occupy(self, bed: str, flow_id: UUID, *, by: Actor, at: datetime) -> None:
        self._check_held_by(bed, flow_id, BedStatus.RESERVED)
        self._bed_occupied(bed=bed, flow_id=flow_id, by=by, at=at)

    @event("BedOccupied")
    def _bed_occupied(self, bed: str, flow_id: UUID, by: Actor, at: datetime) -> None:
        self.beds[bed] = Bed(BedStatus.OCCUPIED.value, flow_id)

    def move(self, flow_id: UUID, from_bed: str, to_bed: str, *, by: Actor, at: datetime) -> None:
        self._check_held_by(from_bed, flow_id, BedStatus.OCCUPIED)
        self._check_free(to_bed)
        self._patient_moved(flow_id=flow_id, from_bed=from_bed, to_bed=to_bed, by=by, at=at)

    @event("PatientMoved")
    def _patient_moved(
        self, flow_id: UUID, from_bed: str, to_bed: str, by: Actor, at: datetime
    ) -> None:
        self.beds[from_bed] = FREE
        self.beds[to_bed] = Bed(BedStatus.OCCUPIED.value, flow_id)

    def restore(
        self, bed: str, flow_id: UUID, status: BedStatus, *, by: Actor, at: datetime
    ) -> None:
        """The bed is the flow's again as it was before a command corrected as a mistake
        (`flow/corrections.py`): occupied again after a discharge or reserved again after an
        arrival. Refused if someone else has the bed now."""
        state = self.bed(bed)
        if state.flow_id not in {None, flow_id} or state.status == BedStatus.BLOCKED:
            self._check_free(bed)
        self._bed_restored(bed=bed, flow_id=flow_id, status=status.value, by=by, at=at)

    @event("BedRestored")
    def _bed_restored(self, bed: str, flow_id: UUID, status: str, by: Actor, at: datetime) -> None:
        self.beds[bed] = Bed(status, flow_id)

    def block(self, bed: str, reason: str, *, by: Actor, at: datetime) -> None:
        """Take a free bed out of use (repairs, isolation, staffing)."""
        self._check_free(bed)
        self._bed_blocked(bed=bed, reason=reason, by=by, at=at)

    @event("BedBlocked")
    def _bed_blocked(self, bed: str, reason: str, by: Actor, at: datetime) -> None:
        self.beds[bed] = Bed(BedStatus.BLOCKED.value)

    def unblock(self, bed: str, *, by: Actor, at: datetime) -> None:
        if self.bed(bed).status != BedStatus.BLOCKED:
            raise IllegalTransitionError("bed_not_blocked", bed=bed, unit=self.name)
        self._bed_unblocked(bed=bed, by=by, at=at)

    @event("BedUnblocked")
    def _bed_unblocked(self, bed: str, by: Actor, at: datetime) -> None:
        self.beds[bed] = FREE
