"""The admin's overview and the audit log of what admins have done."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from access.accounts import Account
from access.grants import CONSOLE
from boards.pages.admin.common import AdminService, page
from boards.services.admin import ACTION_TEXT
from boards.services.admin_users import check_admin
from boards.web.sessions import PageSession

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def overview(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    user = session.user
    check_admin(user)
    accounts = admin.users(user)
    context = {
        "places": admin.places(user),
        "accounts": accounts,
        "names": _names(accounts),
        "devices": admin.device_list(user),
        "entries": admin.audit_log(user, 10),
        "actions": ACTION_TEXT,
    }
    return page(request, session, "admin_overview.html", context)


@router.get("/admin/logg")
def audit_log(request: Request, session: PageSession, admin: AdminService) -> HTMLResponse:
    user = session.user
    entries = admin.audit_log(user, 500)
    context = {"entries": entries, "actions": ACTION_TEXT, "names": _names(admin.users(user))}
    return page(request, session, "admin_audit.html", context)


def _names(accounts: list[Account]) -> dict[UUID, str]:
    """Who did what in the audit log: a username, or the server's console."""
    return {CONSOLE: "serverens konsoll", **{a.user.id: a.user.username for a in accounts}}
