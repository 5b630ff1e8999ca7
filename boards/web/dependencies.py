"""What every route needs: the application, the acting user, the clock, If-Match."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from access.access_log import Basis
from access.accounts import User
from access.policy import Viewer, may_call, may_command, may_open_flows, may_see, viewer_of
from boards.services.system import System
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.errors import (
    NotAuthenticatedError,
    NotFoundError,
    NotPermittedError,
    UnusableTextError,
)
from flow.vocabulary import Command
from projections.care_relations import care_relations

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
    return user


def get_actor(user: Annotated[User, Depends(get_user)]) -> Actor:
    return user.actor


def check_flow_access(
    request: Request,
    system: Annotated[System, Depends(get_system)],
    user: Annotated[User, Depends(get_user)],
    now: Annotated[datetime, Depends(get_now)],
) -> Basis | None:
    """For every route under /flows: may this user see the flow, and give the command?
    The command is the route's path after the flow id (see `Command`). Its answer is the
    basis a read logs its look with (`flow_basis`)."""
    route = request.scope["route"].path
    command = route.split("{flow_id}", 1)[-1].strip("/").replace("{flag}/", "")
    flow_id = request.path_params.get("flow_id")
    viewer = viewer_of(user)
    if flow_id is None:
        if request.method == "POST" and not may_open_flows(viewer):
            raise NotPermittedError("only_allocation_opens")
        return None
    try:
        UUID(flow_id)
    except ValueError:
        return None  # the route refuses it as malformed (422)
    system.projector.catch_up()
    return flow_basis(
        system, user, UUID(flow_id), now, Command(command) if request.method == "POST" else None
    )


def flow_basis(
    system: System, user: User, flow_id: UUID, now: datetime, command: Command | None = None
) -> Basis | None:
    """Why the user may see the flow: None for the role's own rule (`basis_of`), or
    `EMERGENCY` for an emergency access of the user's that holds now. Emergency access
    shows the patient; it gives no command (403)."""
    try:
        authorise_flow(system, viewer_of(user), flow_id, now, command)
    except NotFoundError:
        if system.emergency.active(user, flow_id, now) is None:
            raise
        if command is not None:
            raise NotPermittedError("emergency_access_read_only") from None
        return Basis.EMERGENCY
    return None


def authorise_flow(
    system: System, viewer: Viewer, flow_id: UUID, now: datetime, command: Command | None = None
) -> None:
    """A flow the viewer may not see does not exist for it (404); a command its role may not
    give is refused (403). The read models must have caught up."""
    with system.engine.connect() as db:
        relations = care_relations(db, [flow_id]).get(flow_id)
    if relations is None or not may_see(viewer, relations, now):
        raise NotFoundError("not_found", thing="flow")
    if command is not None and not may_command(viewer, command, relations, now):
        raise NotPermittedError("command_not_for_role", command=command.value)


def get_expected_version(
    if_match: Annotated[
        str | None,
        Header(description="Versjonen kommandoen bygger på; en eldre versjon gir 409."),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise UnusableTextError("if_match_not_a_version")
    return int(value)


Flows = Annotated[Pasientflyt, Depends(get_flows)]
CurrentSystem = Annotated[System, Depends(get_system)]
CurrentUser = Annotated[User, Depends(get_user)]
Now = Annotated[datetime, Depends(get_now)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
FlowBasis = Annotated[Basis | None, Depends(check_flow_access)]
ExpectedVersion = Annotated[int | None, Depends(get_expected_version)]
