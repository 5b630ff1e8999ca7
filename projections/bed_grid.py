"""`BedGrid`: the municipality's units and zones, and every bed with its state."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Uuid, select

from flow.care_unit import CareUnit
from flow.vocabulary import BedStatus, UnitKind
from projections.projection import Handler, Projection
from projections.rows import Rows
from projections.versions import table_name

metadata = MetaData()
#: The read model whose tables these are (`projections.versions`).
MODEL = "bed_grid"

units = Table(
    table_name("units", MODEL),
    metadata,
    Column("unit_id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("beds", Integer, nullable=False),
)

beds = Table(
    table_name("beds", MODEL),
    metadata,
    Column("unit_id", Uuid, primary_key=True),
    Column("bed", String(20), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("flow_id", Uuid, index=True),
    Column("blocked_reason", String(200)),
)


class BedGrid(Projection):
    name = MODEL
    tables = (units, beds)
    by_originator = (units.c.unit_id, beds.c.unit_id)

    def handlers(self) -> dict[type, Handler]:
        return {
            CareUnit.Registered: self._registered,
            CareUnit.BedReserved: _bed(BedStatus.RESERVED),
            CareUnit.BedOccupied: _bed(BedStatus.OCCUPIED),
            CareUnit.BedReleased: _bed(BedStatus.FREE),
            CareUnit.BedBlocked: _bed(BedStatus.BLOCKED),
            CareUnit.BedUnblocked: _bed(BedStatus.FREE),
            CareUnit.PatientMoved: self._moved,
            CareUnit.BedRestored: self._restored,
        }

    def _registered(self, rows: Rows, e: Any) -> None:
        rows.put(
            units,
            {
                "unit_id": e.originator_id,
                "municipality_id": e.municipality_id,
                "code": e.code,
                "name": e.name,
                "kind": e.kind,
                "beds": len(e.beds),
            },
        )
        for position, bed in enumerate(e.beds):
            rows.put(
                beds,
                {
                    "unit_id": e.originator_id,
                    "bed": bed,
                    "position": position,
                    "status": BedStatus.FREE.value,
                    "flow_id": None,
                },
            )

    def _moved(self, rows: Rows, e: Any) -> None:
        rows.update(beds, e.originator_id, e.from_bed, status=BedStatus.FREE.value, flow_id=None)
        rows.update(
            beds, e.originator_id, e.to_bed, status=BedStatus.OCCUPIED.value, flow_id=e.flow_id
        )

    def _restored(self, rows: Rows, e: Any) -> None:
        rows.update(
            beds, e.originator_id, e.bed, status=e.status, flow_id=e.flow_id, blocked_reason=None
        )


def _bed(status: BedStatus) -> Handler:
    holds = status in {BedStatus.RESERVED, BedStatus.OCCUPIED}

    def handle(rows: Rows, e: Any) -> None:
        rows.update(
            beds,
            e.originator_id,
            e.bed,
            status=status.value,
            flow_id=e.flow_id if holds else None,
            blocked_reason=e.reason if status == BedStatus.BLOCKED else None,
        )

    return handle


@dataclass(frozen=True)
class PlaceChoice:
    """A short-term unit with its free beds, or a home-care zone, as menus and links show it."""

    id: UUID
    name: str
    kind: str
    free: tuple[str, ...]

    @property
    def is_zone(self) -> bool:
        return self.kind == UnitKind.HOME_CARE_ZONE


def places(engine: Engine, municipality_id: UUID) -> list[PlaceChoice]:
    """The municipality's units, then its zones, each by name; two queries."""
    mine = units.c.municipality_id == municipality_id
    with engine.connect() as db:
        found = db.execute(select(units.c.unit_id, units.c.name, units.c.kind).where(mine)).all()
        free_beds = db.execute(
            select(beds.c.unit_id, beds.c.bed)
            .join(units, units.c.unit_id == beds.c.unit_id)
            .where(mine, beds.c.status == BedStatus.FREE.value)
            .order_by(beds.c.position)
        ).all()
    free: defaultdict[UUID, list[str]] = defaultdict(list)
    for unit_id, bed in free_beds:
        free[unit_id].append(bed)
    listed = [PlaceChoice(u, name, kind, tuple(free[u])) for u, name, kind in found]
    return sorted(listed, key=lambda p: (p.is_zone, p.name))
