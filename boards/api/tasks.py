"""Closing the loops: the owner completes a task, the receiver acknowledges or rejects it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter

from access.accounts import User
from access.policy import viewer_of
from boards.api.flows import REFUSALS
from boards.services.flow_access import authorise_flow
from boards.services.looks import looks_logged
from boards.services.system import System
from boards.services.task_lists import viewer_tasks
from boards.web.dependencies import CurrentSystem, CurrentUser, ExpectedVersion, Now
from boards.web.schemas import CommandResult, Completion, Empty, Problem, Rejection
from flow.errors import NotFoundError
from projections.task_list import flow_of_task
from projections.task_lists import TaskLists

router = APIRouter(
    tags=["oppgaver"],
    responses={**REFUSALS, 403: {"model": Problem, "description": "Ikke din oppgave"}},
)


def _flow_of(system: System, task_id: UUID, user: User, now: datetime) -> UUID:
    """The task's flow, if the user may see it: a task of a flow it may not see does not
    exist for it."""
    system.projector.catch_up()
    flow_id = flow_of_task(system.engine, task_id, user.municipality_id)
    if flow_id is None:
        raise NotFoundError("not_found", thing="task")
    try:
        authorise_flow(system, viewer_of(user), flow_id, now)
    except NotFoundError:
        raise NotFoundError("not_found", thing="task") from None
    return flow_id


@router.post("/tasks/{task_id}/completion")
def complete_task(
    task_id: UUID,
    body: Completion,
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
    v: ExpectedVersion,
) -> CommandResult:
    flow_id = _flow_of(system, task_id, user, now)
    version = system.flows.complete_task(
        flow_id,
        task_id,
        body.note,
        by=user.actor,
        member_of=user.unit_ids,
        at=now,
        expected_version=v,
    )
    return CommandResult(id=flow_id, version=version)


@router.post("/tasks/{task_id}/acknowledgement")
def acknowledge_task(
    task_id: UUID,
    body: Empty,
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
    v: ExpectedVersion,
) -> CommandResult:
    flow_id = _flow_of(system, task_id, user, now)
    version = system.flows.acknowledge_task(
        flow_id, task_id, by=user.actor, member_of=user.unit_ids, at=now, expected_version=v
    )
    return CommandResult(id=flow_id, version=version)


@router.post("/tasks/{task_id}/rejection")
def reject_task(
    task_id: UUID,
    body: Rejection,
    system: CurrentSystem,
    user: CurrentUser,
    now: Now,
    v: ExpectedVersion,
) -> CommandResult:
    flow_id = _flow_of(system, task_id, user, now)
    version = system.flows.reject_task(
        flow_id,
        task_id,
        body.reason,
        by=user.actor,
        member_of=user.unit_ids,
        at=now,
        expected_version=v,
    )
    return CommandResult(id=flow_id, version=version)


@router.get("/tasks")
def task_lists(system: CurrentSystem, user: CurrentUser, now: Now) -> TaskLists:
    """The viewer's tasks: to do (owned by its office, units or zones), to confirm (done by
    their owners, received by it) and waiting for others (done by it, not yet confirmed);
    each with the actions the viewer may take."""
    lists = viewer_tasks(system, viewer_of(user), now)
    with looks_logged(system, user, lists, "api/oppgaver", now):
        return lists
