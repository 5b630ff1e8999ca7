"""Administration over JSON: units, zones, beds, users, display devices and the audit log.

Only an admin may call these, on its own municipality; the shapes are
`boards/web/admin_schemas.py`, shared with the admin pages, which parse their forms into them.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from access.accounts import User
from access.daily_rates import FIRST_YEAR, LAST_YEAR
from boards.services.admin import Admin, admin_of
from boards.services.admin_users import check_admin
from boards.web.admin_schemas import (
    AuditOut,
    BlockIn,
    ChecklistsIn,
    ChecklistsOut,
    DailyRateIn,
    DailyRateOut,
    DeviceIn,
    DeviceOut,
    NewDevice,
    NewUser,
    UnitIn,
    UserChange,
    UserIn,
    UserOut,
    ZoneIn,
    device_url,
    setup_url,
)
from boards.web.dependencies import CurrentUser, Now
from boards.web.schemas import Problem
from flow.views import UnitView


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
    waiting = admin.waiting_grants(user)
    return [UserOut.of(a, waiting.get(a.user.id)) for a in admin.users(user)]


def _user_out(admin: Admin, user: User, user_id: UUID) -> UserOut:
    return UserOut.of(admin.user(user, user_id), admin.waiting_grants(user).get(user_id))


@router.post("/users", status_code=201)
def add_user(
    request: Request, body: UserIn, admin: AdminService, user: CurrentAdmin, now: Now
) -> NewUser:
    """A new user and the link where she sets her own password; a role that sees patients
    (or a leader's) is in force when a leader approves it (`waiting`)."""
    added, token = admin.add_user(
        user, body.username, body.display_name, body.role, body.unit_ids, now
    )
    return NewUser(user=_user_out(admin, user, added.id), setup_link=setup_url(request, token))


@router.post("/users/{user_id}/password-reset")
def reset_password(
    request: Request, user_id: UUID, admin: AdminService, user: CurrentAdmin, now: Now
) -> NewUser:
    """The password no longer opens the account; the new link lets its holder set one, and
    what the role opens of patient data waits for a leader's approval again."""
    account, token = admin.reset_password(user, user_id, now)
    return NewUser(
        user=_user_out(admin, user, account.user.id), setup_link=setup_url(request, token)
    )


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
    return _user_out(admin, user, account.user.id)


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
