"""The allocation office's list of hospital messages that need a person: each one the
flow's state refused, with the reason, until someone marks it handled."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from access.policy import viewer_of
from boards.hospital.follow_up import Rejected
from boards.pages.common import render
from boards.services.board_reads import authorise_board
from boards.web.dependencies import get_now, get_system
from boards.web.sessions import AllocationSession, CheckedSession
from boards.web.translations import language_of, translator
from flow.errors import NotFoundError
from flow.hospital_messages import Dispatch
from flow.refusals import sentence, still_said
from flow.vocabulary import MESSAGE_KIND_TEXT, MessageKind

router = APIRouter(include_in_schema=False)

DISPATCH_TEXT = {
    Dispatch.NEW: "ny",
    Dispatch.ADDITION: "tillegg",
    Dispatch.CHANGE: "endring",
    Dispatch.CANCEL: "kansellering",
    Dispatch.HISTORY: "historikk",
}


@router.get("/tildeling/meldinger")
def messages_page(request: Request, session: AllocationSession) -> HTMLResponse:
    user, system, now = session.user, get_system(request), get_now(request)
    waiting = system.hospital_messages.attention(user.municipality_id)
    system.access_log.record(
        user, {m.flow_id for m in waiting if m.flow_id}, "tildeling/meldinger", now
    )
    translate = translator(language_of(request))
    context = {
        "messages": waiting,
        "reasons": {m.id: _reason(m, translate) for m in waiting},
        "kinds": {kind.value: MESSAGE_KIND_TEXT[kind] for kind in MessageKind}
        | {"unknown": "uleselig melding"},
        "dispatches": {d.value: text for d, text in DISPATCH_TEXT.items()} | {"unknown": "ukjent"},
    }
    return render(request, "hospital_messages.html", context, session=session)


def _reason(message: Rejected, translate: Callable[[str], str]) -> str:
    """Why the flow refused the message, in the page's language, as the refusal says it."""
    if message.code is not None and still_said(message.code, message.params):
        return sentence(message.code, message.params, translate)
    return message.reason


@router.post("/tildeling/meldinger/{row_id}/behandlet")
def mark_handled(request: Request, row_id: UUID, session: CheckedSession) -> Response:
    user = session.user
    authorise_board(viewer_of(user), None)
    handled = get_system(request).hospital_messages.mark_handled(
        user.municipality_id, row_id, user, get_now(request)
    )
    if not handled:
        raise NotFoundError("message_not_on_list")
    return RedirectResponse("/tildeling/meldinger", status_code=303)
