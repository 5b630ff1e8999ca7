"""MedCom's HospitalNotification, as MedCom's own examples send it (with Norwegian identifiers),
reads into our message; leave is refused as unsupported; our ready-for-discharge coding still
reads; and no JSON whatsoever makes the reader fail in any other way than in words."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.sample_messages import (
    FHIR_CODES,
    MEDCOM_EXAMPLES,
    fhir_medcom,
    fhir_message,
    fhir_resource,
    json_paths,
)

from boards.hospital import fhir
from flow.hospital_messages import Dispatch, HospitalMessage, Organisation, UnreadableMessageError
from flow.national_id import with_check_digits
from flow.vocabulary import MessageKind

ELMER = "25894712379"  # the examples' patient: 25.09.1947, month + 80 (synthetic)
H_NUMBER = with_check_digits("254947123")  # the same birth date, month + 40
assert ELMER == with_check_digits("258947123") and H_NUMBER
SENDER = Organisation("Hjerteafdelingen på Herlev og Gentofte hospital", "80000002")
RECEIVER = Organisation("Plejecenter Herlev", "80000001")


def parse(bundle: dict[str, Any]) -> HospitalMessage:
    return fhir.parse(json.dumps(bundle).encode())


def refused(bundle: dict[str, Any]) -> UnreadableMessageError:
    with pytest.raises(UnreadableMessageError) as refusal:
        parse(bundle)
    return refusal.value


@pytest.mark.parametrize(
    ("example", "kind", "dispatch", "at"),
    [
        ("stin", MessageKind.ADMITTED, Dispatch.NEW, "2022-12-07T10:00:00"),
        ("re_stin", MessageKind.ADMITTED, Dispatch.CHANGE, "2022-12-07T11:00:00"),
        # a cancellation happened when it was sent (Provenance.occurredDateTime)
        ("an_stin", MessageKind.ADMITTED, Dispatch.CANCEL, "2022-12-07T13:00:02"),
        ("slhj", MessageKind.DISCHARGED, Dispatch.NEW, "2022-12-18T07:45:30"),
        # a death: Patient.deceased true, the activity still admit-inpatient, the time period.end
        ("mors", MessageKind.DIED, Dispatch.NEW, "2022-12-09T07:45:30"),
    ],
)
def test_each_medcom_example_reads_as_what_it_says(
    example: str, kind: MessageKind, dispatch: Dispatch, at: str
) -> None:
    bundle = fhir_medcom(example)

    message = parse(bundle)

    in_utc = datetime.fromisoformat(at).replace(tzinfo=UTC)
    assert (message.kind, message.dispatch, message.at) == (kind, dispatch, in_utc)
    assert (message.national_id, message.name) == (ELMER, "Elmer")
    assert message.message_id == fhir_resource(bundle, "MessageHeader")["id"] != bundle["id"]


def test_the_envelope_says_who_sent_it_to_whom_and_when() -> None:
    envelope = parse(fhir_medcom("stin")).envelope

    assert envelope.message_id == "b9b4818e-02de-4cc4-b418-d20cbc7b5404"
    assert envelope.message_type == "hospital-notification-message"
    assert envelope.issued == datetime(2022, 12, 7, 10, 0, 1, tzinfo=UTC)
    assert (envelope.sender, envelope.receiver, envelope.department) == (SENDER, RECEIVER, None)


def test_a_service_provider_under_the_sender_is_the_department_the_board_shows() -> None:
    message = parse(fhir_medcom("stin_service_provider"))

    assert message.envelope.sender == Organisation(SENDER.name, "80000002")
    assert message.envelope.department == Organisation("Hjertemedicinsk sengeafs. S103", "80000003")
    assert message.place == "Hjertemedicinsk sengeafs. S103"
    assert message.details.ward == ""  # MedCom's Encounter has no location


@pytest.mark.parametrize(
    ("example", "activity"), [("stor", "start-leave-inpatient"), ("slor", "end-leave-inpatient")]
)
def test_leave_is_read_and_refused_as_unsupported_keeping_who_and_from_whom(
    example: str, activity: str
) -> None:
    refusal = refused(fhir_medcom(example))

    assert refusal.code == "fhir_activity_unsupported"
    assert refusal.params == {"activity": activity}
    assert refusal.partial is not None and refusal.partial.envelope is not None
    assert refusal.partial.envelope.sender == SENDER
    assert (refusal.partial.national_id, refusal.partial.name) == (ELMER, "Elmer")


@pytest.mark.parametrize("prefix", ["", "revise-", "cancel-"])
@pytest.mark.parametrize("leave", ["start-leave-inpatient", "end-leave-inpatient"])
def test_every_leave_activity_is_unsupported(prefix: str, leave: str) -> None:
    bundle = fhir_medcom("stin")
    fhir_resource(bundle, "Provenance")["activity"]["coding"][0]["code"] = prefix + leave
    assert refused(bundle).code == "fhir_activity_unsupported"


def test_an_acute_ambulant_stay_reads_like_an_admission_and_its_discharge_like_one() -> None:
    admitted, discharged = fhir_medcom("stin"), fhir_medcom("slhj")
    fhir_resource(admitted, "Provenance")["activity"]["coding"][0]["code"] = "admit-emergency"
    provenance = fhir_resource(discharged, "Provenance", 1)
    provenance["activity"]["coding"][0]["code"] = "revise-discharge-emergency-home"

    assert parse(admitted).kind == MessageKind.ADMITTED
    assert (parse(discharged).kind, parse(discharged).dispatch) == (
        MessageKind.DISCHARGED,
        Dispatch.CHANGE,
    )


def test_the_latest_provenance_about_this_message_says_what_happened() -> None:
    bundle = fhir_medcom("re_stin")
    later, about_the_first = (
        fhir_resource(bundle, "Provenance", 0),
        fhir_resource(bundle, "Provenance", 1),
    )
    about_the_first["recorded"] = "2022-12-31T00:00:00+01:00"  # later, but about STIN
    assert parse(bundle).dispatch == Dispatch.CHANGE

    earlier = {**later, "id": "earlier", "recorded": "2022-12-07T13:59:00+02:00"}
    earlier["activity"] = {
        "coding": [{"system": fhir.ACTIVITIES, "code": "cancel-admit-inpatient"}]
    }
    bundle["entry"].append({"fullUrl": "urn:uuid:earlier", "resource": earlier})
    assert parse(bundle).dispatch == Dispatch.CHANGE
    earlier["recorded"] = "2022-12-07T14:30:00+02:00"
    assert parse(bundle).dispatch == Dispatch.CANCEL


def test_without_a_provenance_about_this_message_nothing_is_said_to_have_happened() -> None:
    bundle = fhir_medcom("stin")
    fhir_resource(bundle, "Provenance")["target"] = [{"reference": "MessageHeader/another"}]

    refusal = refused(bundle)

    assert refusal.code == "fhir_no_activity"
    assert refusal.partial is not None and refusal.partial.national_id == ELMER


def test_an_unknown_activity_is_refused_naming_medcoms_codes() -> None:
    bundle = fhir_medcom("stin")
    fhir_resource(bundle, "Provenance")["activity"]["coding"][0]["code"] = "new-message"
    refusal = refused(bundle)
    assert refusal.code == "fhir_activity_unknown" and "admit-inpatient" in refusal.message


def test_an_encounter_entered_in_error_is_a_cancellation() -> None:
    bundle = fhir_medcom("slhj")
    fhir_resource(bundle, "Encounter")["status"] = "entered-in-error"
    assert parse(bundle).dispatch == Dispatch.CANCEL


def test_a_death_taken_back_is_a_cancellation_of_the_death() -> None:
    """AN_MORS: Patient.deceased false, the Encounter's status as before the death."""
    bundle = fhir_medcom("mors")
    fhir_resource(bundle, "Patient")["deceasedBoolean"] = False
    encounter = fhir_resource(bundle, "Encounter")
    encounter["status"] = "in-progress"
    del encounter["period"]["end"]

    message = parse(bundle)

    assert (message.kind, message.dispatch) == (MessageKind.DIED, Dispatch.CANCEL)
    assert message.at == datetime(2022, 12, 9, 7, 45, 32, tzinfo=UTC)


def test_a_death_on_leave_is_a_death() -> None:
    bundle = fhir_medcom("stor")
    fhir_resource(bundle, "Patient")["deceasedDateTime"] = "2022-12-13T20:00:00+02:00"
    encounter = fhir_resource(bundle, "Encounter")
    encounter["status"], encounter["period"]["end"] = "finished", "2022-12-13T20:00:00+02:00"

    assert parse(bundle).kind == MessageKind.DIED


@pytest.mark.parametrize("code", list(fhir.CODES))
@pytest.mark.parametrize(
    ("prefix", "dispatch"),
    [("", Dispatch.NEW), ("UPDATE-", Dispatch.CHANGE), ("CANCEL-", Dispatch.CANCEL)],
)
def test_our_four_codes_still_read_as_the_event_code(
    code: str, prefix: str, dispatch: Dispatch
) -> None:
    kind = fhir.CODES[code]
    message = fhir.parse(fhir_message(kind.value, ELMER, prefix=prefix))
    assert (message.kind, message.dispatch) == (kind, dispatch)
    assert FHIR_CODES[kind.value] == code


def test_our_ready_for_discharge_reads_as_a_provenance_activity_under_medcoms_event() -> None:
    bundle = fhir_medcom("stin")
    activity = {"system": fhir.EVENTS, "code": "UPDATE-READY-DIS-INP"}
    fhir_resource(bundle, "Provenance")["activity"]["coding"] = [activity]
    fhir_resource(bundle, "Encounter")["period"]["end"] = "2022-12-10T12:00:00+01:00"

    message = parse(bundle)

    assert (message.kind, message.dispatch) == (MessageKind.READY, Dispatch.CHANGE)
    assert message.at == datetime(2022, 12, 10, 11, tzinfo=UTC)


def test_another_event_code_is_refused_naming_medcoms_and_ours() -> None:
    bundle = fhir_medcom("stin")
    fhir_resource(bundle, "MessageHeader")["eventCoding"]["code"] = "care-communication-message"
    refusal = refused(bundle)
    assert refusal.code == "fhir_event_not_notification" and fhir.EVENTS in refusal.message


def test_an_h_number_is_read_by_its_identifier_type() -> None:
    bundle = fhir_medcom("stin")
    hnr = {"coding": [{"system": "urn:oid:2.16.578.1.12.4.1.1.8327", "code": "HNR"}]}
    patient = fhir_resource(bundle, "Patient")
    patient["identifier"] = [{"type": hnr, "system": "HNR", "value": H_NUMBER}]
    assert parse(bundle).national_id == H_NUMBER

    patient["identifier"][0]["value"] = ELMER  # month + 80: a fødselsnummer, not an H-number
    assert parse(bundle).national_id == ELMER
    patient["identifier"][0]["value"] = with_check_digits("250947123")
    assert refused(bundle).code == "identity_wrong_kind"


def test_a_felles_hjelpenummer_is_not_read_as_a_fødselsnummer() -> None:
    bundle = fhir_medcom("stin")
    identifier = fhir_resource(bundle, "Patient")["identifier"][0]
    identifier["system"] = "urn:oid:2.16.578.1.12.4.1.4.3"
    refusal = refused(bundle)
    assert refusal.code == "fhir_no_identity" and "H-nummer" in refusal.message
    assert refusal.partial is not None and refusal.partial.national_id == ""


def test_a_bundle_the_models_refuse_still_names_its_message() -> None:
    bundle = fhir_medcom("slhj")
    fhir_resource(bundle, "Encounter")["status"] = {"not": "a code"}

    refusal = refused(bundle)

    assert refusal.partial is not None and refusal.partial.envelope is not None
    assert refusal.partial.envelope.message_id == "g1affa53-c157-4080-abb0-8e681524f969"


def test_a_refused_message_without_its_header_id_names_nothing() -> None:
    bundle = fhir_medcom("slhj")
    del fhir_resource(bundle, "MessageHeader")["id"]
    refusal = refused(bundle)
    assert refusal.code == "fhir_missing" and refusal.partial is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _read_or_refuse(body: bytes) -> None:
    try:
        assert isinstance(fhir.parse(body), HospitalMessage)
    except UnreadableMessageError as error:
        assert error.message.strip()


@given(JSON)
def test_any_json_value_whatsoever_is_a_message_or_refused_in_words(value: object) -> None:
    _read_or_refuse(json.dumps(value).encode())


@given(st.sampled_from(MEDCOM_EXAMPLES), st.data(), JSON)
def test_a_medcom_example_with_any_json_anywhere_is_a_message_or_refused_in_words(
    example: str, data: st.DataObject, value: object
) -> None:
    bundle = fhir_medcom(example)
    *parents, last = data.draw(st.sampled_from(json_paths(bundle)[1:]))
    node: Any = bundle
    for key in parents:
        node = node[key]
    node[last] = value
    _read_or_refuse(json.dumps(bundle).encode())


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"resourceType": "Bundle", "entry": ' + b"[" * 50_000],
)
def test_deeply_nested_json_is_refused_in_words(body: bytes) -> None:
    with pytest.raises(UnreadableMessageError):
        fhir.parse(body)


def test_the_sender_organisations_contact_is_the_contact_person() -> None:
    bundle = fhir_medcom("stin")
    sender = fhir_resource(bundle, "Organization", 1)
    sender["contact"] = [
        {"telecom": [{"system": "email", "value": "post@example.org"}]},
        {
            "name": {"given": ["Kari"], "family": "Sykepleier"},
            "telecom": [{"system": "phone", "value": "+47 22 00 00 00"}],
        },
    ]

    contact = parse(bundle).details.contact

    assert contact is not None
    assert (contact.name, contact.phone) == ("Kari Sykepleier", "+47 22 00 00 00")
    assert parse(fhir_medcom("stin")).details.contact is None  # MedCom's examples have none
