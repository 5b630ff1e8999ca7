"""Hospital messages as a hospital's system writes them, in both formats, for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

from boards.hospital import fhir

MSGHEAD = "http://www.kith.no/xmlstds/msghead/2006-05-24"
PLO = "http://www.kith.no/xmlstds/po/Pasientlogistikk/2009-06-30"
PART = "http://www.kith.no/xmlstds/po/poKomponent/2009-06-30"

PLO_ELEMENTS = {
    "admitted": "MeldingInnlagtPasient",
    "ready": "MeldingUtskrivningsklarPasient",
    "ready_withdrawn": "AvmeldingUtskrivningsklarPasient",
    "discharged": "MeldingOmUtskrevetPasient",
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
    message_id: str | None = None,
    name: tuple[str, str] = ("Kari", "Nordmann"),
    estimate: bool = False,
    place: str = "Sykehuset Test, medisinsk avdeling",
    status: str = "A",
    id_type: str = "FNR",
    namespaces: bool = True,
    element: str | None = None,
) -> bytes:
    """A PLO v1.5 message in KITH's envelope; `namespaces=False` writes none."""
    head, plo, part = (
        (f' xmlns="{MSGHEAD}"', f' xmlns="{PLO}"', f' xmlns="{PART}"') if namespaces else ("",) * 3
    )
    given, family = name
    tag = element or PLO_ELEMENTS[kind]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<MsgHead{head}>
  <MsgInfo>
    <Type V="PASIENTLOGISTIKK" DN="Pasientlogistikk"/>
    <MIGversion>v1.2 2006-05-24</MIGversion>
    <GenDate>{at}</GenDate>
    <MsgId>{message_id or uuid4()}</MsgId>
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
            <Forsendelsesstatus V="{status}"/>
            <TidsfestetHendelse{part}>
              <TidspunktForHendelse V="{at}"/>
              <Anslag V="{str(estimate).lower()}"/>
              <StedForHendelse><Navn>{place}</Navn></StedForHendelse>
            </TidsfestetHendelse>
          </{tag}>
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
