"""Flow reads and commands: parse, authorise, call the application, answer. A route for
each declared command (`boards/web/commands.py`), made by one loop."""

from __future__ import annotations

from datetime import datetime
from inspect import Parameter, Signature
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from access.accounts import Role
from boards.services.readers import named_looks
from boards.web.commands import FLOW_COMMANDS, FlowCommand
from boards.web.dependencies import (
    CurrentActor,
    CurrentSystem,
    CurrentUser,
    ExpectedVersion,
    FlowBasis,
    Flows,
    Now,
    check_may_open_flows,
    flow_access,
)
from boards.web.schemas import CommandResult, LookOut, OpenFlow, Problem
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.errors import NotPermittedError
from flow.views import FlowView, HistoryEntry

REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Ikke innlogget"},
    404: {"model": Problem, "description": "Forløpet finnes ikke"},
    409: {"model": Problem, "description": "Ikke tillatt i forløpets tilstand"},
    422: {"description": "Ugyldig forespørsel"},
}

router = APIRouter(
    tags=["forløp"],
    responses={**REFUSALS, 403: {"model": Problem, "description": "Ikke for din rolle"}},
)


@router.post("/flows", status_code=201, dependencies=[Depends(check_may_open_flows)])
def open_flow(body: OpenFlow, flows: Flows, by: CurrentActor, now: Now) -> CommandResult:
    flow_id = flows.open_flow(
        body.national_id, body.name, body.source, body.location, body.need, by=by, at=now
    )
    return CommandResult(id=flow_id, version=1)


@router.get("/flows/{flow_id}")
def read_flow(
    flow_id: UUID,
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
    basis: FlowBasis,
    response: Response,
) -> FlowView:
    view = system.flows.flow(flow_id, user.actor)
    system.access_log.record(user, [flow_id], "api/forløp", now, basis)
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.get("/flows/{flow_id}/history")
def read_history(
    flow_id: UUID, system: CurrentSystem, user: CurrentUser, now: Now, basis: FlowBasis
) -> list[HistoryEntry]:
    history = system.flows.history(flow_id, user.actor)
    system.access_log.record(user, [flow_id], "api/historikk", now, basis)
    return history


@router.get("/flows/{flow_id}/access-log")
def read_access_log(
    flow_id: UUID, system: CurrentSystem, user: CurrentUser, _: FlowBasis
) -> list[LookOut]:
    """Who saw the patient's identity (the reader's name and role beside the user id), when,
    through which view and on what basis; for the allocation office. Newest first, at most
    5,000."""
    if user.role != Role.ALLOCATION:
        raise NotPermittedError("access_log_for_allocation")
    system.flows.flow(flow_id, user.actor)  # 404 for a flow not of the municipality
    return [LookOut.of(named) for named in named_looks(system, user.municipality_id, flow_id)]


def add_command_route(router: APIRouter, declared: FlowCommand[Any]) -> None:
    """The route of a declared command: the flow (and any field of the body) from the path,
    the body from the JSON, If-Match the version it builds on, and the declared command's
    own access check."""

    def give(
        flow_id: UUID,
        body: Any,
        flows: Pasientflyt,
        by: Actor,
        now: datetime,
        v: int | None,
        **in_path: Any,
    ) -> CommandResult:
        if in_path:
            body = declared.body.model_validate(in_path)
        version = declared.run(flows, flow_id, body, by=by, at=now, expected_version=v)
        return CommandResult(id=flow_id, version=version)

    fields = declared.body.model_fields
    give.__signature__ = Signature(  # type: ignore[attr-defined]
        [
            Parameter("flow_id", Parameter.KEYWORD_ONLY, annotation=UUID),
            *(
                Parameter(name, Parameter.KEYWORD_ONLY, annotation=fields[name].annotation)
                for name in declared.path_fields
            ),
            Parameter("body", Parameter.KEYWORD_ONLY, annotation=declared.json_body),
            Parameter("flows", Parameter.KEYWORD_ONLY, annotation=Flows),
            Parameter("by", Parameter.KEYWORD_ONLY, annotation=CurrentActor),
            Parameter("now", Parameter.KEYWORD_ONLY, annotation=Now),
            Parameter("v", Parameter.KEYWORD_ONLY, annotation=ExpectedVersion),
        ],
        return_annotation=CommandResult,
    )
    router.add_api_route(
        f"/flows/{{flow_id}}/{declared.path}",
        give,
        methods=["POST"],
        name=declared.name,
        dependencies=[Depends(flow_access(declared.command))],
    )


for command in FLOW_COMMANDS:
    add_command_route(router, command)
