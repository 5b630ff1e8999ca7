"""The catalogue of refusals: every code says something, every field of its sentence is one
of its parameters, and every refusal raised in the code names a code of the catalogue and
gives exactly its parameters."""

from __future__ import annotations

import ast
import pickle
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from flow.errors import BedTakenError, FlowClosedError, IllegalTransitionError
from flow.refusals import REFUSALS, WORDS, fields, sentence, title

ROOT = Path(__file__).parents[3]
SOURCES = ["flow", "access", "boards", "projections", "fixtures"]
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def filled_by(code: str) -> set[str]:
    """Every field a refusal of `code` may have to fill: its sentence's, and those of the
    words its parameters may be (a note on the flow's state names the bed)."""
    needed = fields(REFUSALS[code].text)
    for name in REFUSALS[code].params:
        for word in WORDS.get(name, {}).values():
            needed |= fields(word)
    return needed


def raised() -> Iterator[tuple[str, int, str, set[str] | None]]:
    """Each call of an error class (or a field's refusal) with a code: where, the code, and
    the parameters it gives (None where they are unpacked from a mapping)."""
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                first = node.args[0]
                if not (name.endswith("Error") or name == "field_error"):
                    continue
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    continue
                if not CODE.match(first.value):
                    continue  # a plain ValueError's sentence, or OIDC's own errors
                given = {k.arg for k in node.keywords if k.arg is not None}
                unpacked = any(k.arg is None for k in node.keywords)
                where = str(path.relative_to(ROOT))
                yield where, node.lineno, first.value, None if unpacked else given


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_every_code_has_a_title_and_a_sentence_in_bokmål(code: str) -> None:
    assert title(code).strip() and REFUSALS[code].text.strip()
    assert fields(REFUSALS[code].title) == set()


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_every_field_of_a_sentence_is_filled_by_the_code_s_parameters(code: str) -> None:
    assert filled_by(code) <= set(REFUSALS[code].params)


def test_every_refusal_raised_names_a_code_of_the_catalogue_with_its_parameters() -> None:
    wrong = [
        (where, line, code, given)
        for where, line, code, given in raised()
        if code not in REFUSALS or (given is not None and given != set(REFUSALS[code].params))
    ]
    assert wrong == []


def test_every_code_of_the_catalogue_is_raised_somewhere() -> None:
    assert set(REFUSALS) - {code for _, _, code, _ in raised()} == set()


def test_a_refusal_without_its_parameters_is_a_mistake_not_a_sentence() -> None:
    with pytest.raises(TypeError, match="bed_taken"):
        BedTakenError("bed_taken", bed="3")
    with pytest.raises(KeyError):
        FlowClosedError("flow_is_closed")


def test_a_refusal_carries_its_code_and_plain_parameters_and_says_it_in_bokmål() -> None:
    refusal = IllegalTransitionError(
        "illegal_transition",
        command="discharge",
        phase="ready",
        notes=["bed_reserved"],
        bed="1",
        allowed=["decision", "reservation/cancellation"],
    )
    assert refusal.code == "illegal_transition"
    assert refusal.params["allowed"] == ["decision", "reservation/cancellation"]
    assert (
        str(refusal)
        == refusal.message
        == (
            "Kan ikke skrive ut: pasienten er utskrivningsklar på sykehus, med reservert seng 1. "
            "Tillatt nå: fatte vedtak, oppheve reservasjon."
        )
    )


def test_a_refusal_crosses_to_another_process_as_its_code_and_parameters() -> None:
    refusal = BedTakenError("bed_taken", bed="3", unit="Rehab")

    copy = pickle.loads(pickle.dumps(refusal))

    assert (type(copy), copy.code, copy.params, str(copy)) == (
        BedTakenError,
        "bed_taken",
        {"bed": "3", "unit": "Rehab"},
        "Seng 3 på Rehab er allerede tatt.",
    )


def test_another_language_translates_the_sentence_and_the_words_in_it() -> None:
    words = {
        "Kan ikke {command}: pasienten er {phase}{notes}. Tillatt nå: {allowed}.": (
            "Cannot {command}: the patient is {phase}{notes}. Allowed now: {allowed}."
        ),
        "skrive ut": "discharge",
        "henvist": "referred",
        ", uten vedtak": ", without a decision",
        "fatte vedtak": "decide service",
    }
    params = {
        "command": "discharge",
        "phase": "referred",
        "notes": ["no_decision"],
        "bed": None,
        "allowed": ["decision"],
    }
    said = sentence("illegal_transition", params, lambda text: words.get(text, text))
    assert said == (
        "Cannot discharge: the patient is referred, without a decision. Allowed now: decide "
        "service."
    )


def test_a_value_that_is_no_word_of_the_domain_is_written_as_it_is() -> None:
    assert sentence("plo_missing", {"part": "MsgId"}) == "PLO-meldingen mangler MsgId."
    assert sentence("plo_missing", {"part": "patient_name"}) == (
        "PLO-meldingen mangler pasientens navn."
    )
    assert sentence("checklists_unreadable", {"source": "/{x}.yaml", "error": "borte"}) == (
        "/{x}.yaml: kan ikke leses: borte"
    )
