"""The shapes of administration, for the admin API and the admin pages alike: units, zones,
beds, users, display devices, checklists, daily rates and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Request
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from access.accounts import Account, Role
from access.audit import AuditEntry
from access.daily_rates import HIGHEST_RATE
from access.devices import Device
from access.grants import Grant
from boards.shapes import BedName, Name, field_error
from boards.web.schemas import Body
from flow.checklist_file import MAX_CHARACTERS
from flow.checklists import Checklist, ChecklistCatalog
from flow.views import ChecklistVersion
from flow.vocabulary import UnitKind

Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Username = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
]


def _short_term(kind: UnitKind) -> UnitKind:
    if kind == UnitKind.HOME_CARE_ZONE:
        raise field_error("zone_registered_under_zones")
    return kind


class UnitIn(Body):
    code: Code = Field(description="Kort kode, unik i kommunen; enhetens id følger av den.")
    name: Name
    kind: Annotated[UnitKind, AfterValidator(_short_term)]
    beds: list[BedName] = Field(min_length=1, max_length=60, description="Sengenes navn.")


class ZoneIn(Body):
    code: Code
    name: Name


class BlockIn(Body):
    reason: Name = Field(description="Hvorfor sengen tas ut av bruk.")


class ChecklistsIn(Body):
    text: str = Field(
        min_length=1,
        max_length=MAX_CHARACTERS,
        description="Sjekklistene som YAML, i grammatikken til fixtures/checklists.yaml.",
    )
    based_on: int = Field(
        ge=0, description="Versjonen teksten er skrevet ut fra (0: standardmalene)."
    )


class DailyRateIn(Body):
    rate: int = Field(ge=1, le=HIGHEST_RATE, description="Kroner per overliggedøgn.")


class DailyRateOut(BaseModel):
    year: int
    rate: int = Field(description="Kroner per overliggedøgn som gjelder for året.")
    national: int | None = Field(description="Den nasjonale satsen for året, om den er kjent.")
    written_by: UUID | None = Field(description="Hvem som satte den; null: den nasjonale.")
    written_at: datetime | None


class ChecklistsOut(BaseModel):
    version: int = Field(description="0: standardmalene; ellers kommunens egen versjon.")
    text: str
    checklists: list[Checklist]
    versions: list[ChecklistVersion] = Field(description="Kommunens egne versjoner, nyeste først.")

    @classmethod
    def of(
        cls, version: int, catalog: ChecklistCatalog, versions: list[ChecklistVersion]
    ) -> ChecklistsOut:
        return cls(
            version=version,
            text=catalog.text,
            checklists=list(catalog.checklists),
            versions=versions,
        )


class UserIn(Body):
    username: Username
    display_name: Name
    role: Role
    unit_ids: list[UUID] = Field([], max_length=50)


class UserChange(Body):
    role: Role | None = None
    unit_ids: list[UUID] | None = Field(None, max_length=50)
    display_name: Name | None = None
    active: bool | None = Field(None, description="false deaktiverer og avslutter alle økter.")


class DeviceIn(Body):
    name: Name
    unit_id: UUID = Field(description="Enheten eller sonen skjermen viser.")


class WaitingOut(BaseModel):
    grant_id: UUID
    role: str
    unit_ids: list[UUID]
    asked_at: datetime


class UserOut(BaseModel):
    id: UUID
    username: str
    display_name: str
    role: str = Field(description="Rollen som gjelder nå; «none»: ingen, tilgangen venter.")
    unit_ids: list[UUID]
    active: bool
    created_at: datetime
    waiting: WaitingOut | None = Field(
        description="Rollen og stedene som venter på godkjenning fra en leder."
    )

    @classmethod
    def of(cls, account: Account, waiting: Grant | None) -> UserOut:
        u = account.user
        return cls(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            unit_ids=u.unit_ids,
            active=account.active,
            created_at=account.created_at,
            waiting=WaitingOut(
                grant_id=waiting.id,
                role=waiting.role,
                unit_ids=list(waiting.unit_ids),
                asked_at=waiting.asked_at,
            )
            if waiting
            else None,
        )


class NewUser(BaseModel):
    user: UserOut
    setup_link: str = Field(
        description="Lenken der brukeren selv setter passordet sitt; vises bare denne ene "
        "gangen, gjelder i 72 timer og brukes én gang. Ingen passord vises."
    )


class DeviceOut(BaseModel):
    id: UUID
    unit_id: UUID
    name: str
    created_at: datetime
    created_by: UUID
    revoked_at: datetime | None

    @classmethod
    def of(cls, d: Device) -> DeviceOut:
        return cls(
            id=d.id,
            unit_id=d.unit_id,
            name=d.name,
            created_at=d.created_at,
            created_by=d.created_by,
            revoked_at=d.revoked_at,
        )


class NewDevice(BaseModel):
    device: DeviceOut
    token: str = Field(description="Skjermens nøkkel; vises bare denne ene gangen.")
    url: str = Field(description="Adressen skjermen åpnes på.")


class AuditOut(BaseModel):
    id: int
    at: datetime
    user_id: UUID
    action: str
    subject: str
    details: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEntry) -> AuditOut:
        return cls(
            id=e.id,
            at=e.at,
            user_id=e.user_id,
            action=e.action,
            subject=e.subject,
            details=e.details,
        )


def device_url(request: Request, token: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/skjerm/{token}"


def setup_url(request: Request, token: str) -> str:
    """Where a user sets her own password (boards/pages/setup.py)."""
    return f"{str(request.base_url).rstrip('/')}/passord/{token}"
