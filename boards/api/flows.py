"""Flow commands and reads: parse, authorise, call the application, answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from access.accounts import Role
from boards.web.commands import Call, execute
from boards.web.dependencies import (
    CurrentActor,
    CurrentSystem,
    CurrentUser,
    ExpectedVersion,
    FlowBasis,
    Flows,
    Now,
    check_flow_access,
)
from boards.web.schemas import (
    Admission,
    Closing,
    CommandResult,
    DecisionIn,
    DischargePlanIn,
    Empty,
    HospitalAnswer,
    LookOut,
    Move,
    OpenFlow,
    Problem,
    Readmission,
    ReadyForDischarge,
    Reason,
    Reservation,
    SafetyFlagIn,
    WaitReasonIn,
)
from flow.errors import NotPermittedError
from flow.views import FlowView, HistoryEntry
from flow.vocabulary import Command, SafetyFlag

REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Ikke innlogget"},
    404: {"model": Problem, "description": "Forløpet finnes ikke"},
    409: {"model": Problem, "description": "Ikke tillatt i forløpets tilstand"},
    422: {"description": "Ugyldig forespørsel"},
}

router = APIRouter(
    tags=["forløp"],
    responses={**REFUSALS, 403: {"model": Problem, "description": "Ikke for din rolle"}},
    dependencies=[Depends(check_flow_access)],
)


@router.post("/flows", status_code=201)
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
def read_access_log(flow_id: UUID, system: CurrentSystem, user: CurrentUser) -> list[LookOut]:
    """Who saw the patient's identity, when, through which view and on what basis; for
    the allocation office. Newest first, at most 5,000."""
    if user.role != Role.ALLOCATION:
        raise NotPermittedError("access_log_for_allocation")
    system.flows.flow(flow_id, user.actor)  # 404 for a flow not of the municipality
    return [LookOut.of(look) for look in system.access_log.of_flow(user.municipality_id, flow_id)]


@router.post("/flows/{flow_id}/admission")
def notify_admission(
    flow_id: UUID, body: Admission, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.ADMIT, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/ready-for-discharge")
def notify_ready_for_discharge(
    flow_id: UUID,
    body: ReadyForDischarge,
    flows: Flows,
    by: CurrentActor,
    now: Now,
    v: ExpectedVersion,
) -> CommandResult:
    return execute(Command.NOTIFY_READY, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/ready-for-discharge/withdrawal")
def withdraw_ready_for_discharge(
    flow_id: UUID, body: Reason, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.WITHDRAW_READY, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/hospital-answer")
def answer_hospital(
    flow_id: UUID,
    body: HospitalAnswer,
    flows: Flows,
    by: CurrentActor,
    now: Now,
    v: ExpectedVersion,
) -> CommandResult:
    return execute(Command.ANSWER_HOSPITAL, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/wait-reason")
def record_wait_reason(
    flow_id: UUID, body: WaitReasonIn, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.RECORD_WAIT_REASON, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/decision")
def decide_service(
    flow_id: UUID, body: DecisionIn, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.DECIDE, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/reservation")
def reserve_bed(
    flow_id: UUID, body: Reservation, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.RESERVE_BED, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/reservation/cancellation")
def cancel_reservation(
    flow_id: UUID, body: Reason, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.CANCEL_RESERVATION, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/arrival")
def arrive(
    flow_id: UUID, body: Empty, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.ARRIVE, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/move")
def move(
    flow_id: UUID, body: Move, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.MOVE, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/discharge-plan")
def plan_discharge(
    flow_id: UUID,
    body: DischargePlanIn,
    flows: Flows,
    by: CurrentActor,
    now: Now,
    v: ExpectedVersion,
) -> CommandResult:
    return execute(Command.PLAN_DISCHARGE, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/discharge")
def discharge(
    flow_id: UUID, body: Empty, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.DISCHARGE, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/home-care-start")
def start_home_care(
    flow_id: UUID, body: Empty, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.START_HOME_CARE, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/readmission")
def readmit(
    flow_id: UUID, body: Readmission, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.READMIT, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/safety-flags")
def raise_safety_flag(
    flow_id: UUID, body: SafetyFlagIn, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.RAISE_FLAG, Call(flows, flow_id, by, now, v), body)


@router.post("/flows/{flow_id}/safety-flags/{flag}/clearing")
def clear_safety_flag(
    flow_id: UUID,
    flag: SafetyFlag,
    body: Empty,
    flows: Flows,
    by: CurrentActor,
    now: Now,
    v: ExpectedVersion,
) -> CommandResult:
    call = Call(flows, flow_id, by, now, v)
    return execute(Command.CLEAR_FLAG, call, SafetyFlagIn(flag=flag))


@router.post("/flows/{flow_id}/closing")
def close_flow(
    flow_id: UUID, body: Closing, flows: Flows, by: CurrentActor, now: Now, v: ExpectedVersion
) -> CommandResult:
    return execute(Command.CLOSE, Call(flows, flow_id, by, now, v), body)
