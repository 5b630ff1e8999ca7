"""Who did something: every event names its user, role and municipality."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Actor:
    user_id: str
    role: str
    municipality_id: UUID
