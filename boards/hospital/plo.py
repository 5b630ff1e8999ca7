"""PLO logistics messages in KITH's envelope (MsgHead v1.2) to a `HospitalMessage`.

Read as the official sources define them (NorskHelsenett/kith-visningsfiler at 7a97da8:
`plo/v1.6 eller lavere/plo2html.xsl`, `felleskomponenter/poKomponent2html.xsl`,
`felleskomponenter/meldingshode2html.xsl`, `felleskomponenter/kodeverk.xsl`; the schema
MsgHead-v1_2.xsd as navikt/syfo-xml-codegen keeps it, `kith-hodemelding/src/main/xsd/`):

- The kind: PLO 1.6 names it in `MsgInfo/Type` (KITH kodeverk 8279: `LOG_INNLAGT`,
  `LOG_UTSKRIVNINGSKLAR`, `LOG_AVMELDING`, `LOG_UTSKREVET`, `LOG_DOD`); PLO 1.5 has the one
  type `PASIENTLOGISTIKK` and names it by the message element (`MeldingInnlagtPasient`,
  `MeldingUtskrivningsklarPasient`, `AvmeldingUtskrivningsklarPasient`,
  `MeldingOmUtskrevetPasient`, `OrienteringOmDod`). Where both are given they must agree.
- The dispatch status: `InformasjonOmForsendelsen/Forsendelsesstatus` beside the message
  element (kodeverk 7309: N new, A addition, M change, C cancellation, H history); none is new.
- The event: `TidsfestetHendelse` in the message element: `TidspunktForHendelse` (a `kith:TS`:
  a dateTime or a date; a year, a month or a time of day names no day and is refused),
  `Anslag`, the ward in `StedForHendelse/StedHendelse`, the remark in `Merknad`.
- Where a discharged patient went: `UtskrevetTil/UtTil` (kodeverk 8408).
- The contact: `KontaktpersonHelsepersonell/Kontaktperson`, a HealthcareProfessional (name,
  `Ident` of type HPR, `TeleCom/TeleAddress`); else the sender's own HealthcareProfessional.
- The patient: `MsgInfo/Patient`, identified by FNR, DNR or HNR (kodeverk 8116).
- The parties: `MsgInfo/Sender/Organisation` (the hospital; its department is the
  `Organisation` inside it) and `MsgInfo/Receiver/Organisation`, each with a HER-id `Ident`.

Elements are matched on their local names, so 1.5's and 1.6's namespaces read alike. A value
is the KITH `V` attribute where there is one, else the element's text. The parser is
defusedxml's with DTDs forbidden (PLO has none; entity bombs and external entities need one);
the XML declaration says the encoding (UTF-8 with or without a byte-order mark, ISO-8859-1).
"""

from __future__ import annotations

from datetime import datetime
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from boards.hospital.reading import IDENTITY_KINDS, event_time, identity, limited
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
from flow.vocabulary import DISCHARGED_TO_TEXT, MessageKind

#: PLO 1.6's message types (`MsgInfo/Type`, kodeverk 8279).
TYPES = {
    "LOG_INNLAGT": MessageKind.ADMITTED,
    "LOG_UTSKRIVNINGSKLAR": MessageKind.READY,
    "LOG_AVMELDING": MessageKind.READY_WITHDRAWN,
    "LOG_UTSKREVET": MessageKind.DISCHARGED,
    "LOG_DOD": MessageKind.DIED,
}
#: PLO 1.5's one type, whose kind is its message element.
LOGISTICS = "PASIENTLOGISTIKK"
#: The message elements, in 1.5 and 1.6 alike.
ELEMENTS = {
    "MeldingInnlagtPasient": MessageKind.ADMITTED,
    "MeldingUtskrivningsklarPasient": MessageKind.READY,
    "AvmeldingUtskrivningsklarPasient": MessageKind.READY_WITHDRAWN,
    "MeldingOmUtskrevetPasient": MessageKind.DISCHARGED,
    "OrienteringOmDod": MessageKind.DIED,
}
_TRUE, _FALSE = {"true", "1"}, {"false", "0"}  # xs:boolean's four forms


def _local(element: Element) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [c for c in element if _local(c) == name]


def _child(element: Element | None, name: str) -> Element | None:
    return next(iter(_children(element, name)), None)


def _path(element: Element | None, *names: str) -> Element | None:
    for name in names:
        element = _child(element, name)
    return element


def _value(element: Element | None) -> str:
    if element is None:
        return ""
    return (element.get("V") or element.text or "").strip()


def _text(element: Element | None, name: str, length: int) -> str:
    return limited(" ".join(_value(_child(element, name)).split()), length)


def parse(body: bytes) -> HospitalMessage:
    """The message, or `UnreadableMessageError` saying in Norwegian what is wrong (and
    carrying what could be read of it, for the office's follow-up list)."""
    root = _root(body)
    if _local(root) != "MsgHead":
        raise UnreadableMessageError("xml_no_msghead")
    info = _child(root, "MsgInfo")
    envelope = _envelope(info)
    try:
        national_id, name = _national_id(_child(info, "Patient")), _name(_child(info, "Patient"))
    except UnreadableMessageError as error:
        raise error.with_partial(PartialMessage(envelope)) from None
    try:
        return _message(root, envelope, national_id, name)
    except UnreadableMessageError as error:
        raise error.with_partial(PartialMessage(envelope, national_id, name)) from None


def _message(root: Element, envelope: Envelope, national_id: str, name: str) -> HospitalMessage:
    content = _path(root, "Document", "RefDoc", "Content")
    logistics = next(iter(content), None) if content is not None else None
    if logistics is None:
        raise UnreadableMessageError("plo_missing", part="Document/RefDoc/Content")
    kind, element = _kind(envelope.message_type, logistics)
    happened = _child(element, "TidsfestetHendelse")
    if happened is None:
        raise UnreadableMessageError("plo_missing", part="TidsfestetHendelse")
    discharged = _child(element, "UtskrevetTil")
    remarks = [_text(happened, "Merknad", 1000), _text(discharged, "Merknad", 1000)]
    return HospitalMessage(
        envelope=envelope,
        kind=kind,
        dispatch=_dispatch(logistics),
        national_id=national_id,
        name=name,
        at=event_time(_required(_child(happened, "TidspunktForHendelse"), "time")),
        estimate=_estimate(_child(happened, "Anslag")),
        details=Details(
            ward=_text(_child(happened, "StedForHendelse"), "StedHendelse", 200),
            contact=_contact(logistics, envelope_root=root),
            remark=limited(" ".join(r for r in remarks if r), 2000),
            discharged_to=_discharged_to(discharged),
        ),
    )


def _root(body: bytes) -> Element:
    try:
        root: Element = fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise UnreadableMessageError("xml_unsafe") from None
    except (ParseError, ValueError, LookupError) as error:  # LookupError: unknown encoding
        refused = UnreadableMessageError("xml_invalid", error=limited(str(error), 200))
        salvaged = _salvaged(body)
        raise (refused.with_partial(salvaged) if salvaged else refused) from None
    return root


def _salvaged(body: bytes) -> PartialMessage | None:
    """What a document broken after its `MsgInfo` (cut off in transit, say) still says: the
    envelope and the patient, for the follow-up list and the receipt. Only a document with
    no DTD is read this far: without one, no entity can be declared, so none can explode."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return None
    parser: XMLPullParser[Element] = XMLPullParser(events=("end",))
    try:
        parser.feed(body)
        parser.close()
    except (ParseError, ValueError, LookupError):
        pass
    ended: list[Element] = []
    try:  # the events up to the fault; the fault itself comes again, as one
        for event in parser.read_events():
            ended.extend(e for e in event[1:] if isinstance(e, Element))
    except (ParseError, ValueError, LookupError):
        pass
    info = next((element for element in ended if _local(element) == "MsgInfo"), None)
    if info is None:
        return None
    try:
        envelope = _envelope(info)
    except UnreadableMessageError:
        return None
    try:
        patient = _child(info, "Patient")
        return PartialMessage(envelope, _national_id(patient), _name(patient))
    except UnreadableMessageError:
        return PartialMessage(envelope)


def _required(element: Element | None, what: str) -> str:
    if not (value := _value(element)):
        raise UnreadableMessageError("plo_missing", part=what)
    return value


def _envelope(info: Element | None) -> Envelope:
    message_type = _child(info, "Type")
    sender = _path(info, "Sender", "Organisation")
    return Envelope(
        message_id=limited(_required(_child(info, "MsgId"), "MsgId"), 200, "MsgId"),
        message_type=limited(_value(message_type), 40),
        message_type_text=limited((message_type.get("DN") or "") if message_type else "", 200),
        issued=_issued(_child(info, "GenDate")),
        sender=_organisation(sender),
        department=_organisation(_child(sender, "Organisation")),
        receiver=_organisation(_path(info, "Receiver", "Organisation")),
        refers_to=limited(_value(_path(info, "ConversationRef", "RefToParent")), 200),
    )


def _issued(element: Element | None) -> datetime | None:
    value = _value(element)
    try:
        return event_time(value) if value else None
    except UnreadableMessageError:
        return None  # the receipt says "now" instead: GenDate is the sender's, not our fact


def _organisation(element: Element | None) -> Organisation | None:
    if element is None or not (name := _text(element, "OrganisationName", 200)):
        return None
    return Organisation(name, _ident(element, "HER"))


def _ident(element: Element | None, kind: str) -> str:
    for ident in _children(element, "Ident"):
        if _value(_child(ident, "TypeId")).upper() == kind:
            return limited(_value(_child(ident, "Id")), 40)
    return ""


def _kind(message_type: str, logistics: Element) -> tuple[MessageKind, Element]:
    found = [(ELEMENTS[_local(c)], c) for c in logistics if _local(c) in ELEMENTS]
    if message_type not in TYPES and message_type != LOGISTICS:
        known = [LOGISTICS, *TYPES]
        raise UnreadableMessageError(
            "plo_wrong_type", message_type=limited(message_type, 40), types=known
        )
    if len(found) != 1:
        names = ", ".join(_local(c) for c in logistics) or "ingen"
        raise UnreadableMessageError(
            "plo_unknown_message", names=limited(names, 200), kinds=list(ELEMENTS)
        )
    kind, element = found[0]
    if message_type in TYPES and TYPES[message_type] != kind:
        raise UnreadableMessageError(
            "plo_kind_conflict", message_type=message_type, element=_local(element)
        )
    return kind, element


def _dispatch(logistics: Element) -> Dispatch:
    code = _value(_path(logistics, "InformasjonOmForsendelsen", "Forsendelsesstatus"))
    if not code:
        return Dispatch.NEW
    dispatch = Dispatch.from_code(code)
    if dispatch is None:
        raise UnreadableMessageError("plo_dispatch_unknown", dispatch=limited(code, 20))
    return dispatch


def _national_id(patient: Element | None) -> str:
    idents = _children(patient, "Ident")
    if not idents:
        raise UnreadableMessageError("plo_missing", part="patient_ident")
    for ident in idents:
        kind = _value(_child(ident, "TypeId")).upper()
        if kind in IDENTITY_KINDS:
            return identity(_value(_child(ident, "Id")), kind)
    raise UnreadableMessageError("plo_no_identity")


def _name(patient: Element | None) -> str:
    parts = [_value(_child(patient, part)) for part in ("GivenName", "MiddleName", "FamilyName")]
    name = " ".join(part for part in parts if part)
    if not name:
        raise UnreadableMessageError("plo_missing", part="patient_name")
    return limited(name, 200, "patient_name")


def _estimate(element: Element | None) -> bool:
    value = _value(element).lower()
    if value in _TRUE | _FALSE | {""}:
        return value in _TRUE
    raise UnreadableMessageError("plo_estimate_invalid", value=limited(value, 20))


def _contact(logistics: Element, envelope_root: Element) -> ContactPerson | None:
    person = _path(logistics, "KontaktpersonHelsepersonell", "Kontaktperson")
    if person is None:  # the sender's own health professional, if it names one
        sender = _path(envelope_root, "MsgInfo", "Sender", "Organisation")
        person = _path(sender, "Organisation", "HealthcareProfessional")
        person = person if person is not None else _child(sender, "HealthcareProfessional")
    if person is None:
        return None
    parts = [_value(_child(person, part)) for part in ("GivenName", "MiddleName", "FamilyName")]
    if not (name := " ".join(part for part in parts if part)):
        return None
    phones = [_value(_child(t, "TeleAddress")) for t in _children(person, "TeleCom")]
    phone = next((p.removeprefix("tel:") for p in phones if p.startswith("tel:")), "")
    return ContactPerson(limited(name, 200), _ident(person, "HPR"), limited(phone, 40))


def _discharged_to(element: Element | None) -> str:
    code = _value(_child(element, "UtTil"))
    if code and code not in DISCHARGED_TO_TEXT:
        raise UnreadableMessageError(
            "plo_code_unknown", part="UtskrevetTil/UtTil", code=limited(code, 20)
        )
    return code
