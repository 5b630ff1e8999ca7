"""The municipality's units, home care zones and beds, and the wall displays that show them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from access.accounts import User
from boards.pages.admin.common import NO_STORE, AdminService, Form, attempt, back, page
from boards.services.admin import Admin
from boards.services.admin_users import check_admin
from boards.web.admin_schemas import BlockIn, DeviceIn, UnitIn, ZoneIn, device_url
from boards.web.dependencies import get_now
from boards.web.schemas import Body
from boards.web.sessions import CheckedSession, PageSession
from flow.vocabulary import UnitKind

router = APIRouter(include_in_schema=False)


class UnitForm(Body):
    code: str
    name: str
    kind: str
    bed_count: int = Field(ge=1, le=60)


def _units(admin: Admin, user: User, **extra: Any) -> tuple[str, dict[str, Any]]:
    places = admin.places(user)
    units = [p for p in places if p.kind != UnitKind.HOME_CARE_ZONE]
    zones = [p for p in places if p.kind == UnitKind.HOME_CARE_ZONE]
    return "admin_units.html", {"units": units, "zones": zones, "form": {}, **extra}


@router.get("/admin/enheter")
def units_page(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    check_admin(session.user)
    return page(request, session, *_units(admin, session.user))


@router.post("/admin/enheter")
def register_unit(
    request: Request, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        fields = UnitForm.model_validate({k: v for k, v in form.items() if k != "unit_ids"})
        body = UnitIn.model_validate(
            {
                "code": fields.code,
                "name": fields.name,
                "kind": fields.kind,
                "beds": [str(n) for n in range(1, fields.bed_count + 1)],
            }
        )
        unit = admin.register_unit(
            user, body.code, body.name, body.kind, body.beds, get_now(request)
        )
        return back(f"/admin/enheter/{unit.id}")

    return attempt(request, session, change, lambda: _units(admin, user, form=form))


@router.post("/admin/soner")
def register_zone(
    request: Request, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = ZoneIn.model_validate({k: form.get(k) for k in ("code", "name")})
        admin.register_zone(user, body.code, body.name, get_now(request))
        return back("/admin/enheter")

    return attempt(request, session, change, lambda: _units(admin, user, zone_form=form))


def _unit(admin: Admin, user: User, unit_id: UUID) -> tuple[str, dict[str, Any]]:
    context = {
        "unit": admin.place(user, unit_id),
        "reasons": admin.blocked_reasons(user, unit_id),
    }
    return "admin_unit.html", context


@router.get("/admin/enheter/{unit_id}")
def unit_page(
    request: Request, unit_id: UUID, session: PageSession, admin: AdminService
) -> HTMLResponse:
    check_admin(session.user)
    return page(request, session, *_unit(admin, session.user, unit_id))


@router.post("/admin/enheter/{unit_id}/senger/{bed}/sperring")
def block_bed(
    request: Request,
    unit_id: UUID,
    bed: str,
    session: CheckedSession,
    admin: AdminService,
    form: Form,
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = BlockIn.model_validate({"reason": form.get("reason")})
        admin.block_bed(user, unit_id, bed, body.reason, get_now(request))
        return back(f"/admin/enheter/{unit_id}")

    return attempt(request, session, change, lambda: _unit(admin, user, unit_id))


@router.post("/admin/enheter/{unit_id}/senger/{bed}/oppheving")
def unblock_bed(
    request: Request, unit_id: UUID, bed: str, session: CheckedSession, admin: AdminService
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        admin.unblock_bed(user, unit_id, bed, get_now(request))
        return back(f"/admin/enheter/{unit_id}")

    return attempt(request, session, change, lambda: _unit(admin, user, unit_id))


def _devices(admin: Admin, user: User, **extra: Any) -> tuple[str, dict[str, Any]]:
    places = admin.places(user)
    context = {
        "devices": admin.device_list(user),
        "places": places,
        "place_names": {p.id: p.name for p in places},
        "form": {},
    }
    return "admin_devices.html", {**context, **extra}


@router.get("/admin/skjermer")
def devices_page(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    check_admin(session.user)
    return page(request, session, *_devices(admin, session.user))


@router.post("/admin/skjermer")
def issue_device(
    request: Request, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = DeviceIn.model_validate({k: form.get(k) for k in ("name", "unit_id")})
        device, token = admin.issue_device(user, body.unit_id, body.name, get_now(request))
        url = device_url(request, token)
        template, context = _devices(admin, user, issued=device, url=url)
        return page(request, session, template, context, headers=NO_STORE)

    return attempt(request, session, change, lambda: _devices(admin, user, form=form))


@router.post("/admin/skjermer/{device_id}/tilbakekalling")
def revoke_device(
    request: Request, device_id: UUID, session: CheckedSession, admin: AdminService
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        admin.revoke_device(user, device_id, get_now(request))
        return back("/admin/skjermer")

    return attempt(request, session, change, lambda: _devices(admin, user))
