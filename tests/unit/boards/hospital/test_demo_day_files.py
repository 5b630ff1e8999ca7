"""The demo's day of hospital messages (`fixtures/hospital_messages/`) is what it claims to be:
each XML envelope valid against KITH's MsgHead v1.2, each file but the broken one read as its
name says, and the day holds what the demo is to show (every dispatch status, a death, an
H-number, a byte-order mark, ISO-8859-1, changes and cancellations naming their message).

MsgHead's `RefDoc/Content` is `<any processContents="strict">`: a validator must know the schema
of what the envelope carries, and PLO's own schemas are not among our sources
(`tests/support/kith/README.md`). The envelope is therefore validated with that one wildcard
made `lax` in memory: everything of MsgHead is checked, the PLO content is left to the reader.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from boards.hospital import fhir
from boards.hospital.ingest import read
from flow.hospital_messages import HospitalMessage, UnreadableMessageError
from flow.national_id import is_synthetic, validate, with_check_digits

DAY = Path(__file__).parents[4] / "fixtures" / "hospital_messages"
KITH = Path(__file__).parents[3] / "support" / "kith"
XS = "http://www.w3.org/2001/XMLSchema"
MSGHEAD = "http://www.kith.no/xmlstds/msghead/2006-05-24"
PLO_15 = b"http://www.kith.no/xmlstds/po/Pasientlogistikk/2009-06-30"
BROKEN = "22-1620-innlagt.xml"

#: What each file says: the envelope's type, the kind, the dispatch status, the patient.
SAYS = {
    "01-0612-innlagt.xml": ("LOG_INNLAGT", "admitted", "new", "Gunvor Bakke"),
    "02-0647-innlagt.xml": ("LOG_INNLAGT", "admitted", "new", "Jonas Lindqvist"),
    "03-0705-innlagt.xml": ("PASIENTLOGISTIKK", "admitted", "new", "Bjørg Sæther"),
    "04-0730-innlagt.json": (fhir.MEDCOM_EVENT, "admitted", "new", "Håkon Rustad"),
    "05-0815-innlagt.xml": ("LOG_INNLAGT", "admitted", "new", "Astrid Lie"),
    "06-0840-innlagt.xml": ("LOG_INNLAGT", "admitted", "change", "Gunvor Bakke"),
    "07-0910-utskrivningsklar.xml": ("LOG_UTSKRIVNINGSKLAR", "ready", "new", "Ingrid Moen"),
    "08-0950-utskrivningsklar.xml": ("LOG_UTSKRIVNINGSKLAR", "ready", "new", "Astrid Haugen"),
    "09-1005-utskrivningsklar.json": (fhir.MEDCOM_EVENT, "ready", "new", "Håkon Rustad"),
    "10-1045-utskrivningsklar.xml": ("PASIENTLOGISTIKK", "ready", "new", "Magnhild Østby"),
    "11-1120-utskrivningsklar.xml": ("LOG_UTSKRIVNINGSKLAR", "ready", "new", "Jonas Lindqvist"),
    "12-1135-utskrivningsklar.xml": ("LOG_UTSKRIVNINGSKLAR", "ready", "change", "Ingrid Moen"),
    "13-1200-avmelding.xml": ("LOG_AVMELDING", "ready_withdrawn", "new", "Solveig Larsen"),
    "14-1215-utskrivningsklar.xml": ("LOG_UTSKRIVNINGSKLAR", "ready", "cancel", "Solveig Larsen"),
    "15-1240-utskrivningsklar.xml": ("LOG_UTSKRIVNINGSKLAR", "ready", "cancel", "Jonas Lindqvist"),
    "16-1305-innlagt.xml": ("PASIENTLOGISTIKK", "admitted", "history", "Torstein Grønli"),
    "17-1320-dod.xml": ("LOG_DOD", "died", "new", "Odd Jensen"),
    "18-1400-utskrevet.xml": ("LOG_UTSKREVET", "discharged", "new", "Arne Lie"),
    "19-1430-utskrevet.xml": ("LOG_UTSKREVET", "discharged", "new", "Odd Haugen"),
    "20-1510-innlagt.xml": ("LOG_INNLAGT", "admitted", "new", "Ingrid Bakken"),
    "21-1545-utskrivningsklar.xml": ("LOG_UTSKRIVNINGSKLAR", "ready", "addition", "Astrid Haugen"),
}
#: The message each change or cancellation names (`ConversationRef/RefToParent`): a file of
#: the day, or None for the demo's own ready notice of 28 November, sent before the day.
REFERS_TO = {
    "06-0840-innlagt.xml": "01-0612-innlagt.xml",
    "12-1135-utskrivningsklar.xml": "07-0910-utskrivningsklar.xml",
    "14-1215-utskrivningsklar.xml": None,
    "15-1240-utskrivningsklar.xml": "11-1120-utskrivningsklar.xml",
}
XML_FILES = sorted(name for name in SAYS if name.endswith(".xml"))


def envelope_schema() -> Any:
    """MsgHead v1.2 with `RefDoc/Content`'s wildcard lax (see the module's docstring)."""
    document = etree.parse(str(KITH / "MsgHead-v1_2.xsd"))
    (wildcard,) = document.iterfind(f".//{{{XS}}}element[@name='Content']//{{{XS}}}any")
    assert wildcard.get("processContents") == "strict"
    wildcard.set("processContents", "lax")
    return etree.XMLSchema(document)


SCHEMA = envelope_schema()


def body(name: str) -> bytes:
    return (DAY / name).read_bytes()


def message(name: str) -> HospitalMessage:
    return read(body(name))


def test_the_day_is_the_files_named_in_order_of_the_clock() -> None:
    names = sorted(path.name for path in DAY.iterdir())

    assert names == sorted([*SAYS, BROKEN])
    numbers = [re.fullmatch(r"(\d\d)-(\d{4})-[a-z]+\.(xml|json)", name) for name in names]
    assert all(numbers), names
    assert [int(found[1]) for found in numbers if found] == list(range(1, len(names) + 1))
    times = [found[2] for found in numbers if found]
    assert times == sorted(times)


@pytest.mark.parametrize("name", XML_FILES)
def test_each_xml_file_is_a_valid_msghead_envelope(name: str) -> None:
    root = etree.fromstring(body(name))

    assert SCHEMA.validate(root), SCHEMA.error_log


def test_the_schema_refuses_an_envelope_without_its_sender() -> None:
    root = etree.fromstring(body("01-0612-innlagt.xml"))
    info = root.find(f"{{{MSGHEAD}}}MsgInfo")
    info.remove(info.find(f"{{{MSGHEAD}}}Sender"))

    assert not SCHEMA.validate(root)
    assert "Sender" in str(SCHEMA.error_log)


@pytest.mark.parametrize(("name", "says"), SAYS.items())
def test_each_file_reads_as_what_it_says(name: str, says: tuple[str, str, str, str]) -> None:
    read_message = message(name)

    assert (
        read_message.envelope.message_type,
        read_message.kind.value,
        read_message.dispatch.value,
        read_message.name,
    ) == says
    assert validate(read_message.national_id) and is_synthetic(read_message.national_id)


def test_the_broken_file_is_cut_off_and_only_its_envelope_can_be_read() -> None:
    cut = body(BROKEN)

    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(cut)
    with pytest.raises(UnreadableMessageError) as refusal:
        read(cut)
    assert refusal.value.code == "xml_invalid"
    partial = refusal.value.partial  # kept under its message id, with its sender
    assert partial is not None and partial.envelope is not None
    assert partial.envelope.message_id == "A5912BAA-F58A-5FD4-B2FF-6FB2CFC5A1FB"


@pytest.mark.parametrize("name", XML_FILES)
def test_each_plo_message_names_the_hospital_its_ward_and_the_contact_nurse(name: str) -> None:
    read_message = message(name)
    envelope, details = read_message.envelope, read_message.details

    assert envelope.sender and envelope.sender.name.startswith("Sykehuset ")
    assert envelope.department and "avdeling" in envelope.department.name
    assert envelope.receiver and envelope.receiver.name == "Demo kommune"
    her_ids = [p.her_id for p in (envelope.sender, envelope.department, envelope.receiver)]
    assert all(re.fullmatch(r"\d{7,8}", her_id) for her_id in her_ids), her_ids
    assert re.fullmatch(r"Post \d (Nord|Sør|Øst|Vest)", details.ward)
    assert details.contact is not None
    assert re.fullmatch(r"\d{7}", details.contact.hpr)
    assert re.fullmatch(r"\+47\d{8}", details.contact.phone)


def test_the_fhir_messages_are_medcom_s_and_our_ready_for_discharge_extension() -> None:
    admitted, ready = message("04-0730-innlagt.json"), message("09-1005-utskrivningsklar.json")

    assert b'"admit-inpatient"' in body("04-0730-innlagt.json")
    assert f'"{fhir.EVENTS}"'.encode() in body("09-1005-utskrivningsklar.json")
    assert ready.estimate
    for read_message in (admitted, ready):
        assert read_message.envelope.sender is not None
        assert read_message.envelope.sender.name == "Sykehuset Vestfjell HF"
        assert read_message.details.contact is not None


def test_changes_and_cancellations_name_the_message_they_are_about() -> None:
    messages = {name: message(name) for name in SAYS}
    about = {
        name: m.envelope.refers_to
        for name, m in messages.items()
        if m.dispatch.value in ("change", "cancel")
    }

    assert set(about) == set(REFERS_TO)
    for name, original in REFERS_TO.items():
        if original is None:
            assert about[name] and about[name] not in {m.message_id for m in messages.values()}
        else:
            assert about[name] == messages[original].message_id
            assert messages[name].national_id == messages[original].national_id


def test_the_day_mixes_plo_1_6_with_some_1_5_and_a_little_fhir() -> None:
    xml = [name for name in SAYS if name.endswith(".xml")]
    older = [name for name in xml if PLO_15 in body(name)]

    assert sorted(older) == [n for n, says in SAYS.items() if says[0] == "PASIENTLOGISTIKK"]
    assert 2 <= len(older) < len(xml) - len(older)
    assert len(SAYS) - len(xml) == 2


def test_a_patient_with_an_h_number_month_plus_40_with_valid_check_digits() -> None:
    number = message("02-0647-innlagt.xml").national_id

    assert 41 <= int(number[2:4]) <= 52
    assert with_check_digits(number[:9]) == number
    assert b'<TypeId V="HNR"' in body("02-0647-innlagt.xml")


def test_one_file_starts_with_a_byte_order_mark_and_one_is_iso_8859_1() -> None:
    marked = [name for name in [*SAYS, BROKEN] if body(name).startswith(codecs.BOM_UTF8)]
    latin = body("03-0705-innlagt.xml")

    assert marked == ["05-0815-innlagt.xml"]
    assert latin.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    with pytest.raises(UnicodeDecodeError):
        latin.decode("utf-8")
    assert all(word.encode("iso-8859-1") in latin for word in ("Bjørg", "Sæther", "Øst"))
    read_message = message("03-0705-innlagt.xml")
    assert (read_message.name, read_message.details.ward) == ("Bjørg Sæther", "Post 6 Øst")
    assert read_message.details.contact is not None
    assert read_message.details.contact.name == "Åse Løvås"
