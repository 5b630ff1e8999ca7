"""Hospital messages in, on SQLite and PostgreSQL: events without retyping, once per message."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support.api_client import NATIONAL_IDS, Api, referral, short_term_stay
from support.command_line import run, stored_events
from support.erasure_story import NAME, NATIONAL_ID, opened_with_notes, stored_bytes, with_admin
from support.logins import csrf_token_of, log_in
from support.sample_messages import fhir_message, plo_message

from access.accounts import Role
from boards.app import create_app
from boards.hospital.kept import messages
from boards.settings import Settings
from flow.municipality import municipality_id
from flow.national_id import with_check_digits
from flow.vocabulary import ERASED

if TYPE_CHECKING:
    from support.world import World

PATH = "/api/v1/hospital-messages"
KARI, OLA = NATIONAL_IDS[0], NATIONAL_IDS[1]
Message = Callable[..., bytes]
FORMATS = [pytest.param(plo_message, id="plo"), pytest.param(fhir_message, id="fhir")]


@pytest.fixture
def api(world: World) -> Api:
    for username, number in (("sykehus", "9998"), ("sykehus2", "9997")):
        world.accounts.add_user(
            municipality_id(number),
            username,
            Role.INTEGRATION,
            "Sykehus",
            None,
            [],
            at=world.clock(),
        )
        world.tokens[username] = world.accounts.issue_token(username, at=world.clock())
    return Api(world)


def send(api: Api, body: bytes, user: str = "sykehus") -> httpx.Response:
    return api.world.client.post(PATH, content=body, headers=api.world.headers(user))


def stored(api: Api) -> tuple[int, int]:
    """Events in the log, and messages recorded."""
    with api.world.system.engine.connect() as db:
        recorded = db.scalar(select(func.count()).select_from(messages)) or 0
    return api.recorded(), recorded


def at(hour: int, fmt: Message) -> str:
    return f"2026-03-02T{hour:02d}:00:00" + ("+01:00" if fmt is fhir_message else "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_hospital_stay_is_told_by_the_four_messages_without_typing(
    api: Api, fmt: Message
) -> None:
    admitted = send(api, fmt("admitted", KARI, at(6, fmt), place="Sykehuset Test, ortopedi"))
    assert admitted.status_code == 201, admitted.text
    flow_id = admitted.json()["flow_id"]
    flow = api.flow(flow_id)
    assert (flow["phase"], flow["source"], flow["name"]) == (
        "in_hospital",
        "hospital",
        "Kari Nordmann",
    )
    assert (flow["location"], flow["admitted_at"]) == (
        "Sykehuset Test, ortopedi",
        "2026-03-02T05:00:00Z",
    )

    ready = send(api, fmt("ready", KARI, at(9, fmt), estimate=True))
    assert ready.status_code == 200, ready.text
    assert ready.json()["flow_id"] == flow_id
    assert api.flow(flow_id)["ready"] == {"ready_at": "2026-03-02T08:00:00Z", "estimate": True}

    assert send(api, fmt("ready_withdrawn", KARI, at(10, fmt))).status_code == 200
    assert api.flow(flow_id)["phase"] == "in_hospital"
    assert api.flow(flow_id)["ready"] is None  # the payment clock stopped

    assert send(api, fmt("ready", KARI, at(11, fmt))).status_code == 200
    api.command(flow_id, "decision", short_term_stay(api.unit_id("KORT")))
    api.command(flow_id, "reservation", {"unit_id": api.unit_id("KORT"), "bed": "2"})
    left = send(api, fmt("discharged", KARI, at(12, fmt)))
    assert left.status_code == 200, left.text

    assert api.flow(flow_id)["phase"] == "on_stay"
    assert api.bed("KORT", "2") == {"status": "occupied", "flow_id": flow_id}
    assert api.flow_events(flow_id) == [
        "FlowOpened",
        "HospitalAdmissionNotified",
        "ReadyForDischargeNotified",
        "ReadyForDischargeWithdrawn",
        "ReadyForDischargeNotified",
        "ServiceDecided",
        "BedReserved",
        "PatientArrived",
    ]
    (by,) = {e["role"] for e in api.get(f"/flows/{flow_id}/history").json()[:5]}
    assert by == "integration"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_discharge_with_a_plan_and_no_bed_sends_the_patient_home_from_hospital(
    api: Api, fmt: Message
) -> None:
    flow_id = send(api, fmt("admitted", KARI, at(6, fmt))).json()["flow_id"]
    send(api, fmt("ready", KARI, at(9, fmt)))
    nord = api.unit_id("NORD")
    api.command(
        flow_id, "decision", {"service": "home_care", "zone_id": nord, "starts_on": "2026-03-02"}
    )
    api.command(
        flow_id, "discharge-plan", {"on": "2026-03-02", "destination": "home", "zone_id": nord}
    )
    client = api.world.client
    assert log_in(client, "saksbehandler", "pw-1").status_code == 303
    card = client.get("/tildeling").text.split(f'id="flow-{flow_id}"')[1].split("</article>")[0]
    assert "Planlagt ut 2. mars → hjem · Sone Nord" in card
    api.world.clock.advance(hours=5)  # 14:00 in Oslo: the message tells of 13:00

    left = send(api, fmt("discharged", KARI, at(13, fmt)))

    assert left.status_code == 200, left.text
    flow = api.flow(flow_id)
    assert (flow["phase"], flow["discharged_to"], flow["discharged_at"]) == (
        "discharged",
        "home",
        "2026-03-02T12:00:00Z",
    )
    assert flow["ready"] is None  # the payment clock stopped at the discharge
    assert api.flow_events(flow_id)[-3:] == [
        "ServiceDecided",
        "DischargePlanned",
        "PatientDischarged",
    ]
    first_visit = [t for t in flow["tasks"] if t["task"]["key"] == "first_home_visit"]
    assert [(t["task"]["owner"]["unit_id"], t["status"]) for t in first_visit] == [(nord, "open")]
    api.command(flow_id, "home-care-start")
    assert api.flow(flow_id)["phase"] == "home_care"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_discharge_with_neither_bed_nor_plan_goes_to_the_office_saying_what_to_do(
    api: Api, fmt: Message
) -> None:
    flow_id = send(api, fmt("admitted", KARI, at(6, fmt))).json()["flow_id"]
    send(api, fmt("ready", KARI, at(9, fmt)))
    events = api.recorded()

    refused = send(api, fmt("discharged", KARI, at(13, fmt), message_id="ut-x"))

    assert refused.status_code == 409
    assert "verken reservert seng eller planlagt utskrivning" in refused.json()["detail"]
    assert "Reserver en seng og registrer ankomsten" in refused.json()["detail"]
    assert "planlegg utskrivningen og skriv pasienten ut" in refused.json()["detail"]
    assert api.recorded() == events
    waiting = api.world.system.hospital_messages.attention(municipality_id("9998"))
    assert [(m.message_id, str(m.flow_id)) for m in waiting] == [("ut-x", flow_id)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_change_moves_the_ready_day_and_a_cancel_withdraws_the_notice(
    api: Api, fmt: Message
) -> None:
    flow_id = send(api, fmt("ready", KARI, at(9, fmt))).json()["flow_id"]
    change = {"status": "M"} if fmt is plo_message else {"prefix": "UPDATE-"}
    cancel = {"status": "C"} if fmt is plo_message else {"prefix": "CANCEL-"}

    assert send(api, fmt("ready", KARI, at(13, fmt), estimate=True, **change)).status_code == 200
    assert api.flow(flow_id)["ready"] == {"ready_at": "2026-03-02T12:00:00Z", "estimate": True}

    assert send(api, fmt("ready", KARI, at(14, fmt), **cancel)).status_code == 200
    assert api.flow(flow_id)["ready"] is None
    assert api.flow_events(flow_id)[-3:] == [
        "ReadyForDischargeNotified",
        "ReadyForDischargeNotified",  # the same wait, a new day
        "ReadyForDischargeWithdrawn",
    ]


def test_a_change_moving_the_ready_day_earlier_or_later_moves_the_paid_days_not_the_answers(
    api: Api,
) -> None:
    """Ready on 2 March, "cannot receive" told that day, an offer told on 5 March: three days;
    the hospital's change moves the ready day, the answers stand (flow/payment_clock.py)."""
    flow_id = send(api, plo_message("ready", KARI, "2026-03-02T09:00:00")).json()["flow_id"]
    api.command(flow_id, "hospital-answer", {"can_receive": False})
    api.world.clock.advance(days=3)
    api.command(flow_id, "hospital-answer", {"can_receive": True})

    def paid() -> int:
        board = api.get("/boards/allocation").json()
        (card,) = [c for c in board["ready"] if c["flow_id"] == flow_id]
        days: int = card["days_waiting"]
        return days

    assert paid() == 3
    earlier = plo_message("ready", KARI, "2026-02-28T09:00:00", status="M", message_id="m-1")
    assert send(api, earlier).status_code == 200
    assert paid() == 5
    later = plo_message("ready", KARI, "2026-03-04T09:00:00", status="M", message_id="m-2")
    assert send(api, later).status_code == 200
    assert paid() == 1
    assert api.flow(flow_id)["hospital_answer"]["can_receive"] is True  # the offer stands


def test_an_admission_of_a_patient_at_home_is_a_readmission(api: Api) -> None:
    flow_id = api.on_stay()  # KARI, on a short-term stay

    answer = send(api, plo_message("admitted", KARI, message_id="inn-2"))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "message_id": "inn-2",
        "outcome": "applied",
        "flow_id": flow_id,
        "version": answer.json()["version"],
        "opened": False,
        "apprec": {"status": "1"},
    }
    assert api.flow(flow_id)["phase"] == "in_hospital"
    assert "PatientReadmitted" in api.flow_events(flow_id)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<MsgHead>&lol3;</MsgHead>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<MsgHead>&x;</MsgHead>"""
WRONG_ID = KARI[:10] + str((int(KARI[10]) + 1) % 10)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<MsgHead><MsgInfo></MsgHead>", "Ugyldig XML"),
        (BILLION_LAUGHS, "DTD, entiteter"),
        (EXTERNAL, "DTD, entiteter"),
        (plo_message("admitted", WRONG_ID), "kontrollsiffer"),
        (fhir_message("admitted", WRONG_ID), "kontrollsiffer"),
        (plo_message("admitted", KARI, element="MeldingOmDødsfall"), "Ukjent PLO-melding"),
        (fhir_message("admitted", KARI, prefix="DELETE-"), "Ukjent meldingstype"),
        (fhir_message("admitted", KARI).replace(b'"in-progress"', b'{"x": 1}'), "ikke gyldig"),
    ],
)
def test_a_message_that_cannot_be_read_is_refused_and_kept_on_the_follow_up_list(
    api: Api, body: bytes, says: str
) -> None:
    events, kept = stored(api)

    answer = send(api, body)
    again = send(api, body)

    assert answer.status_code == 422, answer.text
    assert says in answer.json()["detail"]
    assert "liste over meldinger som må følges opp" in answer.json()["detail"]
    assert (again.status_code, again.json()) == (answer.status_code, answer.json())
    assert stored(api) == (events, kept + 1)  # kept once, replay or not
    (waiting,) = api.world.system.hospital_messages.attention(municipality_id("9998"))
    assert waiting.unreadable and says in waiting.reason


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"\xff\xfe\x00garbage", 422, "Ukjent format"),
        (b"", 422, "Ukjent format"),
        (plo_message("admitted", KARI) + b" " * 600_000, 413, "større enn"),
    ],
)
def test_what_is_no_hospital_message_at_all_is_refused_without_a_trace(
    api: Api, body: bytes, status: int, says: str
) -> None:
    before = stored(api)

    answer = send(api, body)

    assert answer.status_code == status, answer.text
    assert says in answer.json()["detail"]
    assert "følges opp" not in answer.json()["detail"]
    assert stored(api) == before


def test_a_contradicting_message_is_kept_for_the_office_and_a_replay_gets_the_same_answer(
    api: Api,
) -> None:
    home = api.open_flow(source="home", national_id=OLA)  # referred from home, never admitted
    events = api.recorded()

    first = send(api, plo_message("discharged", OLA, message_id="ut-1"))
    again = send(api, plo_message("discharged", OLA, message_id="ut-1"))
    api.world.clock.advance(minutes=5)
    unknown = send(api, fhir_message("ready_withdrawn", KARI, message_id="av-1"))

    assert first.status_code == 409
    assert "ifølge forløpet er pasienten ikke på sykehus, men henvist" in first.json()["detail"]
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert unknown.status_code == 409
    assert "ikke noe åpent forløp" in unknown.json()["detail"]
    assert api.recorded() == events  # no event
    assert stored(api)[1] == 2  # two messages, the replay not again
    assert (first.headers["content-type"], first.json()["code"]) == (
        "application/problem+json",
        "patient_not_in_hospital",
    )
    assert first.json()["params"] == {"message_kind": "discharged", "phase": "referred"}
    waiting = api.world.system.hospital_messages.attention(municipality_id("9998"))
    assert [(m.message_id, m.flow_id is not None) for m in waiting] == [
        ("ut-1", True),
        ("av-1", False),
    ]
    assert str(waiting[0].flow_id) == home


def test_the_office_sees_a_refused_message_on_its_list_and_marks_it_handled(api: Api) -> None:
    send(api, plo_message("discharged", OLA, message_id="ut-9", name=("Ola", "Nordmann")))
    client = api.world.client
    assert log_in(client, "saksbehandler", "pw-1").status_code == 303

    board = client.get("/tildeling")
    assert 'href="/tildeling/meldinger"' in board.text
    assert "Sykehusmeldinger som må følges opp: 1" in board.text
    page = client.get("/tildeling/meldinger")
    assert page.status_code == 200
    assert "Ola Nordmann" in page.text and OLA in page.text
    assert "ikke noe åpent forløp" in page.text
    client.cookies.set("sprak", "en")
    assert "the municipality has no open flow for the patient" in client.get(page.url).text
    client.cookies.delete("sprak")
    (row_id,) = re.findall(r'action="/tildeling/meldinger/([^/]+)/behandlet"', page.text)

    token = csrf_token_of(client, "/tildeling/meldinger")
    handled = client.post(
        f"/tildeling/meldinger/{row_id}/behandlet",
        data={"csrf_token": token},
        follow_redirects=False,
    )

    assert handled.status_code == 303
    after = client.get("/tildeling/meldinger").text
    assert "Ingen meldinger venter" in after and OLA not in after
    assert (
        client.post(
            f"/tildeling/meldinger/{row_id}/behandlet", data={"csrf_token": token}
        ).status_code
        == 404
    )


def a_day_of_messages() -> list[bytes]:
    day = []
    for n, number in enumerate(NATIONAL_IDS[2:8]):
        fmt = plo_message if n % 2 else fhir_message
        day.append(fmt("admitted", number, at(6 + n, fmt), message_id=f"inn-{n}"))
        if n % 3 != 2:
            day.append(fmt("ready", number, at(12 + n, fmt), message_id=f"klar-{n}"))
        if n == 1:
            day.append(fmt("ready_withdrawn", number, at(20, fmt), message_id=f"av-{n}"))
    day.append(plo_message("discharged", NATIONAL_IDS[9], message_id="ut-ukjent"))
    return day


def event_log(api: Api) -> list[tuple[Any, ...]]:
    notifications = api.world.flows.recorder.select_notifications(1, 10_000)
    return [(n.originator_id, n.originator_version, n.topic) for n in notifications]


def test_a_refused_message_and_its_replay_are_answered_in_the_sender_s_language(
    api: Api,
) -> None:
    api.open_flow(source="home", national_id=OLA)
    english = {**api.world.headers("sykehus"), "Accept-Language": "en"}

    first = send(api, plo_message("discharged", OLA, message_id="ut-2"))
    again = api.world.client.post(
        PATH, content=plo_message("discharged", OLA, message_id="ut-2"), headers=english
    )

    assert first.json()["detail"].startswith("Kan ikke ta imot melding om utskrevet pasient")
    assert (again.status_code, again.json()["code"]) == (409, "patient_not_in_hospital")
    assert again.json()["detail"] == (
        "Cannot take the message “patient discharged”: according to the flow the patient is "
        "not in hospital but referred. The message is on the allocation office's list of "
        "messages to follow up."
    )


def test_replaying_a_day_of_messages_changes_nothing(api: Api) -> None:
    day = a_day_of_messages()
    first = [send(api, body) for body in day]
    log, recorded = event_log(api), stored(api)

    second = [send(api, body) for body in day]

    assert [r.status_code for r in first].count(201) == 6
    assert [r.status_code for r in first][-1] == 409
    assert [(r.status_code, r.json()) for r in second] == [(r.status_code, r.json()) for r in first]
    assert event_log(api) == log
    assert stored(api) == recorded
    board = api.get("/boards/allocation").json()
    assert len(board["in_hospital"]) + len(board["ready"]) == 6


@pytest.mark.parametrize("user", ["saksbehandler", "sykepleier"])
def test_only_an_integration_user_may_send_messages(api: Api, user: str) -> None:
    answer = send(api, plo_message("admitted", KARI), user=user)
    assert answer.status_code == 403
    assert "integrasjonsbruker" in answer.json()["detail"]
    no_token = api.world.client.post(PATH, content=plo_message("admitted", KARI))
    assert no_token.status_code == 401


def test_an_integration_user_sees_no_board_and_no_patient(api: Api) -> None:
    flow_id = send(api, plo_message("admitted", KARI)).json()["flow_id"]
    for path in (
        f"/flows/{flow_id}",
        f"/flows/{flow_id}/history",
        "/boards/allocation",
        "/units",
        "/zones",
        "/stream",
    ):
        refused = api.get(path, user="sykehus")
        assert refused.status_code == 403, path
        assert "bare sende sykehusmeldinger" in refused.json()["detail"]
    assert api.post("/flows", referral(), user="sykehus").status_code == 403
    assert api.post(f"/flows/{flow_id}/discharge", user="sykehus").status_code == 403


def test_an_integration_user_of_another_municipality_never_touches_its_flows(api: Api) -> None:
    ours = send(api, plo_message("admitted", KARI, message_id="same-id")).json()["flow_id"]
    version = api.flow(ours)["version"]

    theirs = send(api, plo_message("admitted", KARI, message_id="same-id"), user="sykehus2")
    refused = send(api, plo_message("discharged", KARI), user="sykehus2")

    assert theirs.status_code == 201 and theirs.json()["flow_id"] != ours
    assert refused.status_code == 409
    assert api.flow(ours)["version"] == version
    assert api.get(f"/flows/{theirs.json()['flow_id']}").status_code == 404
    assert with_check_digits(KARI[:9]) == KARI


DAY = Path(__file__).resolve().parents[3] / "fixtures" / "hospital_messages"


def test_a_day_of_sample_messages_fills_the_demo_board_and_a_replay_changes_nothing(
    sqlite_url: str,
) -> None:
    assert run(sqlite_url, "demo").returncode == 0
    before = stored_events(sqlite_url)

    first = run(sqlite_url, "messages", "load", str(DAY))
    after_first = stored_events(sqlite_url)
    second = run(sqlite_url, "messages", "load", str(DAY), "--municipality", "9901")

    row = r"│ (\S[^│]*?)\s+│\s+(\d+) │"  # a line of the summary: outcome, count
    assert dict(re.findall(row, first.stdout)) == {
        "nytt forløp": "5",
        "tatt imot": "13",
        "registrert": "1",
        "til oppfølging": "2",
        "uleselig, til oppfølging": "1",
        "mottatt før": "0",
        "ikke en sykehusmelding, ikke lagret": "0",
    }, first.stdout + first.stderr
    # The broken file waits on the follow-up list: nothing is lost, so the load succeeds.
    assert first.returncode == 0
    assert after_first > before
    # Nothing is stored again; the broken file too is known by its body's digest.
    assert dict(re.findall(row, second.stdout)) == {
        "nytt forløp": "0",
        "tatt imot": "0",
        "registrert": "0",
        "til oppfølging": "0",
        "uleselig, til oppfølging": "0",
        "mottatt før": "22",
        "ikke en sykehusmelding, ikke lagret": "0",
    }, second.stdout + second.stderr
    assert second.returncode == 0
    assert stored_events(sqlite_url) == after_first
    client = TestClient(create_app(Settings(database_url=sqlite_url)))
    token = run(sqlite_url, "users", "token", "saksbehandler").stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    board = client.get("/api/v1/boards/allocation", headers=headers)
    names = {card["name"] for column in ("in_hospital", "ready") for card in board.json()[column]}
    new = {"Gunvor Bakke", "Jonas Lindqvist", "Bjørg Sæther", "Håkon Rustad", "Magnhild Østby"}
    assert new <= names
    assert {"Astrid Lie", "Ingrid Bakken"} <= names  # from home and from a stay, admitted
    waiting = client.get(f"{PATH}?status=attention", headers=headers).json()
    assert len(waiting) == 3  # the broken file once, though loaded twice


def test_users_add_makes_an_integration_user_whose_token_sends_messages(sqlite_url: str) -> None:
    assert run(sqlite_url, "demo").returncode == 0
    added = run(
        sqlite_url, "users", "add", "dips", "integration", "--municipality", "9902",
        "--password", "",
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    token = run(sqlite_url, "users", "token", "dips").stdout.strip()
    client = TestClient(create_app(Settings(database_url=sqlite_url)))

    answer = client.post(
        PATH, content=plo_message("admitted", KARI), headers={"Authorization": f"Bearer {token}"}
    )

    assert answer.status_code == 201, answer.text
    units = client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert units.status_code == 403


def test_a_ready_message_starts_the_payment_clock_and_a_withdrawal_stops_it(api: Api) -> None:
    send(api, plo_message("admitted", KARI, "2026-03-01T10:00:00"))
    send(api, plo_message("ready", KARI, "2026-03-01T23:30:00", estimate=True))  # Oslo time
    api.world.clock.advance(days=2)  # 2026-03-04 08:00 UTC

    (card,) = api.get("/boards/allocation").json()["ready"]
    assert (card["days_waiting"], card["cost_so_far"]) == (4, 4 * 5745)  # 1st to 4th March
    assert card["ready_estimate"] is True

    send(api, plo_message("ready_withdrawn", KARI, "2026-03-04T09:00:00"))
    board = api.get("/boards/allocation").json()
    assert board["ready"] == []
    assert [c["days_waiting"] for c in board["in_hospital"]] == [0]


def test_erasing_a_patient_erases_the_identity_of_the_messages_waiting_for_follow_up(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    world = with_admin(api.world)
    opened_with_notes(world)  # ready for discharge, no bed reserved
    given, family = NAME.split()
    refused = send(api, plo_message("discharged", NATIONAL_ID, name=(given, family)))
    assert refused.status_code == 409

    erased = run(
        database_url, "erase", f"--national-id={NATIONAL_ID}", "--municipality=9998",
        "--by=admin", "--reason=Lovlig krav",
    )  # fmt: skip

    assert erased.returncode == 0, erased.stdout + erased.stderr
    (waiting,) = world.system.hospital_messages.attention(municipality_id("9998"))
    assert (waiting.patient_name, waiting.national_id) == (ERASED, "")
    everything = stored_bytes(database_url, tmp_path)
    assert NAME.encode() not in everything and NATIONAL_ID.encode() not in everything


def test_the_follow_up_list_is_the_allocation_office_s_own(api: Api) -> None:
    send(api, plo_message("discharged", OLA, message_id="ut-a"))
    (waiting,) = api.world.system.hospital_messages.attention(municipality_id("9998"))
    client = api.world.client

    assert log_in(client, "sykepleier", "pw-2").status_code == 303
    assert client.get("/tildeling/meldinger").status_code == 403
    assert log_in(client, "saksbehandler2", "pw-3").status_code == 303
    assert OLA not in client.get("/tildeling/meldinger").text
    token = csrf_token_of(client, "/tildeling/meldinger")
    other = client.post(f"/tildeling/meldinger/{waiting.id}/behandlet", data={"csrf_token": token})

    assert other.status_code == 404
    assert len(api.world.system.hospital_messages.attention(municipality_id("9998"))) == 1
