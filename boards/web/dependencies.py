"""What every route needs: the application, the acting user, the clock, If-Match, and a
stream's Last-Event-ID."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from access.access_log import Basis
from access.accounts import NO_ROLE, User
from access.policy import may_call, may_open_flows, viewer_of
from boards.services.flow_access import flow_basis
from boards.services.system import System
from boards.shapes import ascii_number
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.errors import NotAuthenticatedError, NotPermittedError, UnusableTextError
from flow.vocabulary import Command

_bearer = HTTPBearer(auto_error=False, description="Token fra `pasientflyt users token`.")


def get_system(request: Request) -> System:
    system: System = request.app.state.system
    return system


def get_flows(system: Annotated[System, Depends(get_system)]) -> Pasientflyt:
    return system.flows


def get_now(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


def get_user(
    request: Request,
    system: Annotated[System, Depends(get_system)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    user = system.accounts.user_for_token(credentials.credentials) if credentials else None
    if user is None:
        raise NotAuthenticatedError("not_authenticated")
    if not may_call(user.role, request.url.path):
        raise NotPermittedError("integration_only_messages")
    if user.role == NO_ROLE and system.grants.waiting_for(user.id) is not None:
        raise NotPermittedError("access_awaits_approval")
    if user.role == NO_ROLE:
        raise NotPermittedError("no_access_granted")
    return user


def get_actor(user: Annotated[User, Depends(get_user)]) -> Actor:
    return user.actor


def flow_access(command: Command | None) -> Callable[..., Basis | None]:
    """The check of a route under /flows/{flow_id}: may this user see the flow, and give
    `command` (None: a read)? Its answer is the basis a read logs its look with
    (`flow_basis`)."""

    def check(request: Request, system: CurrentSystem, user: CurrentUser, now: Now) -> Basis | None:
        try:
            flow_id = UUID(request.path_params["flow_id"])
        except ValueError:
            return None  # the route refuses it as malformed (422)
        system.projector.catch_up()
        return flow_basis(system, user, flow_id, now, command)

    return check


def check_may_open_flows(user: CurrentUser) -> None:
    if not may_open_flows(viewer_of(user)):
        raise NotPermittedError("only_allocation_opens")


def get_expected_version(
    if_match: Annotated[
        str | None,
        Header(description="Versjonen kommandoen bygger på; en eldre versjon gir 409."),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    version = ascii_number(if_match.strip().removeprefix("W/").strip('"'), 9)
    if version is None:
        raise UnusableTextError("if_match_not_a_version")
    return version


#: The most digits of a position in the log: a 64-bit integer has 19.
POSITION_DIGITS = 18


def get_last_event_id(
    last_event_id: Annotated[
        str | None,
        Header(
            description="Den siste hendelsen klienten fikk (`id:`); strømmen fortsetter etter den."
        ),
    ] = None,
) -> int | None:
    if last_event_id is None:
        return None
    position = ascii_number(last_event_id.strip(), POSITION_DIGITS)
    if position is None:
        raise UnusableTextError("last_event_id_not_a_position")
    return position


Flows = Annotated[Pasientflyt, Depends(get_flows)]
CurrentSystem = Annotated[System, Depends(get_system)]
CurrentUser = Annotated[User, Depends(get_user)]
Now = Annotated[datetime, Depends(get_now)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
FlowBasis = Annotated[Basis | None, Depends(flow_access(None))]
ExpectedVersion = Annotated[int | None, Depends(get_expected_version)]
LastEventId = Annotated[int | None, Depends(get_last_event_id)]
