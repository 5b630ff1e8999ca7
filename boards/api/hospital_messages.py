"""Hospital messages in: `POST /api/v1/hospital-messages`, for a hospital's integration user."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from access.policy import HOSPITAL_MESSAGES_PATH, may_send_hospital_messages
from boards.hospital import fhir
from boards.hospital.ingest import FOLLOW_UP, MAX_BYTES, Outcome, Receipt
from boards.web.dependencies import CurrentSystem, CurrentUser, Now
from boards.web.problems import PROBLEM_JSON, problem
from boards.web.schemas import MessageReceived, Problem
from boards.web.translations import answer_language, translator
from flow.errors import NotPermittedError
from flow.hospital_messages import UnreadableMessageError
from flow.refusals import sentence, still_said

router = APIRouter(tags=["sykehusmeldinger"])


_FORMATS: dict[str, Any] = {
    "application/xml": {"schema": {"type": "string", "description": "PLO i KITHs hodemelding"}},
    "application/fhir+json": {
        "schema": {"type": "object", "description": f"FHIR R4 Bundle (message), {fhir.EVENTS}"}
    },
}


@router.post(
    HOSPITAL_MESSAGES_PATH.removeprefix("/api/v1"),
    status_code=200,
    openapi_extra={"requestBody": {"required": True, "content": _FORMATS}},
    responses={
        200: {"model": MessageReceived, "description": "Tatt imot"},
        201: {"model": MessageReceived, "description": "Tatt imot; et nytt forløp ble åpnet"},
        401: {"model": Problem, "description": "Ikke innlogget"},
        403: {"model": Problem, "description": "Bare for sykehusets integrasjonsbruker"},
        409: {
            "model": Problem,
            "description": "Forløpets tilstand tillater det ikke; lagt på listen",
        },
        422: {"model": Problem, "description": "Meldingen kan ikke leses; ingenting lagret"},
    },
)
async def receive_hospital_message(
    request: Request, system: CurrentSystem, user: CurrentUser, now: Now
) -> JSONResponse:
    """A PLO message (XML in KITH's envelope) or a FHIR R4 message Bundle (JSON): the
    commands it stands for, once per message id (a replay gets the first answer)."""
    if not may_send_hospital_messages(user.role):
        raise NotPermittedError("only_integration_sends")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BYTES:  # refused before the rest is read
            raise UnreadableMessageError("message_too_large", limit_kib=MAX_BYTES // 1024)
    receipt = await run_in_threadpool(system.hospital_messages.ingest, bytes(body), user, now)
    return _answer(request, receipt)


def _answer(request: Request, receipt: Receipt) -> JSONResponse:
    """201 for a message that opened a flow, 200 for one applied, 409 for one the flow's state
    refused (it waits on the office's follow-up list); a replay gets the same."""
    if receipt.outcome == Outcome.REFUSED:
        return _refused(request, receipt)
    assert receipt.flow_id is not None and receipt.version is not None  # taken: both known
    body = MessageReceived(
        message_id=receipt.message_id,
        flow_id=receipt.flow_id,
        version=receipt.version,
        opened=receipt.outcome == Outcome.OPENED,
    )
    status = 201 if receipt.outcome == Outcome.OPENED else 200
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _refused(request: Request, receipt: Receipt) -> JSONResponse:
    """A message the flow's state refused, now on the office's list: said in the sender's
    language, whether it came now or is a replay of one that did (a refusal recorded before
    refusals had codes is said as it was then)."""
    code, params = receipt.code, receipt.params
    if code is None or not still_said(code, params):
        return JSONResponse({"detail": f"{receipt.reason} {FOLLOW_UP}"}, status_code=409)
    language = answer_language(request)
    translate = translator(language)
    detail = f"{sentence(code, params, translate)} {translate(FOLLOW_UP)}"
    body = problem(code, params, 409, language, detail)
    return JSONResponse(body, status_code=409, media_type=PROBLEM_JSON)
