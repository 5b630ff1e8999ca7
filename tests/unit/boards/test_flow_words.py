"""The patient's page tells every event of a flow in words, in bokmål and in English."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from eventsourcing.domain import Aggregate

from boards.pages.flow_words import EVENT_TEXT, Words, sentence
from boards.web.translations import formatters, translator
from flow.patient_flow import PatientFlow
from flow.views import HistoryEntry

AT = datetime(2026, 3, 2, 8, tzinfo=UTC)


def entry(event: str, **data: object) -> HistoryEntry:
    return HistoryEntry(1, event, AT, AT, "u", "nurse", dict(data))


def words(language: str) -> Words:
    return Words(translator(language), formatters(language)["day"], {}, {"t1": "Rommet klargjort"})


def test_every_event_of_a_flow_has_its_sentence() -> None:
    events = {
        name
        for name in dir(PatientFlow)
        if isinstance(getattr(PatientFlow, name), type)
        and issubclass(getattr(PatientFlow, name), Aggregate.Event)
        and name not in ("Event", "Created")
    }
    assert events and events <= set(EVENT_TEXT), events - set(EVENT_TEXT)


def test_a_sentence_names_its_values_in_the_page_s_language() -> None:
    unit = uuid4()
    reserved = entry("BedReserved", unit_id=unit, bed="3")
    flagged = entry("SafetyFlagRaised", flag="fall")
    answered = entry("HospitalAnswered", can_receive=False, expected_on=date(2026, 3, 9))
    back = entry("TaskRejected", task_id="t1", reason="Mangler doseringer")
    message = entry("HospitalMessageNoted", kind="ready", dispatch="N", said={"remark": "x"})
    nb = Words(translator("nb"), formatters("nb")["day"], {unit: "Solsiden"}, {"t1": "Rom"})
    en = Words(translator("en"), formatters("en")["day"], {unit: "Solsiden"}, {"t1": "Room"})

    assert sentence(reserved, nb) == "Seng reservert: Solsiden, seng 3"
    assert sentence(reserved, en) == "Bed reserved: Solsiden, bed 3"
    assert sentence(flagged, nb) == "Risikoflagg satt: fallrisiko"
    assert (
        sentence(answered, nb) == "Svarte sykehuset: kan ikke ta imot ennå, tilbud ventet 9. mars"
    )
    assert sentence(back, en) == "Task sent back: Room"
    assert sentence(message, nb) == "Melding fra sykehuset: utskrivningsklar pasient"


def test_a_place_no_longer_known_is_said_to_be_unknown() -> None:
    moved = entry("BedReserved", unit_id=uuid4(), bed="1")
    assert sentence(moved, words("nb")) == "Seng reservert: ukjent sted, seng 1"
