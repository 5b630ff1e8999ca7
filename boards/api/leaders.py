"""What leaders and emergency access do over the API: a nurse opens one patient; a leader
reviews the uses, what one user looked at, and the figures — never a patient's identity."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from access.accounts import Role, User
from boards.api.exports import SPREADSHEET
from boards.exports import period
from boards.exports.figures import figures_download, figures_for
from boards.exports.spreadsheets import SheetFormat
from boards.services.emergency import REVIEWED_SHOWN, open_emergency_access, pseudonymous
from boards.shapes import Day, MonthOrDay
from boards.web.dependencies import CurrentSystem, CurrentUser, Now
from boards.web.schemas import (
    EmergencyAccessIn,
    EmergencyGrantOut,
    EmergencyUseOut,
    Problem,
    ReviewIn,
    UserLookOut,
)
from boards.web.translations import language_of
from flow.errors import NotFoundError, NotPermittedError
from projections.figures.report import Figures

router = APIRouter(
    tags=["nødtilgang"],
    responses={
        401: {"model": Problem, "description": "Ikke innlogget"},
        403: {"model": Problem, "description": "Ikke for din rolle"},
        404: {"model": Problem, "description": "Finnes ikke i kommunen"},
        409: {"model": Problem, "description": "Ikke tillatt nå"},
        422: {"description": "Ugyldig forespørsel"},
    },
)


def _leader(user: User) -> None:
    if user.role != Role.LEADER:
        raise NotPermittedError("leaders_only_access")


@router.get("/emergency-access")
def my_access(system: CurrentSystem, user: CurrentUser, now: Now) -> list[EmergencyGrantOut]:
    """The user's own emergency accesses that hold now."""
    return [EmergencyGrantOut.of(g) for g in system.emergency.of_user(user, now)]


@router.post("/emergency-access", status_code=201)
def open_access(
    body: EmergencyAccessIn, system: CurrentSystem, user: CurrentUser, now: Now
) -> EmergencyGrantOut:
    """Open one patient outside the care rule, for a while (the setting
    `emergency_access_lasts`, 4 hours by default). It shows the patient's flow and history
    (`GET /flows/{id}`), gives no command, and waits on the leaders' review list."""
    grant = open_emergency_access(system, user, body.national_id, body.reason, body.note, now)
    return EmergencyGrantOut.of(grant)


@router.get("/emergency-access/uses")
def uses(system: CurrentSystem, user: CurrentUser, now: Now) -> list[EmergencyUseOut]:
    """The leaders' review list: every use not yet reviewed, and those of the last 30 days."""
    _leader(user)
    since = now - REVIEWED_SHOWN
    return [
        EmergencyUseOut.of(g, now) for g in system.emergency.to_review(user.municipality_id, since)
    ]


@router.post("/emergency-access/{grant_id}/review")
def review(
    grant_id: UUID, body: ReviewIn, system: CurrentSystem, user: CurrentUser, now: Now
) -> EmergencyUseOut:
    """Mark one use reviewed, with the leader's comment; a use is reviewed once (409)."""
    _leader(user)
    return EmergencyUseOut.of(system.emergency.review(user, grant_id, body.comment, now), now)


@router.get("/figures", tags=["tall for ledere"])
def figures(
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
    start: Annotated[MonthOrDay | None, Query(alias="from")] = None,
    end: Annotated[MonthOrDay | None, Query(alias="to")] = None,
) -> Figures:
    """The leaders' figures over whole calendar months, `from`'s to `to`'s (YYYY-MM; a date
    stands for its month), of which only the months that are over count (`months`; the last
    twelve over by default, at most twelve), per month and per unit, kind, task or zone.
    Whole months that are over, so that no two answers differ by a day or a patient: a
    month in progress grows every day. A count under 3 reads "<3", a value hidden so that a
    small count cannot be worked out reads ":"; never a patient."""
    _leader(user)
    return figures_for(system, user, start, end, now)


@router.get("/figures/export.{sheet_format}", response_class=Response, responses=SPREADSHEET)
def figures_export(
    sheet_format: SheetFormat,
    request: Request,
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
    start: Annotated[MonthOrDay | None, Query(alias="from")] = None,
    end: Annotated[MonthOrDay | None, Query(alias="to")] = None,
) -> Response:
    """The figures as CSV or XLSX, a sheet per figure and one of occupied beds per day."""
    _leader(user)
    return figures_download(system, user, start, end, sheet_format, language_of(request), now)


@router.get("/users/{user_id}/looks")
def looks_of_user(
    user_id: UUID,
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> list[UserLookOut]:
    """What one user of the municipality looked at over a period (days in Oslo, both
    included; the last 7 by default), oldest first. Each patient is a number within this
    answer; who it was, the allocation office's access log of the flow tells."""
    _leader(user)
    viewed = system.accounts.get(user_id)
    if viewed is None or viewed.municipality_id != user.municipality_id:
        raise NotFoundError("not_found", thing="user")
    first, after = period.moments(*period.days(start, end, now, default=7))
    found = system.access_log.of_user(user.municipality_id, user_id, first, after)
    return [
        UserLookOut(at=look.at, view=look.view, basis=look.basis.value, patient=look.patient)
        for look in pseudonymous(found)
    ]
