"""The users, and the roles the identity provider's claims give those who log in through it."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from access.accounts import NO_ROLE, Role, User
from boards.pages.admin.common import NO_STORE, AdminService, Form, attempt, back, page
from boards.pages.common import form_fields
from boards.services.admin import Admin
from boards.services.admin_users import check_admin
from boards.shapes import Name
from boards.web.admin_schemas import UserIn, setup_url
from boards.web.dependencies import get_now
from boards.web.schemas import Body
from boards.web.sessions import CheckedSession, PageSession
from flow.errors import NotFoundError

router = APIRouter(include_in_schema=False)


def _users(admin: Admin, user: User, **extra: Any) -> tuple[str, dict[str, Any]]:
    places = admin.places(user)
    context = {
        "accounts": admin.users(user),
        "waiting": admin.waiting_grants(user),
        "places": places,
        "place_names": {p.id: p.name for p in places},
        "form": {},
    }
    return "admin_users.html", {**context, **extra}


@router.get("/admin/brukere")
def users_page(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    check_admin(session.user)
    return page(request, session, *_users(admin, session.user))


@router.post("/admin/brukere")
def add_user(
    request: Request, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = UserIn.model_validate(form)
        added, token = admin.add_user(
            user, body.username, body.display_name, body.role, body.unit_ids, get_now(request)
        )
        link = setup_url(request, token)
        template, context = _users(admin, user, added=added, setup_link=link)
        return page(request, session, template, context, headers=NO_STORE)

    return attempt(request, session, change, lambda: _users(admin, user, form=form))


class UserForm(Body):
    display_name: Name
    role: Role
    unit_ids: list[UUID] = Field([], max_length=50)


def _user(admin: Admin, user: User, user_id: UUID, **extra: Any) -> tuple[str, dict[str, Any]]:
    places = admin.places(user)
    context = {
        "account": admin.user(user, user_id),
        "waiting": admin.waiting_grants(user).get(user_id),
        "places": places,
        "place_names": {p.id: p.name for p in places},
        "no_role": NO_ROLE,
        **extra,
    }
    return "admin_user.html", context


@router.get("/admin/brukere/{user_id}")
def user_page(
    request: Request, user_id: UUID, session: PageSession, admin: AdminService
) -> HTMLResponse:
    check_admin(session.user)
    return page(request, session, *_user(admin, session.user, user_id))


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
        return back(f"/admin/brukere/{user_id}")

    return attempt(request, session, change, lambda: _user(admin, user, user_id))


@router.post("/admin/brukere/{user_id}/nytt-passord")
def reset_password(
    request: Request, user_id: UUID, session: CheckedSession, admin: AdminService
) -> Response:
    """A new setup link, shown once; the old password no longer opens the account."""
    user = session.user
    check_admin(user)

    def change() -> Response:
        _, token = admin.reset_password(user, user_id, get_now(request))
        link = setup_url(request, token)
        template, context = _user(admin, user, user_id, setup_link=link)
        return page(request, session, template, context, headers=NO_STORE)

    return attempt(request, session, change, lambda: _user(admin, user, user_id))


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
        return back(f"/admin/brukere/{user_id}")

    return attempt(request, session, change, lambda: _user(admin, user, user_id))


def _mappings(admin: Admin, user: User, **extra: Any) -> tuple[str, dict[str, Any]]:
    places = admin.places(user)
    context = {"mappings": admin.role_mappings(user), "places": places, "form": {}}
    return "admin_login.html", {**context, **extra}


@router.get("/admin/innlogging")
def mappings_page(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    check_admin(session.user)
    return page(request, session, *_mappings(admin, session.user))


class MappingForm(Body):
    claim: str = Field(min_length=1, max_length=200)
    value: str = Field(min_length=1, max_length=200)
    role: Role
    unit_codes: list[str] = Field(default_factory=list, max_length=50)


#: The login mapping's form: `unit_codes`, the units its role is for, is a list.
MappingFields = Annotated[dict[str, Any], Depends(form_fields("unit_codes"))]


@router.post("/admin/innlogging")
def add_mapping(
    request: Request, session: CheckedSession, admin: AdminService, form: MappingFields
) -> Response:
    user = session.user
    check_admin(user)
    fields = {k: form.get(k, "") for k in ("claim", "value", "role")}

    def change() -> Response:
        body = MappingForm.model_validate(form)
        admin.map_role(user, body.claim, body.value, body.role, body.unit_codes, get_now(request))
        return back("/admin/innlogging")

    return attempt(request, session, change, lambda: _mappings(admin, user, form=fields))


@router.post("/admin/innlogging/{mapping_id}/fjerning")
def remove_mapping(
    request: Request, mapping_id: UUID, session: CheckedSession, admin: AdminService
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        admin.unmap_role(user, mapping_id, get_now(request))
        return back("/admin/innlogging")

    return attempt(request, session, change, lambda: _mappings(admin, user))
