"""Hospital messages: `POST /api/v1/hospital-messages` for a hospital's integration user, and
`GET /api/v1/hospital-messages?status=attention`, the allocation office's follow-up list.

Every PLO message is answered with KITH's application receipt (AppRec v1.0,
`boards/hospital/apprec.py`) when the client accepts XML (`Accept: application/xml`): OK, or
rejected with the code list's error; a JSON client gets JSON with the same status and error
code (`apprec`). The HTTP status says the same for both: 201 opened a flow, 200 taken in,
409 refused by the flow's state, 422 unreadable (both kept on the follow-up list); a body
over the limit is refused with 413 before it is read or its sender known, as a problem
(`boards/web/body_limit.py`), never kept. A replay gets the first answer again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from access.accounts import User
from access.policy import (
    HOSPITAL_MESSAGES_PATH,
    may_send_hospital_messages,
    viewer_of,
)
from boards.hospital import fhir
from boards.hospital.apprec import AppRecStatus, application_receipt, error_code, fault_of_refusal
from boards.hospital.kept import FOLLOW_UP, STATUS, Outcome, Receipt
from boards.services.board_reads import authorise_board
from boards.services.system import System
from boards.web.dependencies import CurrentSystem, CurrentUser, Now
from boards.web.problems import PROBLEM_JSON, problem
from boards.web.schemas import FollowUpMessage, MessageReceived, Problem
from boards.web.translations import answer_language, translator
from flow.errors import NotPermittedError
from flow.hospital_messages import Envelope, UnreadableMessageError
from flow.refusals import Param, sentence, still_said

router = APIRouter(tags=["sykehusmeldinger"])

XML = "application/xml"
_FORMATS: dict[str, Any] = {
    XML: {"schema": {"type": "string", "description": "PLO 1.5 eller 1.6 i KITHs hodemelding"}},
    "application/fhir+json": {
        "schema": {"type": "object", "description": f"FHIR R4 Bundle (message), {fhir.EVENTS}"}
    },
}
_RECEIPT = {XML: {"schema": {"type": "string", "description": "KITHs AppRec v1.0"}}}


@router.post(
    HOSPITAL_MESSAGES_PATH.removeprefix("/api/v1"),
    status_code=200,
    openapi_extra={"requestBody": {"required": True, "content": _FORMATS}},
    responses={
        200: {"model": MessageReceived, "description": "Tatt imot", "content": _RECEIPT},
        201: {"model": MessageReceived, "description": "Tatt imot; et nytt forløp ble åpnet"},
        401: {"model": Problem, "description": "Ikke innlogget"},
        403: {"model": Problem, "description": "Bare for sykehusets integrasjonsbruker"},
        409: {
            "model": Problem,
            "description": "Forløpets tilstand tillater det ikke; lagt på oppfølgingslisten",
        },
        413: {"model": Problem, "description": "For stor; ikke lagret"},
        422: {"model": Problem, "description": "Kan ikke leses; lagt på oppfølgingslisten"},
    },
)
async def receive_hospital_message(
    request: Request, system: CurrentSystem, user: CurrentUser, now: Now
) -> Response:
    """A PLO message (XML in KITH's envelope) or a FHIR R4 message Bundle (JSON): the
    commands it stands for, once per message id (a replay gets the first answer)."""
    if not may_send_hospital_messages(user.role):
        raise NotPermittedError("only_integration_sends")
    body = await request.body()  # no larger than the limit (`boards.web.body_limit`)
    try:
        receipt = await run_in_threadpool(system.hospital_messages.ingest, body, user, now)
    except UnreadableMessageError as error:
        return _unreadable(request, system, user, error, now)
    return _answer(request, system, user, receipt)


def _wants_xml(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip() in (XML, "text/xml") for part in accept.split(","))


def _answer(request: Request, system: System, user: User, receipt: Receipt) -> Response:
    request.app.state.metrics.hospital_messages.labels(receipt.outcome.value).inc()
    status = STATUS[receipt.outcome]
    if _wants_xml(request):
        return _receipt_xml(system, user, receipt.envelope, status, receipt.received_at,
                            receipt.code, receipt.params, receipt.message_id)  # fmt: skip
    if receipt.on_the_list:
        assert receipt.code is not None
        return _problem(request, receipt.code, receipt.params, status, receipt.reason or "")
    body = MessageReceived(
        message_id=receipt.message_id,
        outcome=receipt.outcome.value,
        flow_id=receipt.flow_id,
        version=receipt.version,
        opened=receipt.outcome == Outcome.OPENED,
        apprec={"status": AppRecStatus.OK.value},
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _unreadable(
    request: Request,
    system: System,
    user: User,
    error: UnreadableMessageError,
    now: datetime,
) -> Response:
    request.app.state.metrics.hospital_messages.labels(Outcome.UNREADABLE.value).inc()
    status = 422
    envelope = error.partial.envelope if error.partial else None
    if _wants_xml(request):
        message_id = envelope.message_id if envelope else ""
        return _receipt_xml(system, user, envelope, status, error.kept_at or now, error.code,
                            error.params, message_id)  # fmt: skip
    kept = error.kept_at is not None
    return _problem(request, error.code, error.params, status, error.message, listed=kept)


def _problem(
    request: Request,
    code: str,
    params: dict[str, Param],
    status: int,
    reason: str,
    listed: bool = True,
) -> JSONResponse:
    """A message refused or unreadable, in the sender's language, with the application
    receipt's error code; a refusal kept from before refusals had codes is said as it was."""
    error = {"status": AppRecStatus.REJECTED.value, "error": error_code(code, params).value}
    if not still_said(code, params):
        detail = f"{reason} {FOLLOW_UP}" if listed else reason
        return JSONResponse({"detail": detail, "apprec": error}, status_code=status)
    language = answer_language(request)
    translate = translator(language)
    detail = sentence(code, params, translate)
    if listed:
        detail = f"{detail} {translate(FOLLOW_UP)}"
    body = problem(code, params, status, language, detail) | {"apprec": error}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _receipt_xml(
    system: System,
    user: User,
    envelope: Envelope | None,
    status: int,
    at: datetime | None,
    code: str | None,
    params: dict[str, Param],
    message_id: str,
) -> Response:
    """The AppRec: the same for a replay (its id follows from the message's, its time is
    when the message was first received)."""
    faults = [fault_of_refusal(code, params)] if code is not None else []
    receipt = application_receipt(
        envelope,
        AppRecStatus.REJECTED if faults else AppRecStatus.OK,
        faults,
        municipality=system.flows.municipality_name(user.municipality_id),
        at=at or datetime.now().astimezone(),
        receipt_id=str(uuid5(NAMESPACE_URL, f"apprec/{user.municipality_id}/{message_id}"))
        if message_id
        else None,
    )
    # The charset the receipt's XML declaration says, in the header too (ASVS 4.1.1).
    return Response(receipt, status_code=status, media_type=f"{XML}; charset=utf-8")


class ListQuery(BaseModel):
    """Which list: `attention`, the messages to follow up (the only one there is)."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["attention"] = Field(description="`attention`: de som må følges opp")


@router.get(
    HOSPITAL_MESSAGES_PATH.removeprefix("/api/v1"),
    responses={
        401: {"model": Problem, "description": "Ikke innlogget"},
        403: {"model": Problem, "description": "Bare for tildelingskontoret"},
    },
)
def follow_up_list(
    system: CurrentSystem, user: CurrentUser, now: Now, query: Annotated[ListQuery, Query()]
) -> list[FollowUpMessage]:
    """The allocation office's follow-up list: messages refused by the flow's state or
    unreadable, oldest first, with the sender, the reason and the patient where read."""
    authorise_board(viewer_of(user), None)
    waiting = system.hospital_messages.attention(user.municipality_id)
    flows: set[UUID] = {m.flow_id for m in waiting if m.flow_id}
    system.access_log.record(user, flows, "api/hospital-messages", now)
    return [
        FollowUpMessage(
            id=m.id,
            message_id=m.message_id,
            received_at=m.received_at,
            kind=m.kind,
            dispatch=m.dispatch,
            unreadable=m.unreadable,
            flow_id=m.flow_id,
            sender=m.sender,
            patient_name=m.patient_name,
            national_id=m.national_id,
            code=m.code,
            reason=m.reason,
        )
        for m in waiting
    ]
