"""Refusals by code: the catalogue (`flow/refusals.toml`) and the sentence each one makes.

A refusal is a stable code and its parameters, plain values a client can act on (a bed, a
phase, two versions). The catalogue gives each code a short title and a sentence in bokmål
whose `{name}` fields the parameters fill. Another language translates the title and the
sentence as it translates every text, keyed by the bokmål (`translate`); a parameter that is
a word of the domain (a phase, a command) is put in that language's word, a list is joined,
any other value is written as it is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from string import Formatter
from typing import TypeVar

from flow.vocabulary import COMMAND_TEXT, MESSAGE_KIND_TEXT, PHASE_TEXT, STATUS_TEXT

#: A parameter's value: JSON's plain values.
Param = str | int | bool | Sequence[str] | None
Translate = Callable[[str], str]


@dataclass(frozen=True)
class Refusal:
    title: str
    text: str
    #: The parameters every refusal of this code carries, no more and no fewer.
    params: tuple[str, ...]


def _catalogue() -> dict[str, Refusal]:
    data = tomllib.loads(Path(__file__).with_name("refusals.toml").read_text("utf-8"))
    return {
        code: Refusal(entry["title"], entry["text"], tuple(entry.get("params", ())))
        for code, entry in data.items()
    }


REFUSALS = _catalogue()

#: What `not_found` did not find.
THING_TEXT = {
    "flow": "Forløpet",
    "unit": "Enheten",
    "zone": "Sonen",
    "municipality": "Kommunen",
    "task": "Oppgaven",
    "user": "Brukeren",
    "display": "Skjermen",
    "patient": "Pasienten",
    "emergency_access": "Nødtilgangen",
    "emergency_use": "Bruken av nødtilgang",
    "role_mapping": "Rolletilordningen",
    "access_grant": "Tilgangen",
    "page": "Siden",
}

#: What more a refused command's sentence says of the flow's state; filled like the sentence.
NOTE_TEXT = {
    "bed_reserved": ", med reservert seng {bed}",
    "no_decision": ", uten vedtak",
    "no_discharge_plan": ", uten planlagt utskrivning",
}

#: What is done to a task.
ACTION_TEXT = {"complete": "fullføre", "acknowledge": "bekrefte", "reject": "avvise"}

#: The parts of a hospital message a reader names; an element's own name stays as it is.
PART_TEXT = {
    "patient_name": "pasientens navn",
    "patient_ident": "pasientens Ident",
    "identity_number": "identitetsnummeret",
    "place": "stedet",
    "time": "tidspunkt",
}

Word = TypeVar("Word", bound=StrEnum)


def _by_value(words: Mapping[Word, str]) -> dict[str, str]:
    return {member.value: text for member, text in words.items()}


#: The parameters that are words, by name, each with its words by value.
WORDS: dict[str, Mapping[str, str]] = {
    "command": _by_value(COMMAND_TEXT),
    "allowed": _by_value(COMMAND_TEXT),
    "phase": _by_value(PHASE_TEXT),
    "task_status": _by_value(STATUS_TEXT),
    "message_kind": _by_value(MESSAGE_KIND_TEXT),
    "action": ACTION_TEXT,
    "thing": THING_TEXT,
    "notes": NOTE_TEXT,
    "part": PART_TEXT,
    "identity": {"fnr": "fødselsnummer", "dnr": "D-nummer", "hnr": "H-nummer"},
    "source": {"checklists": "sjekklistene"},
    # A refusal that is the reason for another (an identity number's, in a message's).
    "cause": {code: refusal.text for code, refusal in REFUSALS.items() if not refusal.params},
}
#: How a list of words is joined; notes carry their own commas.
JOINED = {"notes": ""}


def _same(text: str) -> str:
    return text


def sentence(code: str, params: Mapping[str, Param], translate: Translate = _same) -> str:
    """The refusal's sentence in the language of `translate` (bokmål unless told)."""
    expected = REFUSALS[code].params
    if set(params) != set(expected):
        raise TypeError(f"refusal {code} takes {sorted(expected)}, not {sorted(params)}")
    return _filled(REFUSALS[code].text, params, translate)


def still_said(code: str, params: Mapping[str, Param]) -> bool:
    """Whether a refusal kept from earlier (a replayed answer) can be said again: its code
    is in the catalogue, with the same parameters."""
    return code in REFUSALS and set(params) == set(REFUSALS[code].params)


def title(code: str, translate: Translate = _same) -> str:
    return translate(REFUSALS[code].title)


def fields(text: str) -> set[str]:
    """The names of the `{name}` fields of a text."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def _filled(text: str, params: Mapping[str, Param], translate: Translate) -> str:
    said = {name: _said(name, value, params, translate) for name, value in params.items()}
    return translate(text).format(**said)


def _said(name: str, value: Param, params: Mapping[str, Param], translate: Translate) -> object:
    if value is None or isinstance(value, bool | int):
        return value
    words = WORDS.get(name, {})
    others = {key: other for key, other in params.items() if key != name}
    said = [
        _filled(words[v], others, translate) if v in words else v
        for v in ([value] if isinstance(value, str) else value)
    ]
    return said[0] if isinstance(value, str) else JOINED.get(name, ", ").join(said)
