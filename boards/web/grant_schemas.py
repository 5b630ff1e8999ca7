"""The shapes of the leaders' review of access grants (boards/api/access_grants.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from access.grants import REASON_LIMIT
from boards.services.access_grants import GrantRow
from boards.shapes import printable
from boards.web.schemas import Body


class RefusalIn(Body):
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_LIMIT),
        AfterValidator(printable),
    ] = Field(description="Hvorfor lederen avslår tilgangen; brukeren og systemansvarlig ser den.")


class GrantOut(BaseModel):
    id: UUID
    state: str = Field(description="waiting, approved eller declined.")
    user_id: UUID | None = Field(
        description="Brukeren tilgangen gjelder; null: en rolletilordning."
    )
    mapping_id: UUID | None = Field(description="Rolletilordningen (OpenID Connect) den gjelder.")
    who: str
    role: str
    unit_ids: list[UUID]
    places: list[str]
    asked: str = Field(description="new_user, changed, password_reset, role_mapping, …")
    asked_by: UUID
    asked_by_name: str
    asked_at: datetime
    password_set_at: datetime | None = Field(
        description="Når brukeren selv satte passordet sitt; null: ikke ennå (eller ingen)."
    )
    decided_by: UUID | None
    decided_at: datetime | None
    reason: str | None

    @classmethod
    def of(cls, row: GrantRow) -> GrantOut:
        g = row.grant
        return cls(
            id=g.id,
            state=g.state.value,
            user_id=g.user_id,
            mapping_id=g.mapping_id,
            who=row.who,
            role=g.role,
            unit_ids=list(g.unit_ids),
            places=list(row.places),
            asked=g.asked.value,
            asked_by=g.asked_by,
            asked_by_name=row.asked_by,
            asked_at=g.asked_at,
            password_set_at=row.password_set_at,
            decided_by=g.decided_by,
            decided_at=g.decided_at,
            reason=g.reason,
        )
