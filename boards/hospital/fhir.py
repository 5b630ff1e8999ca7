"""FHIR R4 message Bundles to a `HospitalMessage`, validated by fhir.resources' R4B models.

Modelled on MedCom's HospitalNotification: `MessageHeader.eventCoding` in the code system
`EVENTS` names the kind; a prefix `UPDATE-` makes it a change, `CANCEL-` a cancellation.
The message id is `MessageHeader.id`. The `Encounter` says where (`location[0].location.
display`, else `serviceProvider.display`) and when: `period.start` for an admission,
`period.end` for ready-for-discharge and discharge, the Bundle's `timestamp` for a
withdrawal; an extension `ESTIMATE` (valueBoolean) on `period` marks the time an estimate.
The `Patient` has an identifier in the national system for fødselsnummer or D-number.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.messageheader import MessageHeader
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from boards.hospital.reading import event_time, identity, limited
from boards.shapes import field_message
from flow.hospital_messages import (
    Details,
    Dispatch,
    Envelope,
    HospitalMessage,
    UnreadableMessageError,
)
from flow.vocabulary import MessageKind

EVENTS = "urn:pasientflyt:fhir:hospital-notification"
ESTIMATE = "urn:pasientflyt:fhir:estimate"
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"

CODES = {
    "ADM-INP": MessageKind.ADMITTED,
    "READY-DIS-INP": MessageKind.READY,
    "WITHDRAW-READY-DIS-INP": MessageKind.READY_WITHDRAWN,
    "DIS-INP": MessageKind.DISCHARGED,
}
PREFIXES = {"UPDATE-": Dispatch.CHANGE, "CANCEL-": Dispatch.CANCEL}


def parse(body: bytes) -> HospitalMessage:
    """The message, or `UnreadableMessageError` saying in Norwegian what is wrong."""
    bundle = _bundle(body)
    resources = [entry.resource for entry in bundle.entry or [] if entry.resource is not None]
    if bundle.type != "message" or not resources or not isinstance(resources[0], MessageHeader):
        raise UnreadableMessageError("fhir_not_message_bundle")
    header: MessageHeader = resources[0]
    kind, dispatch = _event(header)
    encounter: Encounter = _one(resources, Encounter)
    patient: Patient = _one(resources, Patient)
    return HospitalMessage(
        envelope=Envelope(
            limited(_required(header.id, "MessageHeader.id"), 200, "MessageHeader.id")
        ),
        kind=kind,
        dispatch=dispatch,
        national_id=_national_id(patient),
        name=_name(patient),
        at=_time(kind, bundle, encounter),
        estimate=_estimate(encounter),
        details=Details(ward=_place(encounter)),
    )


def _bundle(body: bytes) -> Bundle:
    try:
        return Bundle.model_validate_json(body)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'meldingen'}: {_problem(e)}"
            for e in error.errors(include_url=False)[:3]
        ]
        raise UnreadableMessageError(
            "fhir_invalid", problems=limited("; ".join(problems), 600)
        ) from None
    except (KeyError, TypeError, AttributeError) as error:
        # fhir.resources' own checks of some types (resourceType, url) assume the JSON type
        # is right and fail this way when it is not.
        raise UnreadableMessageError("fhir_wrong_type", error=limited(str(error), 100)) from None


def _problem(error: Any) -> str:
    """Pydantic's own error types in Norwegian; the FHIR models' checks say what failed in
    English, which the hospital's integrator reads."""
    if error["type"] == "value_error":
        return f"ugyldig verdi ({field_message(error)})"
    return field_message(error)


def _required(value: Any, what: str) -> str:
    if not value:
        raise UnreadableMessageError("fhir_missing", part=what)
    return str(value)


def _event(header: MessageHeader) -> tuple[MessageKind, Dispatch]:
    coding = header.eventCoding
    code = (coding.code or "") if coding is not None else ""
    dispatch = Dispatch.NEW
    for prefix, meant in PREFIXES.items():
        if code.startswith(prefix):
            code, dispatch = code.removeprefix(prefix), meant
    if coding is None or coding.system != EVENTS or code not in CODES:
        raise UnreadableMessageError("fhir_event_unknown", system=EVENTS, codes=list(CODES))
    return CODES[code], dispatch


def _one(resources: list[Any], kind: type) -> Any:
    found = [r for r in resources if isinstance(r, kind)]
    if len(found) != 1:
        raise UnreadableMessageError("fhir_not_one", resource=kind.__name__)
    return found[0]


def _national_id(patient: Patient) -> str:
    for identifier in patient.identifier or []:
        if identifier.system in (FNR, DNR):
            number = _required(identifier.value, "identity_number")
            return identity(number, "DNR" if identifier.system == DNR else "FNR")
    raise UnreadableMessageError("fhir_no_identity", fnr=FNR, dnr=DNR)


def _name(patient: Patient) -> str:
    for name in patient.name or []:
        parts = [*(name.given or []), name.family or ""]
        if text := " ".join(p for p in parts if p) or (name.text or ""):
            return limited(text, 200, "patient_name")
    raise UnreadableMessageError("fhir_missing", part="patient_name")


def _time(kind: MessageKind, bundle: Bundle, encounter: Encounter) -> datetime:
    period = encounter.period
    if kind == MessageKind.ADMITTED:
        value, what = (period.start if period else None), "Encounter.period.start"
    elif kind == MessageKind.READY_WITHDRAWN:
        value, what = bundle.timestamp, "Bundle.timestamp"
    else:
        value, what = (period.end if period else None), "Encounter.period.end"
    if not isinstance(value, datetime | date | str):
        raise UnreadableMessageError("fhir_missing_time", field=what)
    return event_time(value)


def _estimate(encounter: Encounter) -> bool:
    extensions = (encounter.period.extension if encounter.period else None) or []
    return any(e.url == ESTIMATE and e.valueBoolean for e in extensions)


def _place(encounter: Encounter) -> str:
    for location in encounter.location or []:
        if location.location is not None and location.location.display:
            return limited(location.location.display, 200, "place")
    provider = encounter.serviceProvider
    if provider is not None and provider.display:
        return limited(provider.display, 200, "place")
    return "Sykehuset"
