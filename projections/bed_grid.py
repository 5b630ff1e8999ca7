"""`BedGrid`: the municipality's units and zones, and every bed with its state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid

from flow.care_unit import CareUnit
from flow.vocabulary import BedStatus
from projections.projector import Handler, Projection
from projections.rows import Rows

metadata = MetaData()

units = Table(
    "units",
    metadata,
    Column("unit_id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("beds", Integer, nullable=False),
)

beds = Table(
    "beds",
    metadata,
    Column("unit_id", Uuid, primary_key=True),
    Column("bed", String(20), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("flow_id", Uuid, index=True),
    Column("blocked_reason", String(200)),
)


class BedGrid(Projection):
    name = "bed_grid"
    tables = (units, beds)

    def handlers(self) -> dict[type, Handler]:
        return {
            CareUnit.Registered: self._registered,
            CareUnit.BedReserved: _bed(BedStatus.RESERVED),
            CareUnit.BedOccupied: _bed(BedStatus.OCCUPIED),
            CareUnit.BedReleased: _bed(BedStatus.FREE),
            CareUnit.BedBlocked: _bed(BedStatus.BLOCKED),
            CareUnit.BedUnblocked: _bed(BedStatus.FREE),
            CareUnit.PatientMoved: self._moved,
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
