"""Administration over JSON: units, zones, beds, users, display devices and the audit log.

Only an admin may call these, on its own municipality; the shapes here are shared with
the admin pages, which parse their forms into them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from access.accounts import Account, Role, User
from access.audit import AuditEntry
from access.daily_rates import FIRST_YEAR, HIGHEST_RATE, LAST_YEAR
from access.devices import Device
from boards.services.admin import Admin, admin_of, check_admin
from boards.web.dependencies import CurrentUser, Now
from boards.web.schemas import BedName, Body, Name, Problem, field_error
from flow.checklist_file import MAX_CHARACTERS
from flow.checklists import Checklist, ChecklistCatalog
from flow.views import ChecklistVersion, UnitView
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


class UserOut(BaseModel):
    id: UUID
    username: str
    display_name: str
    role: str
    unit_ids: list[UUID]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, account: Account) -> UserOut:
        u = account.user
        return cls(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            unit_ids=u.unit_ids,
            active=account.active,
            created_at=account.created_at,
        )


class NewUser(BaseModel):
    user: UserOut
    password: str = Field(description="Engangspassordet; vises bare denne ene gangen.")


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


def current_admin(user: CurrentUser) -> User:
    """Refused before the body is read: a non-admin learns nothing from a 422."""
    check_admin(user)
    return user


AdminService = Annotated[Admin, Depends(admin_of)]
CurrentAdmin = Annotated[User, Depends(current_admin)]

router = APIRouter(
    prefix="/admin",
    tags=["administrasjon"],
    responses={
        401: {"model": Problem, "description": "Ikke innlogget"},
        403: {"model": Problem, "description": "Bare for systemansvarlig"},
        404: {"model": Problem, "description": "Finnes ikke i kommunen"},
        409: {"model": Problem, "description": "Finnes allerede, eller ikke tillatt nå"},
        422: {"description": "Ugyldig forespørsel"},
    },
)


@router.get("/users")
def list_users(admin: AdminService, user: CurrentAdmin) -> list[UserOut]:
    return [UserOut.of(a) for a in admin.users(user)]


@router.post("/users", status_code=201)
def add_user(body: UserIn, admin: AdminService, user: CurrentAdmin, now: Now) -> NewUser:
    added, password = admin.add_user(
        user, body.username, body.display_name, body.role, body.unit_ids, now
    )
    return NewUser(user=UserOut.of(admin.user(user, added.id)), password=password)


@router.patch("/users/{user_id}")
def change_user(
    user_id: UUID, body: UserChange, admin: AdminService, user: CurrentAdmin, now: Now
) -> UserOut:
    account = admin.user(user, user_id)
    if body.role is not None or body.unit_ids is not None or body.display_name is not None:
        account = admin.change_user(
            user,
            user_id,
            now,
            role=body.role,
            unit_ids=body.unit_ids,
            display_name=body.display_name,
        )
    if body.active is not None:
        account = admin.set_active(user, user_id, body.active, now)
    return UserOut.of(account)


@router.post("/units", status_code=201)
def register_unit(body: UnitIn, admin: AdminService, user: CurrentAdmin, now: Now) -> UnitView:
    return admin.register_unit(user, body.code, body.name, body.kind, body.beds, now)


@router.post("/zones", status_code=201)
def register_zone(body: ZoneIn, admin: AdminService, user: CurrentAdmin, now: Now) -> UnitView:
    return admin.register_zone(user, body.code, body.name, now)


@router.post("/units/{unit_id}/beds/{bed}/block")
def block_bed(
    unit_id: UUID, bed: str, body: BlockIn, admin: AdminService, user: CurrentAdmin, now: Now
) -> UnitView:
    return admin.block_bed(user, unit_id, bed, body.reason, now)


@router.post("/units/{unit_id}/beds/{bed}/unblock")
def unblock_bed(
    unit_id: UUID, bed: str, admin: AdminService, user: CurrentAdmin, now: Now
) -> UnitView:
    return admin.unblock_bed(user, unit_id, bed, now)


@router.get("/checklists")
def read_checklists(admin: AdminService, user: CurrentAdmin) -> ChecklistsOut:
    version, catalog = admin.checklists(user)
    return ChecklistsOut.of(version, catalog, admin.checklist_versions(user))


@router.put("/checklists")
def write_checklists(
    body: ChecklistsIn, admin: AdminService, user: CurrentAdmin, now: Now
) -> ChecklistsOut:
    """Put new templates in force for tasks opened from now on; 422 names the line and
    field of an error, 409 if someone wrote a newer version since `based_on`."""
    version, catalog = admin.write_checklists(user, body.text, body.based_on, now)
    return ChecklistsOut.of(version, catalog, admin.checklist_versions(user))


@router.get("/daily-rates")
def read_daily_rates(admin: AdminService, user: CurrentAdmin) -> list[DailyRateOut]:
    """The rate of a hospital waiting day per year, newest first: the national rates and
    those the municipality has set."""
    return [DailyRateOut(**vars(rate)) for rate in admin.daily_rates(user)]


@router.put("/daily-rates/{year}")
def write_daily_rate(
    year: Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)],
    body: DailyRateIn,
    admin: AdminService,
    user: CurrentAdmin,
    now: Now,
) -> list[DailyRateOut]:
    """Set the year's rate for the municipality: every board's cost and the leaders'
    figures count with it from now on."""
    admin.write_daily_rate(user, year, body.rate, now)
    return read_daily_rates(admin, user)


@router.get("/devices")
def list_devices(admin: AdminService, user: CurrentAdmin) -> list[DeviceOut]:
    return [DeviceOut.of(d) for d in admin.device_list(user)]


@router.post("/devices", status_code=201)
def issue_device(
    request: Request, body: DeviceIn, admin: AdminService, user: CurrentAdmin, now: Now
) -> NewDevice:
    device, token = admin.issue_device(user, body.unit_id, body.name, now)
    return NewDevice(device=DeviceOut.of(device), token=token, url=device_url(request, token))


@router.post("/devices/{device_id}/revocation")
def revoke_device(device_id: UUID, admin: AdminService, user: CurrentAdmin, now: Now) -> DeviceOut:
    return DeviceOut.of(admin.revoke_device(user, device_id, now))


@router.get("/audit")
def audit_log(
    admin: AdminService,
    user: CurrentAdmin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    return [AuditOut.of(e) for e in admin.audit_log(user, limit)]


def _refuse_other_methods(path: str, allowed: tuple[str, ...]) -> None:
    """Two routes share the path; without this a 405 would name only the first one's
    method in `Allow`."""

    def refuse() -> JSONResponse:
        headers = {"Allow": ", ".join(allowed)}
        return JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers=headers)

    others = [m for m in ("DELETE", "OPTIONS", "PATCH", "POST", "PUT", "TRACE") if m not in allowed]
    router.add_api_route(path, refuse, methods=others, include_in_schema=False)


for _path in ("/users", "/devices"):
    _refuse_other_methods(_path, ("GET", "POST"))
_refuse_other_methods("/checklists", ("GET", "PUT"))
