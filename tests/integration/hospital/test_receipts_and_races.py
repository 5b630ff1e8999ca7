"""Every PLO message gets KITH's application receipt, the board shows what the hospital said,
and the same message at two server processes at once is taken in once — on both stores."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from lxml import etree
from sqlalchemy import func, select
from support.api_client import NATIONAL_IDS, Api
from support.logins import log_in
from support.sample_messages import plo_message

from access.accounts import Role
from boards.hospital.kept import contents, messages
from boards.services.system import open_system
from boards.settings import Settings
from flow.actor import Actor
from flow.municipality import municipality_id
from flow.national_id import with_check_digits
from flow.vocabulary import ERASED
from projections.flow_cards import notices

if TYPE_CHECKING:
    from support.world import World

PATH = "/api/v1/hospital-messages"
KARI = NATIONAL_IDS[0]
XML = {"Accept": "application/xml"}
APPREC = "{http://www.kith.no/xmlstds/apprec/2004-11-21}"
SCHEMA = etree.XMLSchema(
    etree.parse(str(Path(__file__).parents[2] / "support/kith/AppRec-v1.0.xsd"))
)
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def api(world: World) -> Api:
    world.accounts.add_user(
        municipality_id("9998"), "sykehus", Role.INTEGRATION, "Sykehus", None, [], at=world.clock()
    )
    world.tokens["sykehus"] = world.accounts.issue_token("sykehus", at=world.clock())
    return Api(world)


def send(api: Api, body: bytes, **headers: str) -> Any:
    return api.world.client.post(PATH, content=body, headers=api.world.headers("sykehus") | headers)


def receipt(answer: Any) -> Any:
    assert answer.headers["content-type"] == "application/xml; charset=utf-8", answer.text
    document = etree.fromstring(answer.content)
    SCHEMA.assertValid(document)
    return document


def test_a_message_taken_in_gets_an_ok_receipt_referring_to_it(api: Api) -> None:
    answer = send(api, plo_message("admitted", KARI, message_id="inn-1"), **XML)

    assert answer.status_code == 201
    document = receipt(answer)
    assert document.find(f"{APPREC}Status").get("V") == "1"
    original = document.find(f"{APPREC}OriginalMsgId")
    assert original.find(f"{APPREC}Id").text == "inn-1"
    assert original.find(f"{APPREC}MsgType").get("V") == "LOG_INNLAGT"
    # The receipt goes back to the sender: the hospital and its department, by HER-id.
    receiver = document.find(f"{APPREC}Receiver/{APPREC}HCP/{APPREC}Inst")
    assert (receiver.find(f"{APPREC}Name").text, receiver.find(f"{APPREC}Id").text) == (
        "Sykehuset Test HF",
        "8000001",
    )


def test_a_refused_message_gets_a_rejected_receipt_and_a_replay_the_same_one(api: Api) -> None:
    body = plo_message("discharged", KARI, message_id="ut-1")  # no open flow

    first = send(api, body, **XML)
    api.world.clock.advance(minutes=10)
    again = send(api, body, **XML)

    assert (first.status_code, again.status_code) == (409, 409)
    document = receipt(first)
    assert document.find(f"{APPREC}Status").get("V") == "2"
    error = document.find(f"{APPREC}Error")
    assert error.get("V") == "X99" and "ikke noe åpent forløp" in error.get("OT")
    assert again.content == first.content


def test_an_unreadable_message_gets_a_rejected_receipt_with_the_code_lists_error(api: Api) -> None:
    wrong = KARI[:10] + str((int(KARI[10]) + 1) % 10)
    answer = send(api, plo_message("admitted", wrong, message_id="inn-9"), **XML)

    assert answer.status_code == 422
    document = receipt(answer)
    assert document.find(f"{APPREC}Error").get("V") == "E31"
    assert document.find(f"{APPREC}OriginalMsgId/{APPREC}Id").text == "inn-9"


def test_a_json_client_gets_the_receipts_code_in_json(api: Api) -> None:
    taken = send(api, plo_message("admitted", KARI))
    refused = send(api, plo_message("discharged", NATIONAL_IDS[1]))

    assert taken.json()["apprec"] == {"status": "1"}
    assert refused.json()["apprec"] == {"status": "2", "error": "X99"}


def test_the_card_shows_the_hospital_the_contact_and_the_remark_until_erased(api: Api) -> None:
    body = plo_message("ready", KARI, place="Post 4 Nord", remark="Trenger seng med løfter")
    flow_id = send(api, body).json()["flow_id"]
    client = api.world.client
    assert log_in(client, "saksbehandler", "pw-1").status_code == 303

    card = client.get("/tildeling").text
    card = card.split(f'id="flow-{flow_id}"')[1].split("</article>")[0]

    assert "Post 4 Nord" in card
    assert "Sykehuset Test HF · Medisinsk klinikk" in card
    assert "Sara Sykepleier" in card and 'href="tel:+4799999999"' in card
    assert "Trenger seng med løfter" in card
    notice = api.flow(flow_id)["hospital_notice"]
    assert (notice["hospital_her"], notice["contact_hpr"]) == ("8000001", "9144900")

    admin = Actor("personvern", "admin", municipality_id("9998"))
    api.world.flows.erase_identity(UUID(flow_id), "Test", by=admin, at=api.world.clock())
    api.world.system.projector.catch_up()
    notice = api.flow(flow_id)["hospital_notice"]
    assert (notice["contact_name"], notice["remark"], notice["ward"]) == (ERASED,) * 3
    with api.world.system.engine.connect() as db:
        row = db.execute(select(notices).where(notices.c.flow_id == UUID(flow_id))).one()
    assert (row.contact_name, row.contact_phone, row.remark) == (ERASED,) * 3


def test_a_message_for_the_list_keeps_its_patient_sealed_not_in_the_clear(api: Api) -> None:
    send(api, plo_message("discharged", KARI, message_id="ut-2"))

    with api.world.system.engine.connect() as db:
        row = db.execute(select(messages).where(messages.c.message_id == "ut-2")).one()
        sealed = db.scalar(select(contents.c.sealed).where(contents.c.id == row.id))
    assert row.national_id is None and row.patient_name is None
    assert sealed and KARI not in sealed and "Kari" not in sealed
    (waiting,) = api.world.system.hospital_messages.attention(municipality_id("9998"))
    assert (waiting.national_id, waiting.patient_name) == (KARI, "Kari Nordmann")
    assert waiting.sender == "Sykehuset Test HF, Medisinsk klinikk"


def test_the_follow_up_list_is_read_over_the_api(api: Api) -> None:
    send(api, plo_message("discharged", KARI, message_id="ut-3"))
    api.world.clock.advance(minutes=1)
    send(api, b"<MsgHead><MsgInfo><MsgId>brutt")

    listed = api.world.client.get(f"{PATH}?status=attention", headers=api.world.headers())
    hospital = api.world.client.get(
        f"{PATH}?status=attention", headers=api.world.headers("sykehus")
    )

    assert listed.status_code == 200, listed.text
    assert [(m["message_id"], m["unreadable"]) for m in listed.json()][0] == ("ut-3", False)
    assert listed.json()[1]["unreadable"] and listed.json()[1]["message_id"].startswith("sha256:")
    assert hospital.status_code == 403


# -- the same message at two processes at once -------------------------------------------

ROUNDS = 30


def take_in(database_url: str, bodies: list[bytes], barrier: Any, results: Any) -> None:
    """One server process: its own system; each message in step with the other process."""
    system = open_system(Settings(database_url=database_url))
    user = system.accounts.find("sykehus")
    assert user is not None
    seen = []
    try:
        for body in bodies:
            barrier.wait()
            got = system.hospital_messages.ingest(body, user, AT)
            seen.append((got.outcome.value, str(got.flow_id), got.version))
    except Exception as error:  # reported, so the test fails with the cause
        seen.append((f"unexpected {type(error).__name__}: {error}", "", None))
    finally:
        results.put(seen)
        system.close()


def test_the_same_message_at_two_processes_is_taken_in_once_and_both_answer_alike(
    api: Api, database_url: str
) -> None:
    numbers = (with_check_digits(f"{day:02d}8145{n:03d}") for day in range(1, 29) for n in (1, 2))
    patients = [number for number in numbers if number][:ROUNDS]
    bodies = [
        plo_message("admitted", number, message_id=f"race-{n}") for n, number in enumerate(patients)
    ]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2, timeout=120), context.Queue()
    racers = [
        context.Process(target=take_in, args=(database_url, bodies, barrier, results))
        for _ in range(2)
    ]
    for racer in racers:
        racer.start()
    seen = [results.get(timeout=300) for _ in racers]
    for racer in racers:
        racer.join(timeout=60)

    assert seen[0] == seen[1], seen
    assert {outcome for outcome, _, _ in seen[0]} == {"opened"}
    with api.world.system.engine.connect() as db:
        kept = db.scalar(select(func.count()).select_from(messages)) or 0
        refused = db.scalar(select(func.count()).where(messages.c.rejected.is_(True)))
    assert (kept, refused) == (len(bodies), 0)
    for _, flow_id, _ in seen[0]:  # each message opened one flow, admitted once
        assert api.flow_events(flow_id) == ["FlowOpened", "HospitalAdmissionNotified"]


KINDS = ["admitted", "ready", "ready_withdrawn", "discharged", "died"]


@pytest.mark.parametrize("status", ["N", "A", "M", "C", "H"])
def test_every_kind_with_every_dispatch_status_is_taken_or_listed_never_a_server_error(
    api: Api, status: str
) -> None:
    numbers = (with_check_digits(f"{day:02d}8250{n:03d}") for day in range(1, 29) for n in (3, 4))
    for kind, number in zip(KINDS * 2, (n for n in numbers if n), strict=False):
        admitted = send(api, plo_message("admitted", number))
        assert admitted.status_code == 201, admitted.text
        answer = send(api, plo_message(kind, number, status=status), **XML)
        assert answer.status_code in (200, 409), (kind, status, answer.text)
        assert receipt(answer).find(f"{APPREC}Status").get("V") == (
            "1" if answer.status_code == 200 else "2"
        )
    listed = api.world.system.hospital_messages.attention(municipality_id("9998"))
    assert all(m.code for m in listed)


def test_what_the_list_kept_is_purged_after_the_retention_period(api: Api) -> None:
    send(api, plo_message("discharged", KARI, message_id="ut-old"))
    messages_kept = api.world.system.hospital_messages
    (waiting,) = messages_kept.attention(municipality_id("9998"))
    assert waiting.national_id == KARI

    later = api.world.clock() + timedelta(days=181)
    assert messages_kept.purge_past_retention(later, 180) == 1

    (waiting,) = messages_kept.attention(municipality_id("9998"))  # still listed, erased
    assert (waiting.national_id, waiting.patient_name) == ("", ERASED)
    with api.world.system.engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(contents)) == 0
