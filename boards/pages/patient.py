"""The patient's page, `/tildeling/forlop/{flow_id}`: one flow as its viewer may see it
(`boards/services/patient_page.py`), its history in words (`flow_words.py`), and the
commands she may give it, which answer with the page again. Live: its stream
(`/tildeling/forlop/{id}/strom`) has it fetch itself anew after its flow changed."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from access.access_log import BASIS_TEXT
from access.accounts import ROLE_TEXT
from boards.pages.common import render
from boards.pages.flow_words import STEP_TEXT, Words, sentence, task_titles
from boards.services import past_reads
from boards.services.patient_page import VIEW, PatientPage, patient_page
from boards.web.dependencies import get_now, get_system
from boards.web.sessions import PageSession, PastMoment, live_position, municipality_places
from boards.web.translations import formatters, language_of, translator
from flow.closed_loops import Party
from flow.vocabulary import MESSAGE_KIND_TEXT, PHASE_TEXT, STATUS_TEXT

router = APIRouter(include_in_schema=False)

#: What became of a hospital message (`boards.hospital.kept.Outcome`), in bokmål.
OUTCOME_TEXT = {
    "opened": "åpnet forløpet",
    "applied": "tatt inn",
    "recorded": "lagret",
    "refused": "avvist, på listen over meldinger som må følges opp",
    "unreadable": "kunne ikke leses",
}


@router.get("/tildeling/forlop/{flow_id}")
def patient(
    request: Request, flow_id: UUID, session: PageSession, past: PastMoment
) -> HTMLResponse:
    """The page now, or as it stood at `?per=` (read-only, no stream)."""
    user, system, now = session.user, get_system(request), get_now(request)
    position = live_position(request)  # before the page is read: its stream resumes there
    if past is None:
        page, view_name = patient_page(system, user, flow_id, now), VIEW
    else:
        page = past_reads.patient_page(system, user, flow_id, past, now)
        view_name = past.view(VIEW)
    language = language_of(request)
    place_names = {p.id: p.name for p in municipality_places(request, user)}
    words = Words(
        translator(language),
        formatters(language)["day"],
        place_names,
        task_titles(page.history, language),
    )

    def party(party: Party | None) -> str:
        if party is None:
            return ""
        return place_names.get(party.unit_id, "") if party.unit_id else "Tildelingskontoret"

    tasks = [story.state.task for story in page.tasks]
    context = {
        "card": page.shown.card,
        "position": position,
        "past": past,
        "view": page.view,
        "shown": page.shown,
        "commands": page.shown.commands,
        "tasks": page.tasks,
        "owners": {task.id: words.say(party(task.owner)) for task in tasks},
        "receivers": {task.id: words.say(party(task.receiver)) for task in tasks},
        "events": [(entry, sentence(entry, words)) for entry in page.history],
        "corrected": {e.data["corrects"] for e in page.history if e.event == "CommandCorrected"},
        "correction": page.correction,
        "last_said": _last_said(page, words),
        "names": page.names,
        "messages": page.messages,
        "looks": page.looks,
        "place_names": place_names,
        "phases": PHASE_TEXT,
        "statuses": STATUS_TEXT,
        "step_words": STEP_TEXT,
        "role_names": ROLE_TEXT,
        "message_kinds": MESSAGE_KIND_TEXT,
        "outcomes": OUTCOME_TEXT,
        "bases": BASIS_TEXT,
    }
    system.access_log.record(user, [flow_id], view_name, now, page.shown.basis)
    return render(request, "patient.html", context, session=session)


def _last_said(page: PatientPage, words: Words) -> str:
    """The command a correction would undo, as the history says it."""
    if page.correction is None:
        return ""
    version = page.correction.last.version
    return next((sentence(e, words) for e in page.history if e.version == version), "")
