"""What a response shows of patients: the flows whose identity it carries, logged before
the response goes out (`access/access_log.py`)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

from access.accounts import User
from boards.system import System


def shown_flows(value: Any) -> set[UUID]:
    """The flows of every card, task or loop in `value` that carries a patient's name."""
    found: set[UUID] = set()
    if isinstance(value, list | tuple):
        for item in value:
            found |= shown_flows(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        flow_id = getattr(value, "flow_id", None)
        if hasattr(value, "name") and isinstance(flow_id, UUID):
            found.add(flow_id)
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if isinstance(item, list | tuple) or dataclasses.is_dataclass(item):
                found |= shown_flows(item)
    return found


def log_looks(system: System, user: User, value: Any, view: str, at: datetime) -> None:
    system.access_log.record(user, shown_flows(value), view, at)
