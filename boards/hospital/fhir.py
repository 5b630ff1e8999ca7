"""FHIR R4 message Bundles to a `HospitalMessage`: MedCom's HospitalNotification as MedCom
defines it, with Norwegian identifiers, and our own coding beside it.

MedCom (medcomdk/dk-medcom-hospitalnotification 3.0.2): `input/fsh/MedComHospitalNotification
MessageHeader.fsh` fixes `eventCoding` to `MEDCOM_EVENTS#hospital-notification-message`; what
happened is the `activity` (`ACTIVITIES`: medcomdk/dk-medcom-terminology `input/fsh/MedCom
MessagingActivityCodes.fsh`) of the Provenance whose `target` is this MessageHeader, the latest
by `recorded` (medcomdk/dk-medcom-messaging `input/fsh/MedComMessagingProvenance.fsh`).
`input/fsh/MedComHospitalNotificationEncounter.fsh`: `period.start` is the admission,
`period.end` the discharge or the death, `status` entered-in-error a cancelled admission. No
activity says "deceased": a death is `Patient.deceased` true under the activity as it was, and
its cancellation (AN_MORS) `Patient.deceased` false (`input/pagecontent/index.md`, "MORS";
`docs/assets/documents/Overview-HospitalNotification-codes-FHIR.md`, githubpagesmaster branch).
The message id is `MessageHeader.id`; Bundle.id is new at every resending
(`docs/assets/documents/Map_between_OIOXML_and_FHIR_HospitalNotification.md`). Examples:
`input/fsh/MedComHospitalNotificationMessage.fsh`, `HospitalNotificationProvenanceInstances.fsh`,
`GeneralInstances.fsh`.

admit-* reads as an admission (acute ambulant `-emergency` like inpatient), discharge-*-home as
a discharge, `revise-` as a change, `cancel-` (or the Encounter entered-in-error) as a
cancellation. Leave (start-/end-leave-inpatient, revised or cancelled) has no place in our flow
and is refused as unsupported. A corrected death (RE_MORS) cannot be told from a death.

Our extension, for ready-for-discharge (MedCom has no such activity): code system `EVENTS`,
codes ADM-INP, READY-DIS-INP, WITHDRAW-READY-DIS-INP, DIS-INP, with `UPDATE-` or `CANCEL-` in
front for a change or a cancellation; as `eventCoding` (as before) or as the Provenance's
activity under MedCom's event. Times: `period.start` for an admission, the Bundle's `timestamp`
for a withdrawal, else `period.end`; an extension `ESTIMATE` (valueBoolean) on `period`.

Identifiers (HL7Norway/basisprofiler-r4 `NamingSystem/no-basis-fodselsnummer`, `-dnummer`,
`-felleshjelpenummer.namingsystem.xml`, no-basis-Patient's HNR slice): fødselsnummer `FNR`,
D-number `DNR`; an H-number has no national OID but `identifier.type` HNR in kodeverk 8327 (or
8116). `urn:oid:2.16.578.1.12.4.1.4.3` is the felles hjelpenummer, another syntax, not read.
HER-id: `HER_ID` (`StructureDefinition/kommunikasjonspart-Organization.structuredefinition-
profile.xml`).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.messageheader import MessageHeader
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.provenance import Provenance
from pydantic import ValidationError

from boards.hospital.reading import event_time, identity, limited
from boards.shapes import field_message
from flow.hospital_messages import (
    ContactPerson,
    Details,
    Dispatch,
    Envelope,
    HospitalMessage,
    Organisation,
    PartialMessage,
    UnreadableMessageError,
)
from flow.vocabulary import MessageKind

EVENTS = "urn:pasientflyt:fhir:hospital-notification"
ESTIMATE = "urn:pasientflyt:fhir:estimate"
MEDCOM_EVENTS = "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-eventCodes"
MEDCOM_EVENT = "hospital-notification-message"
ACTIVITIES = "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-activityCodes"
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"
ID_TYPES = ("urn:oid:2.16.578.1.12.4.1.1.8327", "urn:oid:2.16.578.1.12.4.1.1.8116")
HER_ID = "urn:oid:2.16.578.1.12.4.1.2"

CODES = {
    "ADM-INP": MessageKind.ADMITTED,
    "READY-DIS-INP": MessageKind.READY,
    "WITHDRAW-READY-DIS-INP": MessageKind.READY_WITHDRAWN,
    "DIS-INP": MessageKind.DISCHARGED,
}
PREFIXES = {"UPDATE-": Dispatch.CHANGE, "CANCEL-": Dispatch.CANCEL}

#: MedCom's activities we act on, by the event without its `revise-`/`cancel-`.
MEDCOM_KINDS = {
    "admit-inpatient": MessageKind.ADMITTED,
    "admit-emergency": MessageKind.ADMITTED,
    "discharge-inpatient-home": MessageKind.DISCHARGED,
    "discharge-emergency-home": MessageKind.DISCHARGED,
}
MEDCOM_PREFIXES = {"revise-": Dispatch.CHANGE, "cancel-": Dispatch.CANCEL}
#: MedCom's leave of absence: read, and refused as a kind our flow does not have.
LEAVE = ("start-leave-inpatient", "end-leave-inpatient")


def parse(body: bytes) -> HospitalMessage:
    """The message, or `UnreadableMessageError` saying in Norwegian what is wrong, with what
    could be read before the fault (`partial`)."""
    bundle = _bundle(body)
    resources = _resources(bundle)
    if bundle.type != "message" or not resources or not isinstance(resources[0], MessageHeader):
        raise UnreadableMessageError("fhir_not_message_bundle")
    header: MessageHeader = resources[0]
    message_id = limited(_required(header.id, "MessageHeader.id"), 200, "MessageHeader.id")
    partial = PartialMessage(Envelope(message_id))
    try:
        envelope = _envelope(message_id, bundle, header)
        partial = PartialMessage(envelope)
        patient: Patient = _one(resources, Patient)
        partial = PartialMessage(envelope, _national_id(patient), _name(patient))
        return _message(partial, envelope, bundle, header)
    except UnreadableMessageError as error:
        raise error.with_partial(partial) from None


def _message(
    partial: PartialMessage, envelope: Envelope, bundle: Bundle, header: MessageHeader
) -> HospitalMessage:
    encounter: Encounter = _one(_resources(bundle), Encounter)
    patient: Patient = _one(_resources(bundle), Patient)
    coding = header.eventCoding
    if coding is not None and (coding.system, coding.code) == (MEDCOM_EVENTS, MEDCOM_EVENT):
        provenance = _activity(bundle, header)
        kind, dispatch = _medcom_event(provenance, encounter, patient)
        sent = provenance.occurredDateTime or bundle.timestamp
        at = _time(kind, bundle, encounter, sent if dispatch == Dispatch.CANCEL else None)
    else:
        kind, dispatch = _our_event(coding)
        at = _time(kind, bundle, encounter)
    return HospitalMessage(
        envelope=envelope,
        kind=kind,
        dispatch=dispatch,
        national_id=partial.national_id,
        name=partial.name,
        at=at,
        estimate=_estimate(encounter),
        details=Details(ward=_ward(encounter), contact=_contact(bundle, header)),
    )


def _bundle(body: bytes) -> Bundle:
    try:
        return Bundle.model_validate_json(body)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'meldingen'}: {_problem(e)}"
            for e in error.errors(include_url=False)[:3]
        ]
        refusal = UnreadableMessageError("fhir_invalid", problems=limited("; ".join(problems), 600))
    except (KeyError, TypeError, AttributeError) as error:
        # fhir.resources' own checks of some types (resourceType, url) assume the JSON type
        # is right and fail this way when it is not.
        refusal = UnreadableMessageError("fhir_wrong_type", error=limited(str(error), 100))
    if (message_id := _salvaged_id(body)) is not None:
        refusal.with_partial(PartialMessage(Envelope(message_id)))
    raise refusal


def _salvaged_id(body: bytes) -> str | None:
    """The MessageHeader's id of a Bundle the models refuse, if the JSON still says it."""
    try:
        entries = json.loads(body).get("entry")
        found = entries[0]["resource"]
        if found.get("resourceType") == "MessageHeader" and isinstance(found.get("id"), str):
            return limited(found["id"], 200, "MessageHeader.id") if found["id"] else None
    except (ValueError, RecursionError, AttributeError, LookupError, TypeError):
        pass
    except UnreadableMessageError:
        pass
    return None


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


def _resources(bundle: Bundle) -> list[Any]:
    return [entry.resource for entry in bundle.entry or [] if entry.resource]


def _one(resources: list[Any], kind: type) -> Any:
    found = [r for r in resources if isinstance(r, kind)]
    if len(found) != 1:
        raise UnreadableMessageError("fhir_not_one", resource=kind.__name__)
    return found[0]


def _resolve(bundle: Bundle, reference: Any, kind: type) -> Any:
    """The resource of the Bundle a reference points to (by fullUrl, or `Type/id`), if any."""
    target = getattr(reference, "reference", None) or ""
    for entry in bundle.entry or []:
        found, local = entry.resource, f"{kind.__name__}/{getattr(entry.resource, 'id', '')}"
        if target in (entry.fullUrl, local) or target.endswith("/" + local):
            if target and isinstance(found, kind):
                return found
    return None


# -- The envelope: who sent it, to whom, when


def _envelope(message_id: str, bundle: Bundle, header: MessageHeader) -> Envelope:
    coding = header.eventCoding
    sender = _organisation(bundle, header.sender)
    receivers = [d.receiver for d in header.destination or [] if d.receiver is not None]
    provider = _organisation(bundle, _provider(bundle))
    return Envelope(
        message_id,
        message_type=limited((coding.code or "") if coding else "", 100, "eventCoding.code"),
        message_type_text=limited((coding.display or "") if coding else "", 200),
        issued=event_time(bundle.timestamp) if bundle.timestamp else None,
        sender=sender,
        department=provider if provider not in (None, sender) else None,
        receiver=_organisation(bundle, receivers[0]) if receivers else None,
    )


def _provider(bundle: Bundle) -> Any:
    encounters = [r for r in _resources(bundle) if isinstance(r, Encounter)]
    return encounters[0].serviceProvider if len(encounters) == 1 else None


def _organisation(bundle: Bundle, reference: Any) -> Organisation | None:
    """A referenced Organization's name and HER-id; a reference's display if no resource."""
    if reference is None:
        return None
    found: Organization | None = _resolve(bundle, reference, Organization)
    name = (found.name if found else None) or reference.display or ""
    her = [i.value for i in (found.identifier if found else None) or [] if i.system == HER_ID]
    if not name and not any(her):
        return None
    return Organisation(limited(name, 200, "Organization.name"), _her_id(her[0] if her else ""))


def _her_id(value: str | None) -> str:
    return limited(value, 20, "HER-id") if value else ""


def _contact(bundle: Bundle, header: MessageHeader) -> ContactPerson | None:
    """The sender Organization's first contact with a name (MedCom's Encounter has no
    participant), with its phone."""
    found: Organization | None = _resolve(bundle, header.sender, Organization)
    for contact in (found.contact if found else None) or []:
        given = [*(contact.name.given or []), contact.name.family or ""] if contact.name else []
        name = (contact.name.text if contact.name else None) or " ".join(g for g in given if g)
        if name:
            phones = [t.value for t in contact.telecom or [] if t.system == "phone" and t.value]
            phone = limited(phones[0], 40, "telecom") if phones else ""
            return ContactPerson(limited(name, 200, "contact"), phone=phone)
    return None


# -- The patient


def _national_id(patient: Patient) -> str:
    for identifier in patient.identifier or []:
        kind = _identity_kind(identifier)
        if kind is not None:
            return identity(_required(identifier.value, "identity_number"), kind)
    raise UnreadableMessageError("fhir_no_identity", fnr=FNR, dnr=DNR)


def _identity_kind(identifier: Any) -> str | None:
    if identifier.system in (FNR, DNR):
        return "FNR" if identifier.system == FNR else "DNR"
    codings = (identifier.type.coding if identifier.type else None) or []
    return "HNR" if any(c.system in ID_TYPES and c.code == "HNR" for c in codings) else None


def _name(patient: Patient) -> str:
    for name in patient.name or []:
        parts = [*(name.given or []), name.family or ""]
        if text := " ".join(p for p in parts if p) or (name.text or ""):
            return limited(text, 200, "patient_name")
    raise UnreadableMessageError("fhir_missing", part="patient_name")


# -- The event and its time


def _our_event(coding: Any) -> tuple[MessageKind, Dispatch]:
    code = (coding.code or "") if coding is not None else ""
    dispatch = Dispatch.NEW
    for prefix, meant in PREFIXES.items():
        if code.startswith(prefix):
            code, dispatch = code.removeprefix(prefix), meant
    if coding is None or coding.system != EVENTS or code not in CODES:
        if coding is not None and coding.system == EVENTS:
            raise UnreadableMessageError("fhir_event_unknown", system=EVENTS, codes=list(CODES))
        raise UnreadableMessageError(
            "fhir_event_not_notification", system=MEDCOM_EVENTS, code=MEDCOM_EVENT, ours=EVENTS
        )
    return CODES[code], dispatch


def _activity(bundle: Bundle, header: MessageHeader) -> Provenance:
    """The latest Provenance about this message: it says what happened."""
    mine = [
        r
        for r in _resources(bundle)
        if isinstance(r, Provenance)
        and any(_resolve(bundle, t, MessageHeader) is header for t in r.target or [])
    ]
    if not mine:
        raise UnreadableMessageError("fhir_no_activity")
    return max(mine, key=lambda p: _moment(p.recorded, "Provenance.recorded"))


def _medcom_event(
    provenance: Provenance, encounter: Encounter, patient: Patient
) -> tuple[MessageKind, Dispatch]:
    codings = provenance.activity.coding if provenance.activity else None
    coding = codings[0] if codings else None
    if coding is not None and coding.system == EVENTS:
        return _our_event(coding)
    code = (coding.code or "") if coding is not None and coding.system == ACTIVITIES else ""
    event, dispatch = code, Dispatch.NEW
    for prefix, meant in MEDCOM_PREFIXES.items():
        if code.startswith(prefix):
            event, dispatch = code.removeprefix(prefix), meant
    if event not in MEDCOM_KINDS and event not in LEAVE:
        raise UnreadableMessageError(
            "fhir_activity_unknown", system=ACTIVITIES, codes=list(MEDCOM_KINDS)
        )
    if encounter.status == "entered-in-error":
        dispatch = Dispatch.CANCEL
    if dispatch != Dispatch.CANCEL and patient.deceasedBoolean is False:
        return MessageKind.DIED, Dispatch.CANCEL  # AN_MORS: the death is taken back
    if dispatch != Dispatch.CANCEL and (patient.deceasedBoolean or patient.deceasedDateTime):
        return MessageKind.DIED, Dispatch.NEW  # MORS (or RE_MORS), whatever the activity
    if event in LEAVE:
        raise UnreadableMessageError("fhir_activity_unsupported", activity=code)
    return MEDCOM_KINDS[event], dispatch


def _time(
    kind: MessageKind, bundle: Bundle, encounter: Encounter, cancelled: Any = None
) -> datetime:
    """When it happened: the Encounter's start or end; a withdrawal when it was sent, and a
    MedCom cancellation when it was sent (`cancelled`: the Provenance's occurredDateTime)."""
    period = encounter.period
    if cancelled is not None:
        value, what = cancelled, "Provenance.occurredDateTime"
    elif kind == MessageKind.ADMITTED:
        value, what = (period.start if period else None), "Encounter.period.start"
    elif kind == MessageKind.READY_WITHDRAWN:
        value, what = bundle.timestamp, "Bundle.timestamp"
    else:
        value, what = (period.end if period else None), "Encounter.period.end"
    return _moment(value, what)


def _moment(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime | date | str):
        raise UnreadableMessageError("fhir_missing_time", field=what)
    return event_time(value)


def _estimate(encounter: Encounter) -> bool:
    extensions = (encounter.period.extension if encounter.period else None) or []
    return any(e.url == ESTIMATE and e.valueBoolean for e in extensions)


def _ward(encounter: Encounter) -> str:
    """Where the patient lies (our extension; MedCom's Encounter has no location)."""
    for location in encounter.location or []:
        if location.location is not None and location.location.display:
            return limited(location.location.display, 200, "place")
    return ""
