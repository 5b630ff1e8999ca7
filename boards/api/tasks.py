"""Closing the loops: the owner completes a task, the receiver acknowledges or rejects it."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from boards.api.flows import REFUSALS
from boards.api.schemas import CommandResult, Completion, Empty, Problem, Rejection
from boards.dependencies import CurrentSystem, CurrentUser, ExpectedVersion, Now
from boards.system import System
from flow.errors import NotFoundError
from projections.task_list import flow_of_task

router = APIRouter(
    tags=["oppgaver"],
    responses={**REFUSALS, 403: {"model": Problem, "description": "Ikke din oppgave"}},
)


def _flow_of(system: System, task_id: UUID, municipality_id: UUID) -> UUID:
    system.projector.catch_up()
    flow_id = flow_of_task(system.engine, task_id, municipality_id)
    if flow_id is None:
        raise NotFoundError("Oppgaven finnes ikke.")
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
    flow_id = _flow_of(system, task_id, user.municipality_id)
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
    flow_id = _flow_of(system, task_id, user.municipality_id)
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
    flow_id = _flow_of(system, task_id, user.municipality_id)
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
