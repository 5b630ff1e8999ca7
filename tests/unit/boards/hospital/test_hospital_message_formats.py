"""Both formats read into the same message, and what cannot be read is refused in words."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.sample_messages import fhir_bundle, fhir_message, plo_message

from boards.hospital.ingest import read
from flow.hospital_messages import Dispatch, MessageKind, UnreadableMessageError
from flow.national_id import with_check_digits

KARI = with_check_digits("018545100")  # month + 80: a synthetic test number
D_NUMBER = with_check_digits("418545100")
assert KARI and D_NUMBER
KINDS = ["admitted", "ready", "ready_withdrawn", "discharged"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("namespaces", [True, False])
def test_each_plo_message_reads_with_or_without_namespaces(kind: str, namespaces: bool) -> None:
    body = plo_message(kind, KARI, "2026-03-02T09:30:00", message_id="m-1", estimate=True,
                       namespaces=namespaces)  # fmt: skip

    message = read(body)

    assert message.kind == MessageKind(kind)
    assert message.dispatch == Dispatch.NEW
    assert (message.message_id, message.national_id, message.name) == ("m-1", KARI, "Kari Nordmann")
    assert message.at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # Norwegian winter time
    assert message.estimate is True
    assert message.place == "Sykehuset Test, medisinsk avdeling"


@pytest.mark.parametrize("kind", KINDS)
def test_each_fhir_message_reads_as_the_same_message(kind: str) -> None:
    body = fhir_message(kind, KARI, "2026-03-02T09:30:00+01:00", message_id="m-1", estimate=True)

    message = read(body)

    assert message.kind == MessageKind(kind)
    assert (message.message_id, message.national_id, message.name) == ("m-1", KARI, "Kari Nordmann")
    assert message.at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert message.estimate is True
    assert message.place == "Sykehuset Test, medisinsk avdeling"


def test_a_later_plo_version_reads_alike() -> None:
    body = plo_message("ready", KARI).replace(b"2009-06-30", b"2016-11-01")
    assert read(body).kind == MessageKind.READY


@pytest.mark.parametrize(("status", "dispatch"), [("A", "new"), ("M", "change"), ("C", "cancel")])
def test_forsendelsesstatus_and_fhir_prefixes_say_new_change_or_cancel(
    status: str, dispatch: str
) -> None:
    prefix = {"A": "", "M": "UPDATE-", "C": "CANCEL-"}[status]
    assert read(plo_message("ready", KARI, status=status)).dispatch == dispatch
    assert read(fhir_message("ready", KARI, prefix=prefix)).dispatch == dispatch


def test_a_d_number_is_read_when_the_message_says_so() -> None:
    assert read(plo_message("admitted", D_NUMBER, id_type="DNR")).national_id == D_NUMBER
    fhir_d = fhir_message("admitted", D_NUMBER, system="urn:oid:2.16.578.1.12.4.1.4.2")
    assert read(fhir_d).national_id == D_NUMBER


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<MsgHead>&lol4;</MsgHead>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE MsgHead [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<MsgHead><MsgInfo><MsgId>&secret;</MsgId></MsgInfo></MsgHead>"""


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<MsgHead><MsgInfo>", "Ugyldig XML"),
        (BILLION_LAUGHS, "DTD, entiteter"),
        (EXTERNAL_ENTITY, "DTD, entiteter"),
        (plo_message("admitted", KARI[:-1] + str((int(KARI[-1]) + 1) % 10)), "kontrollsiffer"),
        (plo_message("admitted", "123"), "11 siffer"),
        (plo_message("admitted", KARI, id_type="DNR"), "ikke et D-nummer"),
        (plo_message("admitted", KARI, id_type="HNR"), "fødselsnummer (FNR) eller D-nummer"),
        (plo_message("admitted", KARI, element="MeldingOmDødsfall"), "Ukjent PLO-melding"),
        (
            plo_message("admitted", KARI).replace(b'V="PASIENTLOGISTIKK"', b'V="EPIKRISE"'),
            "Ukjent meldingstype",
        ),
        (plo_message("admitted", KARI, status="X"), "Forsendelsesstatus"),
        (plo_message("admitted", KARI, at="i går"), "ikke et tidspunkt"),
        (plo_message("admitted", KARI, at="1800-01-01T00:00:00"), "mellom"),
        (plo_message("admitted", KARI, name=("", "")), "navn"),
        (b"<Pasientlogistikk/>", "hodemelding"),
        (b"   ", "Ukjent format"),
        (b"{not json", "FHIR-meldingen er ikke gyldig"),
        (fhir_message("admitted", KARI, at="i går"), "FHIR-meldingen er ikke gyldig"),
        (fhir_message("admitted", KARI, prefix="DELETE-"), "Ukjent meldingstype"),
        (fhir_message("admitted", "01010112345"), "identitetsnummer er ugyldig"),
        (fhir_message("admitted", KARI, system="urn:oid:2.16.578.1.12.4.1.4.3"), "D-nummer"),
        (json.dumps({"resourceType": "Patient"}).encode(), "FHIR-meldingen er ikke gyldig"),
        (b"[1, 2]", "Ukjent format"),
    ],
)
def test_what_cannot_be_read_is_refused_saying_why(body: bytes, says: str) -> None:
    with pytest.raises(UnreadableMessageError) as refused:
        read(body)
    assert says in refused.value.message


def test_a_bundle_that_is_not_a_message_is_refused() -> None:
    bundle = fhir_bundle("admitted", KARI)
    bundle["type"] = "collection"
    with pytest.raises(UnreadableMessageError, match="type message"):
        read(json.dumps(bundle).encode())


def test_a_bundle_without_a_patient_is_refused() -> None:
    bundle = fhir_bundle("admitted", KARI)
    bundle["entry"].pop()
    with pytest.raises(UnreadableMessageError, match="nøyaktig én Patient"):
        read(json.dumps(bundle).encode())


VALID = [plo_message("ready", KARI), fhir_message("ready", KARI)]


@given(st.binary(max_size=2000))
def test_any_bytes_are_a_message_or_refused_in_words(body: bytes) -> None:
    _read_or_refuse(body)


@given(st.sampled_from(VALID), st.data())
def test_any_damage_to_a_valid_message_is_read_or_refused_in_words(
    valid: bytes, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(valid)))
    end = data.draw(st.integers(start, min(len(valid), start + 40)))
    patch = data.draw(st.text(max_size=20)).encode()
    _read_or_refuse(valid[:start] + patch + valid[end:])


def _read_or_refuse(body: bytes) -> None:
    try:
        read(body)
    except UnreadableMessageError as error:
        assert error.message.strip()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path]
    if isinstance(node, dict):
        found += [p for k, v in node.items() for p in _paths(v, (*path, k))]
    elif isinstance(node, list):
        found += [p for i, v in enumerate(node) for p in _paths(v, (*path, i))]
    return found


@given(st.sampled_from(KINDS), st.data(), JSON_VALUES)
def test_a_bundle_with_any_field_of_any_json_type_is_read_or_refused_in_words(
    kind: str, data: st.DataObject, value: object
) -> None:
    bundle = fhir_bundle(kind, KARI)
    *parents, last = data.draw(st.sampled_from(_paths(bundle)[1:]))
    node: Any = bundle
    for key in parents:
        node = node[key]
    node[last] = value
    _read_or_refuse(json.dumps(bundle).encode())
