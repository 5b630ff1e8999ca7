"""PLO messages in KITH's envelope (Hodemelding) to a `HospitalMessage`.

Elements are matched on their local names, so a message with or without the PLO v1.5
namespaces, or of a later PLO version, reads alike. A value is read from the KITH `V`
attribute where there is one, else from the element's text. The parser is defusedxml's,
with DTDs forbidden: PLO has none, and entity bombs and external entities need one.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from boards.hospital.reading import event_time, identity, limited
from flow.hospital_messages import (
    Details,
    Dispatch,
    Envelope,
    HospitalMessage,
    UnreadableMessageError,
)
from flow.vocabulary import MessageKind

#: The message elements inside `Pasientlogistikk`.
KINDS = {
    "MeldingInnlagtPasient": MessageKind.ADMITTED,
    "MeldingUtskrivningsklarPasient": MessageKind.READY,
    "AvmeldingUtskrivningsklarPasient": MessageKind.READY_WITHDRAWN,
    "MeldingOmUtskrevetPasient": MessageKind.DISCHARGED,
}
#: `Forsendelsesstatus`: A addition (a new message), M change, C cancel; none is new.
DISPATCHES = {"A": Dispatch.NEW, "M": Dispatch.CHANGE, "C": Dispatch.CANCEL}
_TRUE, _FALSE = {"true", "1", "j", "ja"}, {"false", "0", "n", "nei"}


def _local(element: Element) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _children(element: Element | None) -> list[Element]:
    return [] if element is None else list(element)


def _child(element: Element | None, name: str) -> Element | None:
    return next((c for c in _children(element) if _local(c) == name), None)


def _path(element: Element | None, *names: str) -> Element | None:
    for name in names:
        element = _child(element, name)
    return element


def _descendant(element: Element, name: str) -> Element | None:
    return next((e for e in element.iter() if _local(e) == name), None)


def _value(element: Element | None) -> str:
    if element is None:
        return ""
    return (element.get("V") or element.text or "").strip()


def _required(element: Element | None, what: str) -> str:
    if not (value := _value(element)):
        raise UnreadableMessageError("plo_missing", part=what)
    return value


def parse(body: bytes) -> HospitalMessage:
    """The message, or `UnreadableMessageError` saying in Norwegian what is wrong."""
    root = _root(body)
    if _local(root) != "MsgHead":
        raise UnreadableMessageError("xml_no_msghead")
    info = _child(root, "MsgInfo")
    message_type = _value(_child(info, "Type"))
    if message_type != "PASIENTLOGISTIKK":
        raise UnreadableMessageError("plo_wrong_type", message_type=limited(message_type, 40))
    logistics = _path(root, "Document", "RefDoc", "Content", "Pasientlogistikk")
    if logistics is None:
        raise UnreadableMessageError("plo_missing", part="Pasientlogistikk under Content")
    found = [(KINDS[_local(c)], c) for c in logistics if _local(c) in KINDS]
    if len(found) != 1:
        names = ", ".join(_local(c) for c in logistics) or "ingen"
        raise UnreadableMessageError(
            "plo_unknown_message", names=limited(names, 200), kinds=list(KINDS)
        )
    kind, element = found[0]
    happened = _descendant(element, "TidsfestetHendelse")
    if happened is None:
        raise UnreadableMessageError("plo_missing", part="TidsfestetHendelse")
    patient = _child(info, "Patient")
    return HospitalMessage(
        envelope=Envelope(limited(_required(_child(info, "MsgId"), "MsgId"), 200, "MsgId")),
        kind=kind,
        dispatch=_dispatch(element),
        national_id=_national_id(patient),
        name=_name(patient),
        at=event_time(_required(_child(happened, "TidspunktForHendelse"), "time")),
        estimate=_estimate(_child(happened, "Anslag")),
        details=Details(ward=_place(_child(happened, "StedForHendelse"))),
    )


def _root(body: bytes) -> Element:
    try:
        root: Element = fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise UnreadableMessageError("xml_unsafe") from None
    except (ParseError, ValueError, LookupError) as error:  # LookupError: unknown encoding
        raise UnreadableMessageError("xml_invalid", error=limited(str(error), 200)) from None
    return root


def _dispatch(message: Element) -> Dispatch:
    status = _descendant(message, "Forsendelsesstatus")
    if status is None:
        return Dispatch.NEW
    code = _value(status).upper()
    if code not in DISPATCHES:
        raise UnreadableMessageError("plo_dispatch_unknown", dispatch=limited(code, 20))
    return DISPATCHES[code]


def _national_id(patient: Element | None) -> str:
    idents = [i for i in _children(patient) if _local(i) == "Ident"]
    if not idents:
        raise UnreadableMessageError("plo_missing", part="patient_ident")
    for ident in idents:
        kind = _value(_child(ident, "TypeId")).upper()
        if kind in ("FNR", "DNR"):
            return identity(_value(_child(ident, "Id")), d_number=kind == "DNR")
    raise UnreadableMessageError("plo_no_identity")


def _name(patient: Element | None) -> str:
    given, family = _value(_child(patient, "GivenName")), _value(_child(patient, "FamilyName"))
    name = " ".join(part for part in (given, family) if part)
    if not name:
        raise UnreadableMessageError("plo_missing", part="patient_name")
    return limited(name, 200, "patient_name")


def _estimate(element: Element | None) -> bool:
    value = _value(element).lower()
    if value in _TRUE | _FALSE | {""}:
        return value in _TRUE
    raise UnreadableMessageError("plo_estimate_invalid", value=limited(value, 20))


def _place(element: Element | None) -> str:
    if element is None:
        return "Sykehuset"
    names = [_value(e) for e in element.iter() if _local(e) == "Navn" and _value(e)]
    text = ", ".join(names) or _value(element) or "Sykehuset"
    return limited(text, 200, "StedForHendelse")
