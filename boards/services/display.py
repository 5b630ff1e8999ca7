"""What a display device shows: the wall of its unit, or of its zone."""

from __future__ import annotations

from datetime import datetime

from access.devices import Device
from boards.services import board_reads
from boards.services.system import System
from flow.errors import NotFoundError
from projections.wall_display import WallDisplay, ZoneWall


def device_board(system: System, device: Device, now: datetime) -> WallDisplay | ZoneWall | None:
    """The wall of the device's unit, or of its zone; None when the place is gone."""
    try:
        return board_reads.unit_wall(system, device.viewer, device.unit_id, now)
    except NotFoundError:
        pass  # not a unit: a zone, or gone
    try:
        zone = board_reads.zone_board(system, device.viewer, device.unit_id, now, caught_up=True)
    except NotFoundError:
        return None
    return ZoneWall.of(zone)
