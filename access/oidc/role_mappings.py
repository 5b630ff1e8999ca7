"""The admin's mapping from the provider's claims to a role and units in Pasientflyt."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import RowMapping

from access.accounts import Role, metadata
from access.oidc.errors import LoginRefusedError

oidc_role_mappings = Table(
    "oidc_role_mappings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("claim", String(100), nullable=False),
    Column("value", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("unit_codes", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("municipality_id", "claim", "value", name="uq_oidc_role_mapping"),
)


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class RoleMapping:
    id: UUID
    municipality_id: UUID
    claim: str
    value: str
    role: Role
    unit_codes: tuple[str, ...]


@dataclass(frozen=True)
class Grant:
    role: Role
    unit_codes: tuple[str, ...]


class RoleMappings:
    """The admin's table: a claim with a given value gives a role and units."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_for(self, municipality: UUID) -> list[RoleMapping]:
        query = (
            select(oidc_role_mappings)
            .where(oidc_role_mappings.c.municipality_id == municipality)
            .order_by(oidc_role_mappings.c.claim, oidc_role_mappings.c.value)
        )
        with self.engine.connect() as db:
            return [_mapping(row._mapping) for row in db.execute(query)]

    def add(
        self,
        municipality: UUID,
        claim: str,
        value: str,
        role: Role,
        unit_codes: Sequence[str] = (),
        *,
        at: datetime,
    ) -> RoleMapping:
        claim, value = claim.strip(), value.strip()
        if not claim or not value:
            raise MappingError("Både claim og verdi må fylles ut.")
        if any(m.claim == claim and m.value == value for m in self.list_for(municipality)):
            raise MappingError(f"«{claim} = {value}» har allerede en rolle.")
        codes = tuple(code.strip() for code in unit_codes if code.strip())
        mapping = RoleMapping(uuid4(), municipality, claim, value, Role(role), codes)
        with self.engine.begin() as db:
            db.execute(
                insert(oidc_role_mappings).values(
                    id=mapping.id,
                    municipality_id=municipality,
                    claim=claim,
                    value=value,
                    role=mapping.role.value,
                    unit_codes=list(codes),
                    created_at=at,
                )
            )
        return mapping

    def remove(self, mapping_id: UUID, municipality: UUID) -> bool:
        with self.engine.begin() as db:
            removed = db.execute(
                delete(oidc_role_mappings).where(
                    oidc_role_mappings.c.id == mapping_id,
                    oidc_role_mappings.c.municipality_id == municipality,
                )
            )
        return removed.rowcount > 0

    def grant(
        self, municipality: UUID, claims: Mapping[str, Any], waiting: Collection[UUID]
    ) -> Grant | None:
        """The one role the claims map to, with the units of every matching row; a mapping
        in `waiting` (its role waits for a leader's approval, access/grants.py) gives none."""
        found = [
            m for m in self.list_for(municipality) if m.value in _claim_values(claims.get(m.claim))
        ]
        matched = [m for m in found if m.id not in waiting]
        if found and not matched:
            raise LoginRefusedError(
                "Rollen din i Pasientflyt venter på godkjenning fra en leder. Prøv igjen når "
                "lederen har godkjent den.",
                "the claims map only to role mappings that wait for a leader",
            )
        roles = {m.role for m in matched}
        if len(roles) > 1:
            raise LoginRefusedError(
                "Brukeren din passer til flere roller i Pasientflyt. "
                "Be systemansvarlig rette rolletilordningen.",
                f"claims map to several roles: {', '.join(sorted(roles))}",
            )
        codes = sorted({code for m in matched for code in m.unit_codes})
        return Grant(roles.pop(), tuple(codes)) if roles else None


def _mapping(m: RowMapping) -> RoleMapping:
    return RoleMapping(
        m["id"],
        m["municipality_id"],
        m["claim"],
        m["value"],
        Role(m["role"]),
        tuple(m["unit_codes"]),
    )


def _claim_values(value: object) -> set[str]:
    """A claim holds one value or a list of them (groups, roles); compare them as text."""
    items = value if isinstance(value, list) else [value]
    return {
        str(item).lower() if isinstance(item, bool) else str(item)
        for item in items
        if isinstance(item, str | int | float | bool)
    }
