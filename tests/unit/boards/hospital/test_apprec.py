"""Every receipt is a valid AppRec v1.0 (KITH's schema, `tests/support/kith/`) that answers
the message it refers to, and our refusals become the standard's error codes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree

from boards.hospital.apprec import (
    ERROR_CODE_LIST,
    REFUSAL_ERROR_CODES,
    AppRecStatus,
    ErrorCode,
    Fault,
    application_receipt,
    error_code,
    fault_of_refusal,
)
from flow import refusals
from flow.hospital_messages import Envelope, Organisation
from flow.refusals import REFUSALS, sentence

SCHEMA = etree.XMLSchema(
    etree.parse(str(Path(__file__).parents[3] / "support" / "kith" / "AppRec-v1.0.xsd"))
)
NS = {"ar": "http://www.kith.no/xmlstds/apprec/2004-11-21"}
NOW = datetime(2026, 12, 6, 13, 5, 30, tzinfo=UTC)
HOSPITAL = Organisation("Sykehuset Test HF", "4201")
WARD = Organisation("Medisinsk avdeling", "4202")
US = Organisation("Testvik kommune, tildelingskontoret", "8801")
READY = Envelope(
    message_id="5d6f1c1e-0b4a-4e8e-9a51-3f3c2a1d7e10",
    message_type="LOG_UTSKRIVNINGSKLAR",
    message_type_text="Melding om utskrivningsklar pasient",
    issued=datetime(2026, 12, 6, 8, 15, tzinfo=UTC),
    sender=HOSPITAL,
    department=WARD,
    receiver=US,
)


def parsed(receipt: bytes) -> Any:
    """The receipt's root, once the schema has found it valid (else the schema's reason)."""
    root = etree.fromstring(receipt)
    SCHEMA.assertValid(root)
    return root


def value(root: Any, path: str, attribute: str | None = None) -> str | None:
    element = root.find(path, NS)
    assert element is not None, path
    return element.get(attribute) if attribute else (element.text or "")


def receipt(
    original: Envelope | None = READY,
    status: AppRecStatus = AppRecStatus.OK,
    faults: tuple[Fault, ...] = (),
) -> Any:
    return parsed(
        application_receipt(original, status, faults, municipality="Testvik kommune", at=NOW)
    )


class TestAnOkReceipt:
    def test_is_valid_utf8_with_its_declaration(self) -> None:
        body = application_receipt(READY, AppRecStatus.OK, municipality="Testvik", at=NOW)

        assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<AppRec ')
        assert "utskrivningsklar" in body.decode("utf-8")
        parsed(body)

    def test_says_it_is_an_apprec_v1_0_with_status_ok(self) -> None:
        root = receipt()

        assert value(root, "ar:MsgType", "V") == "APPREC"
        assert value(root, "ar:MIGversion") == "1.0 2004-11-21"
        assert value(root, "ar:Status", "V") == "1"
        assert value(root, "ar:Status", "DN") == "OK"
        assert root.findall("ar:Error", NS) == []

    def test_refers_to_the_message_by_its_type_time_and_id(self) -> None:
        root = receipt()

        assert value(root, "ar:OriginalMsgId/ar:Id") == READY.message_id
        assert value(root, "ar:OriginalMsgId/ar:MsgType", "V") == "LOG_UTSKRIVNINGSKLAR"
        assert value(root, "ar:OriginalMsgId/ar:MsgType", "DN") == READY.message_type_text
        assert value(root, "ar:OriginalMsgId/ar:IssueDate") == "2026-12-06T09:15:00+01:00"

    def test_answers_the_sender_from_the_receiver_it_named(self) -> None:
        root = receipt()

        them = "ar:Receiver/ar:HCP/ar:Inst"
        assert value(root, f"{them}/ar:Name") == HOSPITAL.name
        assert value(root, f"{them}/ar:Id") == HOSPITAL.her_id
        assert value(root, f"{them}/ar:TypeId", "V") == "HER"
        assert value(root, f"{them}/ar:Dept/ar:Name") == WARD.name
        assert value(root, f"{them}/ar:Dept/ar:Id") == WARD.her_id
        assert value(root, "ar:Sender/ar:HCP/ar:Inst/ar:Name") == US.name
        assert value(root, "ar:Sender/ar:HCP/ar:Inst/ar:Id") == US.her_id

    def test_has_its_own_id_and_time(self) -> None:
        body = application_receipt(
            READY, AppRecStatus.OK, municipality="Testvik", at=NOW, receipt_id="r-1"
        )
        root = parsed(body)

        assert value(root, "ar:Id") == "r-1"
        assert value(root, "ar:GenDate") == "2026-12-06T14:05:30+01:00"

    def test_a_new_receipt_gets_a_new_id(self) -> None:
        first, second = receipt(), receipt()

        assert value(first, "ar:Id") != value(second, "ar:Id")

    def test_answers_from_the_municipality_where_the_message_named_no_receiver(self) -> None:
        unaddressed = Envelope("m-2", "LOG_INNLAGT", sender=HOSPITAL, receiver=None)

        root = receipt(unaddressed)

        assert value(root, "ar:Sender/ar:HCP/ar:Inst/ar:Name") == "Testvik kommune"
        assert value(root, "ar:Sender/ar:HCP/ar:Inst/ar:Dept/ar:Name") == "Pasientflyt"
        assert root.find("ar:Sender/ar:HCP/ar:Inst/ar:Id", NS) is None

    def test_a_message_without_a_time_is_dated_by_the_receipt(self) -> None:
        root = receipt(Envelope("m-3"))

        assert value(root, "ar:OriginalMsgId/ar:IssueDate") == value(root, "ar:GenDate")
        assert root.find("ar:OriginalMsgId/ar:MsgType", NS).get("V") is None

    def test_carries_no_errors(self) -> None:
        with pytest.raises(ValueError, match="OK receipt carries no errors"):
            application_receipt(
                READY, AppRecStatus.OK, [Fault(ErrorCode.X99)], municipality="Testvik", at=NOW
            )


class TestARejectedReceipt:
    def test_with_one_error_says_its_code_list_and_our_sentence(self) -> None:
        fault = fault_of_refusal("plo_no_identity")

        root = receipt(status=AppRecStatus.REJECTED, faults=(fault,))

        assert value(root, "ar:Status", "V") == "2"
        assert value(root, "ar:Status", "DN") == "Avvist"
        [error] = root.findall("ar:Error", NS)
        assert error.get("V") == "E30"
        assert error.get("S") == ERROR_CODE_LIST
        assert error.get("DN") == "Pasientens fødselsnummer mangler"
        assert error.get("OT") == (
            "Pasienten må ha fødselsnummer (FNR), D-nummer (DNR) eller H-nummer (HNR)."
        )

    def test_with_several_errors_keeps_them_in_order(self) -> None:
        faults = (
            Fault(ErrorCode.E32, "PLO-meldingen mangler pasientens navn."),
            Fault(ErrorCode.E31),
            Fault(ErrorCode.T99, "Tidspunktet «i går» er ikke et tidspunkt (ISO 8601)."),
        )

        root = receipt(status=AppRecStatus.REJECTED, faults=faults)

        errors = root.findall("ar:Error", NS)
        assert [(e.get("V"), e.get("OT")) for e in errors] == [
            ("E32", "PLO-meldingen mangler pasientens navn."),
            ("E31", None),
            ("T99", "Tidspunktet «i går» er ikke et tidspunkt (ISO 8601)."),
        ]
        assert errors[1].get("DN") == "Pasientens fødselsnummer er feil"
        assert value(root, "ar:OriginalMsgId/ar:Id") == READY.message_id

    def test_of_a_message_that_could_not_be_read_refers_to_what_is_known(self) -> None:
        fault = fault_of_refusal("xml_invalid", {"error": "not well-formed (invalid token)"})

        root = receipt(None, AppRecStatus.REJECTED, (fault,))

        assert value(root, "ar:OriginalMsgId/ar:Id") == ""
        assert value(root, "ar:OriginalMsgId/ar:IssueDate") == "2026-12-06T14:05:30+01:00"
        assert value(root, "ar:OriginalMsgId/ar:MsgType", "V") is None
        assert value(root, "ar:Error", "V") == "T01"
        assert value(root, "ar:Sender/ar:HCP/ar:Inst/ar:Name") == "Testvik kommune"
        assert list(root.find("ar:Receiver/ar:HCP/ar:Inst", NS)) == []

    def test_carries_at_least_one_error(self) -> None:
        with pytest.raises(ValueError, match="a rejected one at least one"):
            application_receipt(READY, AppRecStatus.REJECTED, municipality="Testvik", at=NOW)


def test_the_schema_finds_a_receipt_without_its_reference_invalid() -> None:
    """The validation the other tests rely on can fail."""
    root = receipt()
    root.remove(root.find("ar:OriginalMsgId", NS))

    assert not SCHEMA.validate(root)


def test_characters_xml_cannot_carry_are_written_as_replacement_characters() -> None:
    odd = Envelope("m\x00-\uffff", sender=Organisation("Syke\x1bhuset"))

    root = receipt(odd, AppRecStatus.REJECTED, (Fault(ErrorCode.X99, "feil\x07"),))

    assert value(root, "ar:OriginalMsgId/ar:Id") == "m\ufffd-\ufffd"
    assert value(root, "ar:Receiver/ar:HCP/ar:Inst/ar:Name") == "Syke\ufffdhuset"
    assert value(root, "ar:Error", "OT") == "feil\ufffd"


def test_a_naive_time_is_written_as_it_is() -> None:
    root = receipt(Envelope("m-4", issued=datetime(2026, 12, 6, 9, 0)))

    assert value(root, "ar:OriginalMsgId/ar:IssueDate") == "2026-12-06T09:00:00"


class TestOurRefusalsAsErrorCodes:
    @pytest.mark.parametrize(
        ("refusal", "params", "code"),
        [
            ("xml_invalid", {"error": "x"}, ErrorCode.T01),
            ("xml_unsafe", {}, ErrorCode.T01),
            ("message_format_unknown", {}, ErrorCode.T10),
            ("xml_no_msghead", {}, ErrorCode.T10),
            ("plo_wrong_type", {"message_type": "DIALOG_NOTAT"}, ErrorCode.T10),
            ("plo_unknown_message", {"names": "x", "kinds": []}, ErrorCode.T10),
            ("fhir_event_unknown", {"system": "s", "codes": []}, ErrorCode.T10),
            ("plo_no_identity", {}, ErrorCode.E30),
            ("plo_missing", {"part": "patient_ident"}, ErrorCode.E30),
            ("fhir_missing", {"part": "identity_number"}, ErrorCode.E30),
            ("identity_invalid", {"cause": "national_id_check_digits"}, ErrorCode.E31),
            ("identity_wrong_kind", {"identity": "dnr"}, ErrorCode.E31),
            ("plo_missing", {"part": "patient_name"}, ErrorCode.E32),
            ("fhir_missing", {"part": "patient_name"}, ErrorCode.E32),
            ("plo_missing", {"part": "MsgId"}, ErrorCode.E10),
            ("part_too_long", {"part": "MsgId", "length": 200}, ErrorCode.E10),
            ("part_unprintable", {"part": "MessageHeader.id"}, ErrorCode.E10),
            ("part_too_long", {"part": "patient_name", "length": 200}, ErrorCode.T99),
            ("plo_missing", {"part": "TidsfestetHendelse"}, ErrorCode.T99),
            ("time_unreadable", {"value": "i går"}, ErrorCode.T99),
            ("plo_dispatch_unknown", {"dispatch": "Q"}, ErrorCode.T99),
            ("message_too_large", {"limit_kib": 512}, ErrorCode.T99),
            ("no_open_flow", {"message_kind": "discharged"}, ErrorCode.X99),
            ("patient_not_in_hospital", {"message_kind": "ready", "phase": "x"}, ErrorCode.X99),
            ("hospital_cancellation", {"message_kind": "admitted"}, ErrorCode.X99),
            ("flow_closed", {}, ErrorCode.X99),
        ],
    )
    def test_each_refusal_has_the_code_its_meaning_has(
        self, refusal: str, params: dict[str, Any], code: ErrorCode
    ) -> None:
        assert error_code(refusal, params) == code

    def test_every_refusal_of_an_unreadable_message_is_a_format_or_patient_error(self) -> None:
        unreadable = catalogue_section("Hospital messages that cannot be read")

        assert unreadable, "the catalogue's section was not found"
        assert {code for code in unreadable if code not in REFUSAL_ERROR_CODES} == set()
        assert ErrorCode.X99 not in {error_code(code) for code in unreadable}

    def test_every_refusal_of_the_flows_state_is_another_error(self) -> None:
        refused = catalogue_section("Hospital messages: what the flow's state refuses")

        assert refused, "the catalogue's section was not found"
        assert {error_code(code) for code in refused} == {ErrorCode.X99}

    def test_the_table_names_only_refusals_the_catalogue_has(self) -> None:
        assert set(REFUSAL_ERROR_CODES) <= set(REFUSALS)

    def test_the_error_says_the_refusals_sentence_in_bokmaal(self) -> None:
        params = {"message_kind": "discharged"}

        fault = fault_of_refusal("no_open_flow", params)

        assert fault == Fault(ErrorCode.X99, sentence("no_open_flow", params))

    def test_a_refusal_the_catalogue_no_longer_says_gets_the_code_lists_text(self) -> None:
        assert fault_of_refusal("gone_since", {"x": 1}) == Fault(ErrorCode.X99, "Annen feil")


def catalogue_section(heading: str) -> set[str]:
    """The codes under a `# -- heading` of `flow/refusals.toml`, up to the next heading."""
    lines = Path(refusals.__file__).with_name("refusals.toml").read_text("utf-8").splitlines()
    codes: set[str] = set()
    inside = False
    for line in lines:
        if line.startswith("# -- "):
            inside = line == f"# -- {heading}" or line.startswith(f"# -- {heading} (")
        elif inside and line.startswith("[") and line.endswith("]"):
            codes.add(line[1:-1])
    return codes


#: Text as the readers let it through (no control characters but tab and newline, no lone
#: surrogates), less U+FFFE and U+FFFF, which XML 1.0 cannot carry.
TEXT = st.text(
    st.characters(
        exclude_categories=("Cc", "Cs"),
        include_characters="\t\n",
        exclude_characters="\ufffe\uffff",
    ),
    max_size=40,
)
ORGANISATIONS = st.builds(Organisation, TEXT, TEXT)
MOMENTS = st.datetimes(datetime(1990, 1, 1), datetime(2100, 12, 31), timezones=st.just(UTC))
ENVELOPES = st.builds(
    Envelope,
    message_id=TEXT,
    message_type=TEXT,
    message_type_text=TEXT,
    issued=st.none() | MOMENTS | st.datetimes(datetime(1990, 1, 1), datetime(2100, 12, 31)),
    sender=st.none() | ORGANISATIONS,
    department=st.none() | ORGANISATIONS,
    receiver=st.none() | ORGANISATIONS,
)
FAULTS = st.lists(st.builds(Fault, st.sampled_from(ErrorCode), TEXT), min_size=1, max_size=4)


@example(  # whitespace at the ends, markup, tabs and newlines, and a character beyond the BMP
    original=Envelope(
        " <m&1>\t\n ", "LOG_DOD", 'Orientering om "dødsfall"', sender=Organisation(" S ")
    ),
    rejected=True,
    faults=[Fault(ErrorCode.T99, "'<&>' \t\n \U0001d11e")],
    municipality="",
    at=NOW,
    receipt_id=" ",
)
@given(
    original=ENVELOPES,
    rejected=st.booleans(),
    faults=FAULTS,
    municipality=TEXT,
    at=MOMENTS,
    receipt_id=TEXT,
)
def test_any_message_gets_a_valid_receipt_that_reads_back(
    original: Envelope,
    rejected: bool,
    faults: list[Fault],
    municipality: str,
    at: datetime,
    receipt_id: str,
) -> None:
    status = AppRecStatus.REJECTED if rejected else AppRecStatus.OK
    faults = faults if rejected else []

    root = parsed(
        application_receipt(
            original, status, faults, municipality=municipality, at=at, receipt_id=receipt_id
        )
    )

    assert value(root, "ar:OriginalMsgId/ar:Id") == original.message_id
    assert value(root, "ar:Status", "V") == status.value
    assert value(root, "ar:Id") == receipt_id
    errors = root.findall("ar:Error", NS)
    assert [(e.get("V"), e.get("OT") or "") for e in errors] == [
        (fault.code.value, fault.text) for fault in faults
    ]
    if original.sender is not None and original.sender.name:
        assert value(root, "ar:Receiver/ar:HCP/ar:Inst/ar:Name") == original.sender.name
