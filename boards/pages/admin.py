"""The admin pages under /admin.

Admin pages are plain forms with the session's CSRF token; a change redirects back to its
page, a refusal shows the page again with the reason. A secret (a new user's password, a
device's address) is shown once, in the answer to the form that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field, ValidationError

from access.accounts import Role, User
from access.daily_rates import FIRST_YEAR, HIGHEST_RATE, LAST_YEAR
from access.sessions import Session
from boards.api.admin import BlockIn, ChecklistsIn, DeviceIn, UnitIn, UserIn, ZoneIn, device_url
from boards.pages.common import ROLE_TEXT, CheckedSession, PageSession, refusal_of, render
from boards.services.admin import ACTION_TEXT, Admin, admin_of, check_admin
from boards.web.dependencies import get_now
from boards.web.schemas import Body, Name
from flow.errors import FlowError, NotFoundError
from flow.vocabulary import KIND_TEXT, UnitKind

ADMIN_LINKS = [
    ("/admin", "Oversikt"),
    ("/admin/enheter", "Enheter og soner"),
    ("/admin/brukere", "Brukere"),
    ("/admin/skjermer", "Skjermer"),
    ("/admin/innlogging", "Innlogging"),
    ("/admin/sjekklister", "Sjekklister"),
    ("/admin/dognpris", "Døgnpris"),
    ("/admin/logg", "Revisjonslogg"),
]
NO_STORE = {"Cache-Control": "no-store"}

router = APIRouter(include_in_schema=False)

AdminService = Annotated[Admin, Depends(admin_of)]


async def _form(request: Request) -> dict[str, Any]:
    """The form's fields, `unit_ids` as a list; empty fields and the CSRF token left out."""
    form = await request.form()
    fields: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
    fields["unit_ids"] = [u for u in form.getlist("unit_ids") if u != ""]
    return fields


Form = Annotated[dict[str, Any], Depends(_form)]


def _page(
    request: Request,
    session: Session,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "admin_links": ADMIN_LINKS,
        "current": request.url.path,
        "roles": ROLE_TEXT,
        "kinds": KIND_TEXT,
        **context,
    }
    return render(
        request, template, context, session=session, status_code=status_code, headers=headers
    )


def _attempt(
    request: Request,
    session: Session,
    change: Callable[[], Response],
    again: Callable[[], tuple[str, dict[str, Any]]],
) -> Response:
    """Make the change; if refused, show the page again with the sentence saying why."""
    try:
        return change()
    except (ValidationError, FlowError) as error:
        if isinstance(error, NotFoundError):
            raise
        message, status = refusal_of(request, error)
    template, context = again()
    return _page(request, session, template, {**context, "refusal": message}, status_code=status)


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


# -- overview, checklists, audit log ------------------------------------------------------


@router.get("/admin")
def overview(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    user = session.user
    check_admin(user)
    accounts = admin.users(user)
    context = {
        "places": admin.places(user),
        "accounts": accounts,
        "names": {a.user.id: a.user.username for a in accounts},
        "devices": admin.device_list(user),
        "entries": admin.audit_log(user, 10),
        "actions": ACTION_TEXT,
    }
    return _page(request, session, "admin_overview.html", context)


def _checklists(admin: Admin, user: User, **extra: Any) -> tuple[str, dict[str, Any]]:
    version, catalog = admin.checklists(user)
    accounts = admin.users(user)
    context = {
        "version": version,
        "catalog": catalog,
        "text": catalog.text,
        "versions": admin.checklist_versions(user),
        "names": {str(a.user.id): a.user.username for a in accounts},
    }
    return "admin_checklists.html", {**context, **extra}


@router.get("/admin/sjekklister")
def checklists(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    return _page(request, session, *_checklists(admin, session.user))


@router.post("/admin/sjekklister")
def write_checklists(
    request: Request, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = ChecklistsIn.model_validate({k: form.get(k) for k in ("text", "based_on")})
        admin.write_checklists(user, body.text, body.based_on, get_now(request))
        return _back("/admin/sjekklister")

    again = form.get("text", "")
    return _attempt(request, session, change, lambda: _checklists(admin, user, text=again))


def _daily_rates(admin: Admin, user: User, **extra: Any) -> tuple[str, dict[str, Any]]:
    accounts = admin.users(user)
    context = {
        "rates": admin.daily_rates(user),
        "names": {a.user.id: a.user.username for a in accounts},
    }
    return "admin_daily_rates.html", {**context, **extra}


@router.get("/admin/dognpris")
def daily_rates(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    return _page(request, session, *_daily_rates(admin, session.user))


class DailyRateForm(Body):
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    rate: int = Field(ge=1, le=HIGHEST_RATE)


@router.post("/admin/dognpris")
def write_daily_rate(
    request: Request, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = DailyRateForm.model_validate({k: form.get(k) for k in ("year", "rate")})
        admin.write_daily_rate(user, body.year, body.rate, get_now(request))
        return _back("/admin/dognpris")

    return _attempt(request, session, change, lambda: _daily_rates(admin, user, form=form))


@router.get("/admin/logg")
def audit_log(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    user = session.user
    entries = admin.audit_log(user, 500)
    names = {a.user.id: a.user.username for a in admin.users(user)}
    context = {"entries": entries, "actions": ACTION_TEXT, "names": names}
    return _page(request, session, "admin_audit.html", context)


# -- units, zones and beds ----------------------------------------------------------------


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
    return _page(request, session, *_units(admin, session.user))


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
        return _back(f"/admin/enheter/{unit.id}")

    return _attempt(request, session, change, lambda: _units(admin, user, form=form))


@router.post("/admin/soner")
def register_zone(
    request: Request, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = ZoneIn.model_validate({k: form.get(k) for k in ("code", "name")})
        admin.register_zone(user, body.code, body.name, get_now(request))
        return _back("/admin/enheter")

    return _attempt(request, session, change, lambda: _units(admin, user, zone_form=form))


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
    return _page(request, session, *_unit(admin, session.user, unit_id))


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
        return _back(f"/admin/enheter/{unit_id}")

    return _attempt(request, session, change, lambda: _unit(admin, user, unit_id))


@router.post("/admin/enheter/{unit_id}/senger/{bed}/oppheving")
def unblock_bed(
    request: Request, unit_id: UUID, bed: str, session: CheckedSession, admin: AdminService
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        admin.unblock_bed(user, unit_id, bed, get_now(request))
        return _back(f"/admin/enheter/{unit_id}")

    return _attempt(request, session, change, lambda: _unit(admin, user, unit_id))


# -- users --------------------------------------------------------------------------------


def _users(admin: Admin, user: User, **extra: Any) -> tuple[str, dict[str, Any]]:
    places = admin.places(user)
    context = {
        "accounts": admin.users(user),
        "places": places,
        "place_names": {p.id: p.name for p in places},
        "form": {},
    }
    return "admin_users.html", {**context, **extra}


@router.get("/admin/brukere")
def users_page(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    check_admin(session.user)
    return _page(request, session, *_users(admin, session.user))


@router.post("/admin/brukere")
def add_user(
    request: Request, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = UserIn.model_validate(form)
        added, password = admin.add_user(
            user, body.username, body.display_name, body.role, body.unit_ids, get_now(request)
        )
        template, context = _users(admin, user, added=added, password=password)
        return _page(request, session, template, context, headers=NO_STORE)

    return _attempt(request, session, change, lambda: _users(admin, user, form=form))


class UserForm(Body):
    display_name: Name
    role: Role
    unit_ids: list[UUID] = Field([], max_length=50)


def _user(admin: Admin, user: User, user_id: UUID) -> tuple[str, dict[str, Any]]:
    context = {"account": admin.user(user, user_id), "places": admin.places(user)}
    return "admin_user.html", context


@router.get("/admin/brukere/{user_id}")
def user_page(
    request: Request, user_id: UUID, session: PageSession, admin: AdminService
) -> HTMLResponse:
    check_admin(session.user)
    return _page(request, session, *_user(admin, session.user, user_id))


@router.post("/admin/brukere/{user_id}")
def change_user(
    request: Request, user_id: UUID, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = UserForm.model_validate(form)
        admin.change_user(
            user,
            user_id,
            get_now(request),
            role=body.role,
            unit_ids=body.unit_ids,
            display_name=body.display_name,
        )
        return _back(f"/admin/brukere/{user_id}")

    return _attempt(request, session, change, lambda: _user(admin, user, user_id))


@router.post("/admin/brukere/{user_id}/{state}")
def set_active(
    request: Request, user_id: UUID, state: str, session: CheckedSession, admin: AdminService
) -> Response:
    user = session.user
    check_admin(user)
    if state not in {"aktivering", "deaktivering"}:
        raise NotFoundError("not_found", thing="page")

    def change() -> Response:
        admin.set_active(user, user_id, state == "aktivering", get_now(request))
        return _back(f"/admin/brukere/{user_id}")

    return _attempt(request, session, change, lambda: _user(admin, user, user_id))


# -- display devices ----------------------------------------------------------------------


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
    return _page(request, session, *_devices(admin, session.user))


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
        return _page(request, session, template, context, headers=NO_STORE)

    return _attempt(request, session, change, lambda: _devices(admin, user, form=form))


@router.post("/admin/skjermer/{device_id}/tilbakekalling")
def revoke_device(
    request: Request, device_id: UUID, session: CheckedSession, admin: AdminService
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        admin.revoke_device(user, device_id, get_now(request))
        return _back("/admin/skjermer")

    return _attempt(request, session, change, lambda: _devices(admin, user))


# -- roles from the identity provider's claims --------------------------------------------


def _mappings(admin: Admin, user: User, **extra: Any) -> tuple[str, dict[str, Any]]:
    places = admin.places(user)
    context = {"mappings": admin.role_mappings(user), "places": places, "form": {}}
    return "admin_login.html", {**context, **extra}


@router.get("/admin/innlogging")
def mappings_page(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    check_admin(session.user)
    return _page(request, session, *_mappings(admin, session.user))


class MappingForm(Body):
    claim: str = Field(min_length=1, max_length=200)
    value: str = Field(min_length=1, max_length=200)
    role: Role
    unit_codes: list[str] = Field(default_factory=list, max_length=50)


@router.post("/admin/innlogging")
async def add_mapping(request: Request, session: CheckedSession, admin: AdminService) -> Response:
    user = session.user
    check_admin(user)
    form = await request.form()
    fields = {k: form.get(k) for k in ("claim", "value", "role")}
    codes = [str(code) for code in form.getlist("unit_codes") if code]

    def change() -> Response:
        body = MappingForm.model_validate({**fields, "unit_codes": codes})
        admin.map_role(user, body.claim, body.value, body.role, body.unit_codes, get_now(request))
        return _back("/admin/innlogging")

    return _attempt(request, session, change, lambda: _mappings(admin, user, form=fields))


@router.post("/admin/innlogging/{mapping_id}/fjerning")
def remove_mapping(
    request: Request, mapping_id: UUID, session: CheckedSession, admin: AdminService
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        admin.unmap_role(user, mapping_id, get_now(request))
        return _back("/admin/innlogging")

    return _attempt(request, session, change, lambda: _mappings(admin, user))
