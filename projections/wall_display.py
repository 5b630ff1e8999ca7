"""The corridor screens: `WallDisplay`, a unit's beds and initials, and `ZoneWall`, who comes
home to a zone within a week, by initials.

Neither ever carries an identity number, a full name or free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import Engine, select, true

from flow.errors import NotFoundError
from flow.vocabulary import BedStatus, Phase
from projections.bed_grid import beds, units
from projections.cards import today
from projections.flow_cards import cards, initials
from projections.home_care_board import HomeCareBoard
from projections.task_list import LOOP_OPEN, tasks


@dataclass(frozen=True)
class WallBed:
    bed: str
    status: str
    initials: str | None
    arrives_today: bool
    leaves_today: bool
    overdue: bool  # a loop of the patient in the bed is past its due time


@dataclass(frozen=True)
class WallDisplay:
    unit_id: UUID
    name: str
    day: date
    beds: list[WallBed]
    flow_ids: frozenset[UUID]  # on the beds: what a live wall listens for, never shown

    @property
    def free(self) -> int:
        return sum(bed.status == BedStatus.FREE for bed in self.beds)

    @property
    def arriving(self) -> int:
        return sum(bed.arrives_today for bed in self.beds)

    @property
    def leaving(self) -> int:
        return sum(bed.leaves_today for bed in self.beds)

    @property
    def overdue(self) -> int:
        return sum(bed.overdue for bed in self.beds)

    @classmethod
    def read(
        cls, engine: Engine, municipality_id: UUID, unit_id: UUID, now: datetime
    ) -> WallDisplay:
        day = today(now)
        query = (
            select(
                beds.c.bed,
                beds.c.status,
                beds.c.flow_id,
                cards.c.name,
                cards.c.phase,
                cards.c.plan_on,
                cards.c.decision_starts_on,
            )
            .outerjoin(cards, cards.c.flow_id == beds.c.flow_id)
            .where(beds.c.unit_id == unit_id)
            .order_by(beds.c.position)
        )
        with engine.connect() as db:
            unit = db.execute(
                select(units.c.name).where(
                    units.c.unit_id == unit_id,
                    units.c.municipality_id == municipality_id,
                    units.c.kind != "home_care_zone",
                )
            ).first()
            if unit is None:
                raise NotFoundError("not_found", thing="unit")
            rows = db.execute(query).all()
            late = set(
                db.scalars(
                    select(tasks.c.flow_id).where(
                        tasks.c.flow_id.in_([r.flow_id for r in rows if r.flow_id]),
                        tasks.c.status.in_(LOOP_OPEN),
                        tasks.c.overdue == true(),
                    )
                )
            )
        return cls(
            unit_id,
            unit.name,
            day,
            [
                WallBed(
                    bed=r.bed,
                    status=r.status,
                    initials=initials(r.name) if r.name else None,
                    arrives_today=r.phase is not None
                    and r.phase != Phase.ON_STAY
                    and (r.decision_starts_on is None or r.decision_starts_on <= day),
                    leaves_today=r.phase == Phase.ON_STAY
                    and r.plan_on is not None
                    and r.plan_on <= day,
                    overdue=r.flow_id in late,
                )
                for r in rows
            ],
            frozenset(r.flow_id for r in rows if r.flow_id),
        )


@dataclass(frozen=True)
class WallHomecoming:
    """One patient coming home, as a corridor may show it."""

    initials: str
    on: date | None
    home: bool
    closed: int
    total: int


@dataclass(frozen=True)
class ZoneWall:
    name: str
    day: date
    coming_home: list[WallHomecoming]
    flow_ids: frozenset[UUID]  # what a live wall listens for, never shown

    #: How far ahead a zone's corridor looks.
    DAYS_AHEAD = 7

    @classmethod
    def of(cls, board: HomeCareBoard) -> ZoneWall:
        """The zone's board cut to the next week and to initials."""
        horizon = board.day + timedelta(days=cls.DAYS_AHEAD)
        shown = [
            h for h in board.coming_home if h.flow.plan_on is None or h.flow.plan_on <= horizon
        ]
        return cls(
            board.name,
            board.day,
            [
                WallHomecoming(
                    initials(h.flow.name),
                    h.flow.plan_on,
                    h.flow.phase == Phase.DISCHARGED,
                    h.checklist.closed,
                    h.checklist.total,
                )
                for h in shown
            ],
            frozenset(h.flow.flow_id for h in shown),
        )
