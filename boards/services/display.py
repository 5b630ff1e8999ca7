"""What a display device shows: the wall of its unit, or of its zone."""

from __future__ import annotations

from datetime import datetime

from access.devices import Device
from boards.services.system import System
from flow.errors import NotFoundError
from projections.home_care_board import HomeCareBoard
from projections.wall_display import WallDisplay, ZoneWall


def device_board(system: System, device: Device, now: datetime) -> WallDisplay | ZoneWall | None:
    """The wall of the device's unit, or of its zone; None when the place is gone."""
    system.projector.catch_up()
    try:
        return WallDisplay.read(system.engine, device.municipality_id, device.unit_id, now)
    except NotFoundError:
        pass  # not a unit: a zone, or gone
    try:
        rates = system.rates.of(device.municipality_id)
        board = HomeCareBoard.read(
            system.engine, device.municipality_id, device.unit_id, now, rates
        )
    except NotFoundError:
        return None
    return ZoneWall.of(board)
