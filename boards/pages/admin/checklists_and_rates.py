"""The municipality's checklists and daily rates, which the flows copy when they use them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from access.accounts import User
from access.daily_rates import FIRST_YEAR, HIGHEST_RATE, LAST_YEAR
from boards.pages.admin.common import AdminService, Form, attempt, back, page
from boards.services.admin import Admin
from boards.services.admin_users import check_admin
from boards.web.admin_schemas import ChecklistsIn
from boards.web.dependencies import get_now
from boards.web.schemas import Body
from boards.web.sessions import CheckedSession, PageSession

router = APIRouter(include_in_schema=False)


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
    return page(request, session, *_checklists(admin, session.user))


@router.post("/admin/sjekklister")
def write_checklists(
    request: Request, session: CheckedSession, admin: AdminService, form: Form
) -> Response:
    user = session.user
    check_admin(user)

    def change() -> Response:
        body = ChecklistsIn.model_validate({k: form.get(k) for k in ("text", "based_on")})
        admin.write_checklists(user, body.text, body.based_on, get_now(request))
        return back("/admin/sjekklister")

    again = form.get("text", "")
    return attempt(request, session, change, lambda: _checklists(admin, user, text=again))


def _daily_rates(admin: Admin, user: User, **extra: Any) -> tuple[str, dict[str, Any]]:
    accounts = admin.users(user)
    context = {
        "rates": admin.daily_rates(user),
        "names": {a.user.id: a.user.username for a in accounts},
    }
    return "admin_daily_rates.html", {**context, **extra}


@router.get("/admin/dognpris")
def daily_rates(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    return page(request, session, *_daily_rates(admin, session.user))


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
        return back("/admin/dognpris")

    return attempt(request, session, change, lambda: _daily_rates(admin, user, form=form))
