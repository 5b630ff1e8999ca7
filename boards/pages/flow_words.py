"""A flow's events in words, as the patient's page tells its history: one sentence per event,
in the page's language, without the patient's identity (a page of an erased patient tells
the same story with no one in it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from markupsafe import Markup

from boards.web.rendering import task_title
from flow.views import HistoryEntry
from flow.vocabulary import (
    CLOSING_TEXT,
    DESTINATION_TEXT,
    FLAG_TEXT,
    MESSAGE_KIND_TEXT,
    SERVICE_TEXT,
    WAIT_REASON_TEXT,
)

#: What each event says, in bokmål; its `{fields}` filled in by `_fields`.
EVENT_TEXT = {
    "FlowOpened": "Forløpet åpnet",
    "HospitalAdmissionNotified": "Innlagt på {hospital}",
    "ReadyForDischargeNotified": "Meldt utskrivningsklar fra {ready_at}",
    "ReadyForDischargeWithdrawn": "Utskrivningsklar trukket tilbake",
    "HospitalAnswered": "Svarte sykehuset: {answer}",
    "WaitReasonRecorded": "Venter: {reason}",
    "ServiceDecided": "Vedtak: {service}",
    "BedReserved": "Seng reservert: {unit}, seng {bed}",
    "ReservationCancelled": "Reservasjonen opphevet",
    "PatientArrived": "Ankomst registrert",
    "PatientMoved": "Flyttet til seng {bed}",
    "DischargePlanned": "Utskrivning planlagt {on} → {destination}",
    "PatientDischarged": "Skrevet ut",
    "HomeCareStarted": "Hjemmetjenester startet",
    "PatientReadmitted": "Reinnlagt på {hospital}",
    "SafetyFlagRaised": "Risikoflagg satt: {flag}",
    "SafetyFlagCleared": "Risikoflagg fjernet: {flag}",
    "FlowClosed": "Forløpet avsluttet: {reason}",
    "IdentityErased": "Pasientens identitet slettet",
    "CommandCorrected": "Korrigert: {what} var registrert ved en feil{reason}",
    "HospitalMessageNoted": "Melding fra sykehuset: {kind}",
    "TaskOpened": "Oppgave åpnet: {title}",
    "TaskCompleted": "Oppgave utført: {title}",
    "TaskAcknowledged": "Oppgave bekreftet: {title}",
    "TaskRejected": "Oppgave sendt tilbake: {title}",
    "TaskOverdue": "Oppgave forfalt: {title}",
    "TaskCancelled": "Oppgave avbrutt: {title}",
}

#: What a correction says it undid (`flow/corrections.py`), by the command's value.
CORRECTED_TEXT = {
    "arrival": "ankomsten",
    "move": "flyttingen",
    "discharge": "utskrivningen",
}

#: What a task's step says on the page's list of tasks.
STEP_TEXT = {
    "TaskOpened": "åpnet",
    "TaskCompleted": "utført",
    "TaskAcknowledged": "bekreftet",
    "TaskRejected": "sendt tilbake",
    "TaskOverdue": "forfalt",
    "TaskCancelled": "avbrutt",
}


@dataclass(frozen=True)
class Words:
    """What the sentences are made with: the page's words, its day format, the municipality's
    places by id, and the flow's task titles by task id (in the page's language)."""

    say: Callable[[str], str]
    day: Callable[..., str]
    places: Mapping[UUID, str]
    titles: Mapping[str, str]

    def place(self, place_id: Any) -> str:
        if place_id is None:
            return ""
        found = self.places.get(place_id if isinstance(place_id, UUID) else UUID(str(place_id)))
        return found or self.say("ukjent sted")


def task_titles(history: list[HistoryEntry], language: str) -> dict[str, Markup]:
    """Each task's title by its id, as the event that opened it kept it, in the page's
    language (a Norwegian title kept on an English page marked so: `task_title`)."""
    titles = {}
    for entry in history:
        if entry.event == "TaskOpened":
            task = entry.data["task"]
            titles[str(task["id"])] = task_title(language, task["title"], task["title_en"])
    return titles


def sentence(entry: HistoryEntry, words: Words) -> str:
    """The event in one sentence, in the page's language."""
    text = EVENT_TEXT.get(entry.event)
    if text is None:
        return entry.event
    # Markup: the values escaped, a title marked with its language kept as it is.
    return Markup.escape(words.say(text)).format(**_fields(entry, words))


def _fields(entry: HistoryEntry, words: Words) -> dict[str, str]:
    data, say, day = entry.data, words.say, words.day
    match entry.event:
        case "HospitalAdmissionNotified" | "PatientReadmitted":
            return {"hospital": str(data.get("hospital", ""))}
        case "ReadyForDischargeNotified":
            estimate = f" ({say('anslag')})" if data.get("estimate") else ""
            return {"ready_at": day(_when(data["ready_at"])) + estimate}
        case "HospitalAnswered":
            return {"answer": _answer(data, words)}
        case "WaitReasonRecorded":
            return {"reason": say(WAIT_REASON_TEXT.get(data["reason"], data["reason"]))}
        case "ServiceDecided":
            decision = data["decision"]
            where = words.place(decision.get("unit_id")) or words.place(decision.get("zone_id"))
            service = say(SERVICE_TEXT.get(decision["service"], decision["service"]))
            return {"service": f"{service} · {where}" if where else service}
        case "BedReserved":
            return {"unit": words.place(data["unit_id"]), "bed": str(data["bed"])}
        case "PatientMoved":
            return {"bed": str(data["bed"])}
        case "DischargePlanned":
            plan = data["plan"]
            estimate = f" ({say('anslag')})" if plan.get("estimate") else ""
            destination = say(DESTINATION_TEXT.get(plan["destination"], plan["destination"]))
            zone = words.place(plan.get("zone_id"))
            return {
                "on": day(_when(plan["on"])) + estimate,
                "destination": f"{destination} · {zone}" if zone else destination,
            }
        case "SafetyFlagRaised" | "SafetyFlagCleared":
            return {"flag": say(FLAG_TEXT.get(data["flag"], data["flag"]))}
        case "FlowClosed":
            return {"reason": say(CLOSING_TEXT.get(data["reason"], data["reason"]))}
        case "CommandCorrected":
            what = say(CORRECTED_TEXT.get(data["command"], data["command"]))
            return {"what": what, "reason": f" ({data['reason']})" if data.get("reason") else ""}
        case "HospitalMessageNoted":
            return {"kind": say(MESSAGE_KIND_TEXT.get(data["kind"], data["kind"]))}
        case "TaskOpened":
            return {"title": words.titles.get(str(data["task"]["id"]), "")}
        case event if event.startswith("Task"):
            return {"title": words.titles.get(str(data["task_id"]), "")}
    return {}


def _answer(data: dict[str, Any], words: Words) -> str:
    say, day = words.say, words.day
    if data.get("can_receive"):
        offer = data.get("offer_from")
        return say("tilbud klart fra") + (f" {day(_when(offer))}" if offer else "")
    expected = data.get("expected_on")
    answer = say("kan ikke ta imot ennå")
    return f"{answer}, {say('tilbud ventet')} {day(_when(expected))}" if expected else answer


def _when(value: Any) -> date | datetime:
    """A day or moment as the event kept it (a value, or its ISO text from an old event)."""
    if isinstance(value, date):
        return value
    text = str(value)
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
