"""KITH's application receipt (Applikasjonskvittering v1.0, HIS 80415:2004) for a hospital
message: it refers to the message's `MsgId` and says OK, or rejected with the standard's error
codes and a sentence in bokmål. `application_receipt` writes it; `fault_of_refusal` turns one of
our refusals into the standard's error.

Sources:

- The schema `AppRec-v1.0.xsd`, namespace `http://www.kith.no/xmlstds/apprec/2004-11-21`, as
  published in github.com/navikt/syfo-xml-codegen, `kith-apprec/src/main/xsd/AppRec-v1.0.xsd`
  (commit 858760b9eb2d156dfce524b363bf1c6c5a15e3da); vendored beside the tests,
  `tests/support/kith/`. It fixes the order of the elements and what may be empty:
  `OriginalMsgId/Id` is a plain `string`, so it may be; `IssueDate` and `GenDate` are
  `dateTime`s; a `CS` (MsgType, Status, TypeId) has only `V` and `DN`, a `CV` (Error) also
  `S` and `OT`; `HCP` holds an `Inst` (Name, Id, TypeId, then Dept).
- KITH's code lists in github.com/NorskHelsenett/kith-visningsfiler,
  `felleskomponenter/kodeverk.xsl` (commit 7a97da8aca67d80883b2400551b8948ac6ca785f):
  8258 (the status), 8221 (the errors, OID 2.16.578.1.12.4.1.1.8221), 8279 (APPREC
  «Applikasjonskvittering»), 9051 (HER «HER-id»). That repository has no stylesheet for
  AppRec; the code lists are all it says of it.
- How senders fill it, learnt from NAV's receipts (github.com/navikt; eMottak's
  `no.nav.emottak.melding.apprec`, `createBaseApprec`): MsgType `APPREC`, MIGversion
  `1.0 2004-11-21`, the original's sender as the receiver, `OriginalMsgId` from MsgHead's
  `MsgInfo` (Type, GenDate, MsgId), an error as `V` the code, `S` the list's OID, `DN` the
  code's text and `OT` the receiver's own words. Where senders differ from the schema (some
  swap `V` and `S`, which `S`'s OID pattern refuses; some give `Status` an `S`, which a `CS`
  has not), the schema wins.
- Norsk helsenett's EDI 2.0 documentation, "Send Application Receipt"
  (utviklerportal.nhn.no, .../edi-20-ekstern-docs/docs/api-version-3/send-apprec_engbmd): a
  rejected receipt carries at least one error. We also hold that an OK one carries none: a
  PLO message has no parts, so 8258's third status, «OK, feil i delmelding», is never ours.

A message that could not be read at all has no envelope: its receipt still says what is
known. `OriginalMsgId/Id` is then the empty string (the schema allows it), its `MsgType` has
no code, and its `IssueDate`, which the schema requires, is the receipt's own time. A receipt
whose receiver is unknown names nobody (an empty `Inst`, which the schema allows): it goes back
in the HTTP answer to whoever sent the message.

XML 1.0 cannot carry every character a string can (control characters, U+FFFE, U+FFFF); such
a character is written as U+FFFD, so the receipt is always well-formed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import uuid4
from xml.etree.ElementTree import Element, SubElement, tostring

from flow.hospital_messages import Envelope, Organisation
from flow.rates import OSLO
from flow.refusals import Param, sentence, still_said

NAMESPACE = "http://www.kith.no/xmlstds/apprec/2004-11-21"
MIG_VERSION = "1.0 2004-11-21"
#: Who writes the receipt (`SoftwareName`), and the receiving department where the message
#: named no receiver.
SOFTWARE = "Pasientflyt"
ERROR_CODE_LIST = "2.16.578.1.12.4.1.1.8221"  # KITH kodeverk 8221's OID
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class AppRecStatus(StrEnum):
    """What became of the message (KITH kodeverk 8258; its value is the code)."""

    OK = "1"
    REJECTED = "2"  # Avvist

    @property
    def text(self) -> str:
        return "OK" if self is AppRecStatus.OK else "Avvist"


class ErrorCode(StrEnum):
    """What is wrong with a message (KITH kodeverk 8221, «Feilmelding for
    applikasjonskvittering»); `text` is the code list's own."""

    E10 = "E10"
    E20 = "E20"
    E21 = "E21"
    E30 = "E30"
    E31 = "E31"
    E32 = "E32"
    E33 = "E33"
    E34 = "E34"
    E35 = "E35"
    E36 = "E36"
    E53 = "E53"
    E54 = "E54"
    S01 = "S01"
    S02 = "S02"
    S03 = "S03"
    S99 = "S99"
    T01 = "T01"
    T02 = "T02"
    T10 = "T10"
    T99 = "T99"
    X99 = "X99"

    @property
    def text(self) -> str:
        return _ERROR_TEXT[self]


_ERROR_TEXT = {
    ErrorCode.E10: "Ugyldig meldingsidentifikator",
    ErrorCode.E20: "Lege finnes ikke",
    ErrorCode.E21: "Mottaker finnes ikke",
    ErrorCode.E30: "Pasientens fødselsnummer mangler",
    ErrorCode.E31: "Pasientens fødselsnummer er feil",
    ErrorCode.E32: "Pasientens navn mangler",
    ErrorCode.E33: "Pasientens etternavn mangler",
    ErrorCode.E34: "Pasientens fornavn mangler",
    ErrorCode.E35: "Pasienten finnes ikke i mottakersystemet",
    ErrorCode.E36: "Pasientopplysninger er utilstrekkelige",
    ErrorCode.E53: (
        "Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret."
    ),
    ErrorCode.E54: "Pasientens fødselsnummer er ikke registrert i mottagersystemet",
    ErrorCode.S01: "Feil på signatur",
    ErrorCode.S02: "Ugyldig sertifikat",
    ErrorCode.S03: "Tilbaketrukket sertifikat",
    ErrorCode.S99: "Annen feil på signatur eller sertifikat",
    ErrorCode.T01: "Ikke XML / ikke 'well formed' / uleselig",
    ErrorCode.T02: "XML validerer ikke",
    ErrorCode.T10: "Støtter ikke meldingsformatet",
    ErrorCode.T99: "Annen feil på format",
    ErrorCode.X99: "Annen feil",
}


@dataclass(frozen=True)
class Fault:
    """One thing wrong with the message: its 8221 code, and what we say of it in bokmål."""

    code: ErrorCode
    text: str = ""


#: Our refusals (`flow/refusals.toml`) as 8221 codes, by what the code list's texts say:
#: - T01 «ikke XML / ikke well formed / uleselig»: XML that does not parse, or that we will
#:   not parse (a DTD or entities).
#: - T10 «støtter ikke meldingsformatet»: a body neither XML nor JSON (EDIFACT, say), XML
#:   without KITH's envelope, another message type than PLO, an unknown PLO message or FHIR
#:   event.
#: - E30 «fødselsnummer mangler», E31 «fødselsnummer er feil» (a D-number is one too).
#: - T99 «annen feil på format»: read, but a part is missing, malformed, too long or out of
#:   range, and a body over our size limit.
#: Parts named by `part` go further (`_MISSING_PARTS`, `_BAD_PARTS`): no name is E32, no MsgId
#: E10. Any other refusal is X99 «annen feil»: the message was read, but the patient's flow
#: does not allow what it says (`no_open_flow`, `patient_not_in_hospital`,
#: `hospital_cancellation`, `discharge_without_bed_or_plan`, and any `FlowError`); it waits on
#: the allocation office's follow-up list.
REFUSAL_ERROR_CODES: Mapping[str, ErrorCode] = {
    "xml_invalid": ErrorCode.T01,
    "xml_unsafe": ErrorCode.T01,
    "message_format_unknown": ErrorCode.T10,
    "xml_no_msghead": ErrorCode.T10,
    "plo_wrong_type": ErrorCode.T10,
    "plo_unknown_message": ErrorCode.T10,
    "fhir_not_message_bundle": ErrorCode.T10,
    "fhir_event_unknown": ErrorCode.T10,
    "fhir_event_not_notification": ErrorCode.T10,
    "fhir_activity_unknown": ErrorCode.T10,
    "fhir_activity_unsupported": ErrorCode.T10,
    "fhir_no_activity": ErrorCode.T99,
    "plo_no_identity": ErrorCode.E30,
    "fhir_no_identity": ErrorCode.E30,
    "identity_invalid": ErrorCode.E31,
    "identity_wrong_kind": ErrorCode.E31,
    "message_too_large": ErrorCode.T99,
    "time_unreadable": ErrorCode.T99,
    "time_out_of_range": ErrorCode.T99,
    "part_unprintable": ErrorCode.T99,
    "part_too_long": ErrorCode.T99,
    "plo_missing": ErrorCode.T99,
    "plo_dispatch_unknown": ErrorCode.T99,
    "plo_estimate_invalid": ErrorCode.T99,
    "plo_kind_conflict": ErrorCode.T99,
    "plo_code_unknown": ErrorCode.T99,
    "time_no_day": ErrorCode.T99,
    "fhir_invalid": ErrorCode.T99,
    "fhir_wrong_type": ErrorCode.T99,
    "fhir_not_one": ErrorCode.T99,
    "fhir_missing": ErrorCode.T99,
    "fhir_missing_time": ErrorCode.T99,
}
_MESSAGE_IDS = {"MsgId": ErrorCode.E10, "MessageHeader.id": ErrorCode.E10}
#: A part that is missing (`plo_missing`, `fhir_missing`), by the `part` the readers name.
_MISSING_PARTS = {
    **_MESSAGE_IDS,
    "patient_name": ErrorCode.E32,
    "patient_ident": ErrorCode.E30,
    "identity_number": ErrorCode.E30,
}
#: A part that is there but unusable (`part_too_long`, `part_unprintable`).
_BAD_PARTS = _MESSAGE_IDS
_BY_PART = {
    "plo_missing": _MISSING_PARTS,
    "fhir_missing": _MISSING_PARTS,
    "part_too_long": _BAD_PARTS,
    "part_unprintable": _BAD_PARTS,
}


def error_code(refusal: str, params: Mapping[str, Param] | None = None) -> ErrorCode:
    """The 8221 code for one of our refusals (its code and parameters); X99 for a refusal
    of the flow's state, or any code this table does not know."""
    part = (params or {}).get("part")
    if isinstance(part, str) and part in _BY_PART.get(refusal, {}):
        return _BY_PART[refusal][part]
    return REFUSAL_ERROR_CODES.get(refusal, ErrorCode.X99)


def fault_of_refusal(refusal: str, params: Mapping[str, Param] | None = None) -> Fault:
    """The receipt's error for one of our refusals: its 8221 code, and its sentence in bokmål
    (the code list's text for a refusal the catalogue no longer says so)."""
    params = params or {}
    code = error_code(refusal, params)
    return Fault(code, sentence(refusal, params) if still_said(refusal, params) else code.text)


def application_receipt(
    original: Envelope | None,
    status: AppRecStatus,
    faults: Sequence[Fault] = (),
    *,
    municipality: str,
    at: datetime,
    receipt_id: str | None = None,
) -> bytes:
    """The AppRec v1.0 for a message (`original`, None if it could not be read at all), as
    UTF-8 with its XML declaration.

    Its sender is the original's receiver, or where the message named none, the municipality
    (`municipality`, its name) and this application as its department; its receiver is the
    original's sender and department. `at` is its `GenDate`; `receipt_id` its own `Id`, a new
    UUID unless given (the same receipt again gives the id it had). A rejected receipt carries
    at least one fault, an OK one none."""
    _check_faults(status, faults)
    receipt = _element(None, "AppRec")
    # Every element is in KITH's namespace, declared once as the default: ElementTree's own
    # `default_namespace` refuses attributes without one (V, DN) before Python 3.13, and
    # `register_namespace` would change every other writer in the process.
    receipt.set("xmlns", NAMESPACE)
    _code(receipt, "MsgType", "APPREC", "Applikasjonskvittering")
    _element(receipt, "MIGversion", MIG_VERSION)
    _element(receipt, "SoftwareName", SOFTWARE)
    _element(receipt, "GenDate", _moment(at))
    _element(receipt, "Id", receipt_id if receipt_id is not None else str(uuid4()))
    _party(receipt, "Sender", *_ourselves(original, municipality))
    theirs = (original.sender, original.department) if original else (None, None)
    _party(receipt, "Receiver", *theirs)
    _code(receipt, "Status", status.value, status.text)
    for fault in faults:
        _fault(receipt, fault)
    _original(receipt, original, at)
    return _DECLARATION + tostring(receipt, "unicode").encode()


def _check_faults(status: AppRecStatus, faults: Sequence[Fault]) -> None:
    if (status is AppRecStatus.REJECTED) != bool(faults):
        raise ValueError(
            f"an OK receipt carries no errors, a rejected one at least one: {status.name} "
            f"with {len(faults)}"
        )


def _ourselves(
    original: Envelope | None, municipality: str
) -> tuple[Organisation, Organisation | None]:
    """Who answers: the receiver the message named, else the municipality's Pasientflyt."""
    named = original.receiver if original else None
    if named is not None and (named.name or named.her_id):
        return named, None
    return Organisation(municipality), Organisation(SOFTWARE)


def _party(
    parent: Element, tag: str, organisation: Organisation | None, department: Organisation | None
) -> None:
    institution = _element(_element(_element(parent, tag), "HCP"), "Inst")
    _organisation(institution, organisation)
    if department is not None:
        _organisation(_element(institution, "Dept"), department)


def _organisation(element: Element, organisation: Organisation | None) -> None:
    """Name, and the HER-id with its type (KITH kodeverk 9051), as `Inst` and `Dept` have
    them; the schema wants a type wherever there is an id."""
    if organisation is None:
        return
    if organisation.name:
        _element(element, "Name", organisation.name)
    if organisation.her_id:
        _element(element, "Id", organisation.her_id)
        _code(element, "TypeId", "HER", "HER-id")


def _fault(parent: Element, fault: Fault) -> None:
    """An `Error` (a `CV`): the code, its list, the list's text, and ours as the original
    text."""
    error = _element(parent, "Error")
    attributes = (fault.code.value, ERROR_CODE_LIST, fault.code.text, fault.text)
    for attribute, said in zip(("V", "S", "DN", "OT"), attributes, strict=True):
        if said:
            error.set(attribute, _xml(said))


def _original(parent: Element, original: Envelope | None, at: datetime) -> None:
    """What the receipt answers (`OriginalMsgId`): the message's type, time and id."""
    element = _element(parent, "OriginalMsgId")
    if original is None:
        _code(element, "MsgType", "", "Uleselig melding")
        _element(element, "IssueDate", _moment(at))
        _element(element, "Id", "")
        return
    _code(element, "MsgType", original.message_type, original.message_type_text)
    _element(element, "IssueDate", _moment(original.issued or at))
    _element(element, "Id", original.message_id)


def _element(parent: Element | None, tag: str, text: str | None = None) -> Element:
    element = Element(tag) if parent is None else SubElement(parent, tag)
    if text is not None:
        element.text = _xml(text)
    return element


def _code(parent: Element, tag: str, value: str, text: str) -> Element:
    """A coded value (KITH's `CS`, and the `V` and `DN` of a `CV`); empty parts left out."""
    element = _element(parent, tag)
    for attribute, said in (("V", value), ("DN", text)):
        if said:
            element.set(attribute, _xml(said))
    return element


def _moment(moment: datetime) -> str:
    """An `xs:dateTime`, in Norwegian time where the moment knows its zone."""
    local = moment.astimezone(OSLO) if moment.tzinfo is not None else moment
    return local.isoformat(timespec="seconds")


def _xml(text: str) -> str:
    return _NOT_IN_XML.sub("\ufffd", text)
