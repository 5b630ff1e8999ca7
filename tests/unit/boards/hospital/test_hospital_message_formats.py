"""Both formats read into the same message, and what cannot be read is refused in words."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.sample_messages import PLO_TYPES, fhir_bundle, fhir_message, json_paths, plo_message

from boards.hospital.ingest import read
from flow.hospital_messages import (
    ContactPerson,
    Dispatch,
    MessageKind,
    Organisation,
    UnreadableMessageError,
)
from flow.national_id import with_check_digits

KARI = with_check_digits("018545100")  # month + 80: a synthetic test number
D_NUMBER = with_check_digits("418545100")
assert KARI and D_NUMBER
KINDS = ["admitted", "ready", "ready_withdrawn", "discharged"]
PLO_KINDS = [*KINDS, "died"]
H_NUMBER = with_check_digits("014545100")  # month + 40: an H-number
assert H_NUMBER


@pytest.mark.parametrize("kind", PLO_KINDS)
@pytest.mark.parametrize("version", ["1.5", "1.6"])
@pytest.mark.parametrize("namespaces", [True, False])
def test_each_plo_message_reads_in_both_versions_with_or_without_namespaces(
    kind: str, version: str, namespaces: bool
) -> None:
    body = plo_message(kind, KARI, "2026-03-02T09:30:00", message_id="m-1", estimate=True,
                       version=version, namespaces=namespaces)  # fmt: skip

    message = read(body)

    assert message.kind == MessageKind(kind)
    assert message.dispatch == Dispatch.NEW
    assert (message.message_id, message.national_id, message.name) == ("m-1", KARI, "Kari Nordmann")
    assert message.at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # Norwegian winter time
    assert message.estimate is True
    assert message.place == "Sykehuset Test, medisinsk avdeling"
    expected_type = "PASIENTLOGISTIKK" if version == "1.5" else PLO_TYPES[kind][0]
    assert message.envelope.message_type == expected_type


def test_a_plo_message_says_who_sent_it_where_the_patient_is_and_whom_to_call() -> None:
    body = plo_message("discharged", KARI, place="Post 3 øst", remark="Trenger rullator",
                       discharged_to="11", refers_to="m-0")  # fmt: skip

    message = read(body)

    envelope, details = message.envelope, message.details
    assert envelope.sender == Organisation("Sykehuset Test HF", "8000001")
    assert envelope.department == Organisation("Medisinsk klinikk", "8000002")
    assert envelope.receiver == Organisation("Testkommune", "8000100")
    assert envelope.refers_to == "m-0"
    assert envelope.issued == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert details.ward == "Post 3 øst" and details.remark == "Trenger rullator"
    assert details.contact == ContactPerson("Sara Sykepleier", "9144900", "+4799999999")
    assert details.discharged_to == "11"


@pytest.mark.parametrize(
    ("code", "dispatch"),
    [("N", "new"), ("A", "addition"), ("M", "change"), ("C", "cancel"), ("H", "history")],
)
def test_the_dispatch_status_is_read_beside_the_message_by_kodeverk_7309(
    code: str, dispatch: str
) -> None:
    assert read(plo_message("ready", KARI, status=code)).dispatch == dispatch


def test_a_message_without_informasjon_om_forsendelsen_is_new() -> None:
    assert read(plo_message("ready", KARI, status=None)).dispatch == Dispatch.NEW


def test_a_status_inside_the_message_element_is_not_where_the_sources_put_it() -> None:
    """The misplacement our own fixtures once had: the status is not read from there."""
    body = plo_message("ready", KARI, status=None).replace(
        b"<TidsfestetHendelse", b'<Forsendelsesstatus V="C"/><TidsfestetHendelse', 1
    )
    assert read(body).dispatch == Dispatch.NEW


def test_an_h_number_is_read_when_the_message_says_hnr() -> None:
    assert read(plo_message("admitted", H_NUMBER, id_type="HNR")).national_id == H_NUMBER


def test_a_byte_order_mark_is_read() -> None:
    assert read(codecs.BOM_UTF8 + plo_message("ready", KARI)).kind == MessageKind.READY


def test_iso_8859_1_is_read_as_its_declaration_says() -> None:
    text = plo_message("ready", KARI, name=("Åse", "Øvergård"), place="Post 3 øst").decode()
    body = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("iso-8859-1")
    message = read(body)
    assert (message.name, message.details.ward) == ("Åse Øvergård", "Post 3 øst")


def test_a_date_alone_is_the_day() -> None:
    assert read(plo_message("ready", KARI, at="2026-03-02")).at == datetime(
        2026, 3, 1, 23, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("at", ["2026", "2026-03", "09:30:00"])
def test_a_time_that_names_no_day_is_refused_with_the_reason(at: str) -> None:
    with pytest.raises(UnreadableMessageError, match="nevner ingen dag"):
        read(plo_message("ready", KARI, at=at))


def test_what_could_be_read_of_an_unreadable_message_goes_with_the_refusal() -> None:
    with pytest.raises(UnreadableMessageError) as refused:
        read(plo_message("ready", KARI, message_id="m-9", status="X"))
    partial = refused.value.partial
    assert partial is not None and partial.envelope is not None
    assert (partial.envelope.message_id, partial.national_id) == ("m-9", KARI)
    assert partial.envelope.sender == Organisation("Sykehuset Test HF", "8000001")


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
    body = plo_message("ready", KARI).replace(b"2012-04-01", b"2016-11-01")
    assert read(body).kind == MessageKind.READY


@pytest.mark.parametrize(
    ("prefix", "dispatch"), [("", "new"), ("UPDATE-", "change"), ("CANCEL-", "cancel")]
)
def test_fhir_prefixes_say_new_change_or_cancel(prefix: str, dispatch: str) -> None:
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
        (plo_message("admitted", D_NUMBER, id_type="HNR"), "ikke et H-nummer"),
        (plo_message("admitted", KARI, id_type="SSN"), "(FNR), D-nummer (DNR) eller H-nummer"),
        (plo_message("admitted", KARI, element="MeldingOmDødsfall"), "Ukjent PLO-melding"),
        (plo_message("admitted", KARI, message_type="EPIKRISE"), "Ukjent meldingstype"),
        (plo_message("admitted", KARI, message_type="LOG_DOD"), "stemmer ikke"),
        (plo_message("admitted", KARI, status="X"), "kodeverk 7309"),
        (plo_message("discharged", KARI, discharged_to="4"), "finnes ikke i kodeverket"),
        (plo_message("admitted", KARI, at="i går"), "nevner ingen dag"),
        (plo_message("admitted", KARI, at="2026-13-45"), "ikke et tidspunkt"),
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


@given(st.sampled_from(KINDS), st.data(), JSON_VALUES)
def test_a_bundle_with_any_field_of_any_json_type_is_read_or_refused_in_words(
    kind: str, data: st.DataObject, value: object
) -> None:
    bundle = fhir_bundle(kind, KARI)
    *parents, last = data.draw(st.sampled_from(json_paths(bundle)[1:]))
    node: Any = bundle
    for key in parents:
        node = node[key]
    node[last] = value
    _read_or_refuse(json.dumps(bundle).encode())


def test_a_message_cut_off_after_its_envelope_still_says_who_sent_it_and_about_whom() -> None:
    body = plo_message("ready", KARI, message_id="m-7")
    cut = body[: body.index(b"<TidspunktForHendelse")]

    with pytest.raises(UnreadableMessageError) as refused:
        read(cut)

    assert refused.value.code == "xml_invalid"
    partial = refused.value.partial
    assert partial is not None and partial.envelope is not None
    assert (partial.envelope.message_id, partial.national_id) == ("m-7", KARI)
    assert partial.envelope.sender == Organisation("Sykehuset Test HF", "8000001")


def test_a_broken_document_with_a_dtd_is_not_read_any_further() -> None:
    with pytest.raises(UnreadableMessageError) as refused:
        read(BILLION_LAUGHS[:-5])
    assert refused.value.partial is None


@pytest.mark.parametrize("version", ["1.5", "1.6"])
@pytest.mark.parametrize("kind", PLO_KINDS)
@pytest.mark.parametrize(
    ("code", "dispatch"),
    [("N", "new"), ("A", "addition"), ("M", "change"), ("C", "cancel"), ("H", "history")],
)
def test_every_kind_reads_with_every_dispatch_status_in_both_versions(
    version: str, kind: str, code: str, dispatch: str
) -> None:
    message = read(plo_message(kind, KARI, version=version, status=code))
    assert (message.kind, message.dispatch) == (kind, dispatch)
