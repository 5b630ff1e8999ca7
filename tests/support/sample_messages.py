"""Hospital messages as a hospital's system writes them, in both formats, for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

from boards.hospital import fhir

MSGHEAD = "http://www.kith.no/xmlstds/msghead/2006-05-24"
#: The PLO namespaces by version: the message's and its parts' (poKomponent). 1.5's as
#: kith-visningsfiler's PLO 1.5 stylesheet declares them, 1.6's as Hdir's PLO 1.6 one does.
PLO_NAMESPACES = {
    "1.5": (
        "http://www.kith.no/xmlstds/po/Pasientlogistikk/2009-06-30",
        "http://www.kith.no/xmlstds/po/poKomponent/2009-06-30",
    ),
    "1.6": (
        "http://www.kith.no/xmlstds/po/Pasientlogistikk/2012-04-01",
        "http://www.kith.no/xmlstds/po/poKomponent/2012-04-01",
    ),
}
PLO_ELEMENTS = {
    "admitted": "MeldingInnlagtPasient",
    "ready": "MeldingUtskrivningsklarPasient",
    "ready_withdrawn": "AvmeldingUtskrivningsklarPasient",
    "discharged": "MeldingOmUtskrevetPasient",
    "died": "OrienteringOmDod",
}
#: PLO 1.6's message types (KITH kodeverk 8279) and their display names.
PLO_TYPES = {
    "admitted": ("LOG_INNLAGT", "Melding om innlagt pasient"),
    "ready": ("LOG_UTSKRIVNINGSKLAR", "Melding om utskrivningsklar pasient"),
    "ready_withdrawn": ("LOG_AVMELDING", "Avmelding av utskrivningsklar pasient"),
    "discharged": ("LOG_UTSKREVET", "Melding om utskrevet pasient"),
    "died": ("LOG_DOD", "Orientering om dødsfall"),
}
#: kodeverk 9121, the event's code in `TidsfestetHendelse/Hendelsekode`.
EVENT_CODES = {
    "admitted": "1",
    "discharged": "2",
    "ready": "3",
    "ready_withdrawn": "4",
    "died": "13",
}
FHIR_CODES = {kind.value: code for code, kind in fhir.CODES.items()}
#: MedCom's HospitalNotification examples with synthetic Norwegian identifiers (built from
#: medcomdk/dk-medcom-hospitalnotification input/fsh/*.fsh; each Bundle's meta.source names it).
MEDCOM = Path(__file__).with_name("medcom")
MEDCOM_EXAMPLES = sorted(path.stem for path in MEDCOM.glob("*.json"))


def plo_message(
    kind: str,
    national_id: str,
    at: str = "2026-03-02T09:30:00",
    *,
    version: str = "1.6",
    message_id: str | None = None,
    name: tuple[str, str] = ("Kari", "Nordmann"),
    estimate: bool = False,
    place: str = "Sykehuset Test, medisinsk avdeling",
    status: str | None = "N",
    id_type: str = "FNR",
    namespaces: bool = True,
    element: str | None = None,
    message_type: str | None = None,
    hospital: tuple[str, str] = ("Sykehuset Test HF", "8000001"),
    department: tuple[str, str] | None = ("Medisinsk klinikk", "8000002"),
    contact: tuple[str, str, str, str] | None = ("Sara", "Sykepleier", "9144900", "+4799999999"),
    remark: str = "",
    discharged_to: str | None = None,
    refers_to: str | None = None,
) -> bytes:
    """A PLO message as its sources lay it out (see `boards/hospital/plo.py`): 1.6 by
    default, `version="1.5"` for the older; `namespaces=False` writes none; `status=None`
    leaves out `InformasjonOmForsendelsen`; `contact` is (given, family, HPR, phone)."""
    plo_ns, part_ns = PLO_NAMESPACES[version]
    head, plo, part = (
        (f' xmlns="{MSGHEAD}"', f' xmlns="{plo_ns}"', f' xmlns="{part_ns}"')
        if namespaces
        else ("",) * 3
    )
    given, family = name
    tag = element or PLO_ELEMENTS[kind]
    type_v, type_dn = (
        PLO_TYPES[kind] if version == "1.6" else ("PASIENTLOGISTIKK", "Pasientlogistikk")
    )
    type_v = message_type or type_v
    department_xml = (
        f"""<Organisation><OrganisationName>{department[0]}</OrganisationName>
          <Ident><Id>{department[1]}</Id><TypeId V="HER" S="2.16.578.1.12.4.1.1.8116"/></Ident>
        </Organisation>"""
        if department
        else ""
    )
    conversation = (
        f"<ConversationRef><RefToParent>{refers_to}</RefToParent>"
        f"<RefToConversation>{refers_to}</RefToConversation></ConversationRef>"
        if refers_to
        else ""
    )
    forsendelse = (
        f"""<InformasjonOmForsendelsen{part}>
            <Forsendelsesstatus V="{status}" S="2.16.578.1.12.4.1.1.7309"/>
          </InformasjonOmForsendelsen>"""
        if status is not None
        else ""
    )
    contact_xml = (
        f"""<KontaktpersonHelsepersonell{part}>
            <Kontaktperson>
              <FamilyName>{contact[1]}</FamilyName><GivenName>{contact[0]}</GivenName>
              <Ident><Id>{contact[2]}</Id><TypeId V="HPR" S="2.16.578.1.12.4.1.1.8116"/></Ident>
              <TeleCom><TeleAddress V="tel:{contact[3]}"/></TeleCom>
            </Kontaktperson>
          </KontaktpersonHelsepersonell>"""
        if contact
        else ""
    )
    remark_xml = f"<Merknad>{remark}</Merknad>" if remark else ""
    discharged = (
        f"""<UtskrevetTil{part}>
              <UtTil V="{discharged_to}" S="2.16.578.1.12.4.1.1.8408"/>
            </UtskrevetTil>"""
        if discharged_to
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<MsgHead{head}>
  <MsgInfo>
    <Type V="{type_v}" DN="{type_dn}"/>
    <MIGversion>v1.2 2006-05-24</MIGversion>
    <GenDate>{at}</GenDate>
    <MsgId>{message_id or uuid4()}</MsgId>
    {conversation}
    <Sender>
      <Organisation>
        <OrganisationName>{hospital[0]}</OrganisationName>
        <Ident><Id>{hospital[1]}</Id><TypeId V="HER" S="2.16.578.1.12.4.1.1.8116"/></Ident>
        {department_xml}
      </Organisation>
    </Sender>
    <Receiver>
      <Organisation>
        <OrganisationName>Testkommune</OrganisationName>
        <Ident><Id>8000100</Id><TypeId V="HER" S="2.16.578.1.12.4.1.1.8116"/></Ident>
        <Organisation>
          <OrganisationName>Tildelingskontoret</OrganisationName>
          <Ident><Id>8000101</Id><TypeId V="HER" S="2.16.578.1.12.4.1.1.8116"/></Ident>
        </Organisation>
      </Organisation>
    </Receiver>
    <Patient>
      <FamilyName>{family}</FamilyName>
      <GivenName>{given}</GivenName>
      <Ident><Id>{national_id}</Id><TypeId V="{id_type}" S="2.16.578.1.12.4.1.1.8116"/></Ident>
    </Patient>
  </MsgInfo>
  <Document>
    <RefDoc>
      <MsgType V="XML" DN="XML-instans"/>
      <Content>
        <Pasientlogistikk{plo}>
          <{tag}>
            <TidsfestetHendelse{part}>
              <Hendelsekode V="{EVENT_CODES.get(kind, "")}" S="2.16.578.1.12.4.1.1.9121"/>
              <TidspunktForHendelse V="{at}"/>
              <Anslag>{str(estimate).lower()}</Anslag>
              <StedForHendelse><StedHendelse>{place}</StedHendelse></StedForHendelse>
              {remark_xml}
            </TidsfestetHendelse>
            {discharged}
          </{tag}>
          {forsendelse}
          {contact_xml}
        </Pasientlogistikk>
      </Content>
    </RefDoc>
  </Document>
</MsgHead>
""".encode()


def fhir_bundle(
    kind: str,
    national_id: str,
    at: str = "2026-03-02T09:30:00+01:00",
    *,
    message_id: str | None = None,
    name: tuple[str, str] = ("Kari", "Nordmann"),
    estimate: bool = False,
    place: str = "Sykehuset Test, medisinsk avdeling",
    prefix: str = "",
    system: str = fhir.FNR,
) -> dict[str, Any]:
    """A FHIR R4 message Bundle: MessageHeader, Encounter, Patient."""
    period: dict[str, Any] = {"start": at} if kind == "admitted" else {"end": at}
    if estimate:
        period["extension"] = [{"url": fhir.ESTIMATE, "valueBoolean": True}]
    return {
        "resourceType": "Bundle",
        "id": str(uuid4()),
        "type": "message",
        "timestamp": at,
        "entry": [
            {
                "fullUrl": "urn:uuid:0b8a3f0e-6f43-4d0e-9a55-1e7f2d3c4b5a",
                "resource": {
                    "resourceType": "MessageHeader",
                    "id": message_id or str(uuid4()),
                    "eventCoding": {"system": fhir.EVENTS, "code": prefix + FHIR_CODES[kind]},
                    "source": {"endpoint": "urn:oid:2.16.578.1.12.4.1.2.100000"},
                    "focus": [{"reference": "urn:uuid:5c3e1a2b-7d4f-4e6a-8b9c-0d1e2f3a4b5c"}],
                },
            },
            {
                "fullUrl": "urn:uuid:5c3e1a2b-7d4f-4e6a-8b9c-0d1e2f3a4b5c",
                "resource": {
                    "resourceType": "Encounter",
                    "status": "in-progress" if kind != "discharged" else "finished",
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "IMP",
                    },
                    "subject": {"reference": "urn:uuid:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"},
                    "period": period,
                    "location": [{"location": {"display": place}}],
                },
            },
            {
                "fullUrl": "urn:uuid:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": system, "value": national_id}],
                    "name": [{"family": name[1], "given": [name[0]]}],
                },
            },
        ],
    }


def fhir_message(
    kind: str, national_id: str, at: str = "2026-03-02T09:30:00+01:00", **kw: Any
) -> bytes:
    return json.dumps(fhir_bundle(kind, national_id, at, **kw)).encode()


def fhir_medcom(example: str) -> dict[str, Any]:
    """One of MedCom's examples (`MEDCOM_EXAMPLES`), as a dict to change before sending."""
    loaded: dict[str, Any] = json.loads((MEDCOM / f"{example}.json").read_text("utf-8"))
    return loaded


def fhir_resource(bundle: dict[str, Any], kind: str, index: int = 0) -> dict[str, Any]:
    """The Bundle's `index`th resource of a kind, to change in place."""
    found: dict[str, Any] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind
    ][index]
    return found


def json_paths(node: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path into a JSON value (keys and indexes), the value itself first."""
    found = [path]
    if isinstance(node, dict):
        found += [p for k, v in node.items() for p in json_paths(v, (*path, k))]
    elif isinstance(node, list):
        found += [p for i, v in enumerate(node) for p in json_paths(v, (*path, i))]
    return found
