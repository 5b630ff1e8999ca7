"""The leaders' review of access over the API: the grants that wait, and those given and
declined in the last 90 days; approve one, or decline it with a reason."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from boards.services import access_grants
from boards.web.dependencies import CurrentSystem, CurrentUser, Now
from boards.web.grant_schemas import GrantOut, RefusalIn
from boards.web.schemas import Problem

router = APIRouter(
    prefix="/access-grants",
    tags=["tilganger"],
    responses={
        401: {"model": Problem, "description": "Ikke innlogget"},
        403: {"model": Problem, "description": "Bare for ledere, og ikke egen tilgang"},
        404: {"model": Problem, "description": "Finnes ikke i kommunen"},
        409: {"model": Problem, "description": "Allerede avgjort"},
        422: {"description": "Ugyldig forespørsel"},
    },
)


@router.get("")
def grants(system: CurrentSystem, user: CurrentUser, now: Now) -> list[GrantOut]:
    """Every grant that waits for a leader, oldest first, then those given and declined in
    the last 90 days, newest first."""
    return [GrantOut.of(row) for row in access_grants.grant_rows(system, user, now)]


@router.post("/{grant_id}/approval")
def approve(grant_id: UUID, system: CurrentSystem, user: CurrentUser, now: Now) -> GrantOut:
    """The role and places asked for are in force from now; never one's own (403), and a
    grant is decided once (409)."""
    access_grants.check_leader(user)
    return GrantOut.of(access_grants.approve(system, user, grant_id, now))


@router.post("/{grant_id}/refusal")
def decline(
    grant_id: UUID, body: RefusalIn, system: CurrentSystem, user: CurrentUser, now: Now
) -> GrantOut:
    """Decline with a reason; the user's access in force stays as it was."""
    access_grants.check_leader(user)
    return GrantOut.of(access_grants.decline(system, user, grant_id, body.reason, now))
