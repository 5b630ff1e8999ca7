"""The demo's day of hospital messages, loaded as an operator loads it after `pasientflyt demo`
(`pasientflyt messages load fixtures/hospital_messages`): each file does to its patient's flow
what it says, the flow shows the hospital, ward and contact nurse the message named, and the
allocation office's follow-up list holds what needs a person, with the reason."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from support.command_line import run

from boards.app import create_app
from boards.hospital.ingest import read
from boards.hospital.kept import messages
from boards.settings import Settings

DAY = Path(__file__).resolve().parents[3] / "fixtures" / "hospital_messages"
BROKEN = "22-1620-innlagt.xml"

#: What became of each file (the outcome kept with it).
OUTCOMES = {
    "01-0612-innlagt.xml": "opened",
    "02-0647-innlagt.xml": "opened",  # an H-number
    "03-0705-innlagt.xml": "opened",  # ISO-8859-1
    "04-0730-innlagt.json": "opened",  # MedCom
    "05-0815-innlagt.xml": "applied",  # a byte-order mark; referred from home, now admitted
    "06-0840-innlagt.xml": "applied",  # the admission changed: another ward
    "07-0910-utskrivningsklar.xml": "applied",
    "08-0950-utskrivningsklar.xml": "applied",
    "09-1005-utskrivningsklar.json": "applied",  # our extension under MedCom's event
    "10-1045-utskrivningsklar.xml": "opened",  # a ready notice of a patient new to us
    "11-1120-utskrivningsklar.xml": "applied",
    "12-1135-utskrivningsklar.xml": "applied",  # the ready day moved
    "13-1200-avmelding.xml": "applied",
    "14-1215-utskrivningsklar.xml": "refused",  # cancels a ready notice already withdrawn
    "15-1240-utskrivningsklar.xml": "applied",  # cancels a ready notice: withdrawn
    "16-1305-innlagt.xml": "recorded",  # history of a patient with no flow
    "17-1320-dod.xml": "applied",
    "18-1400-utskrevet.xml": "applied",  # into the bed reserved
    "19-1430-utskrevet.xml": "refused",  # neither bed nor plan
    "20-1510-innlagt.xml": "applied",  # back from a short-term stay
    "21-1545-utskrivningsklar.xml": "applied",  # an addition, noted
    BROKEN: "unreadable",
}
#: Where each patient's flow stands at the end of the day, by the day's last file about them:
#: phase, and the ready notice (when, estimate) or None.
FLOWS = {
    "06-0840-innlagt.xml": ("in_hospital", None),  # Gunvor Bakke
    "15-1240-utskrivningsklar.xml": ("in_hospital", None),  # Jonas Lindqvist
    "03-0705-innlagt.xml": ("in_hospital", None),  # Bjørg Sæther
    "09-1005-utskrivningsklar.json": ("ready", ("2026-12-05T11:00:00Z", True)),  # Håkon Rustad
    "05-0815-innlagt.xml": ("in_hospital", None),  # Astrid Lie
    "12-1135-utskrivningsklar.xml": ("ready", ("2026-12-06T23:00:00Z", True)),  # Ingrid Moen
    "21-1545-utskrivningsklar.xml": ("ready", ("2026-12-04T23:00:00Z", True)),  # Astrid Haugen
    "10-1045-utskrivningsklar.xml": ("ready", ("2026-12-07T09:00:00Z", True)),  # Magnhild Østby
    "13-1200-avmelding.xml": ("in_hospital", None),  # Solveig Larsen (14 changed nothing)
    "18-1400-utskrevet.xml": ("on_stay", None),  # Arne Lie
    "20-1510-innlagt.xml": ("in_hospital", None),  # Ingrid Bakken
}


@dataclass(frozen=True)
class Day:
    loaded: subprocess.CompletedProcess[str]
    client: TestClient
    headers: dict[str, str]
    kept: dict[str, Any]  # the kept row of each file, by file name

    def get(self, path: str) -> Any:
        answer = self.client.get(f"/api/v1{path}", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def flow(self, name: str) -> Any:
        return self.get(f"/flows/{self.kept[name].flow_id}")


def key(name: str) -> str:
    """What a file is kept under: its message id (the broken file's, read from its envelope,
    which is whole: the cut comes after it)."""
    body = (DAY / name).read_bytes()
    if name == BROKEN:
        return "A5912BAA-F58A-5FD4-B2FF-6FB2CFC5A1FB"
    return read(body).message_id


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Day:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo-day') / 'store.db'}"
    assert run(url, "demo").returncode == 0
    loaded = run(url, "messages", "load", str(DAY))
    token = run(url, "users", "token", "saksbehandler").stdout.strip()
    engine = create_engine(url)
    with engine.connect() as db:
        rows = {row.message_id: row for row in db.execute(select(messages))}
    engine.dispose()
    client = TestClient(create_app(Settings(database_url=url)))
    kept = {name: rows[key(name)] for name in OUTCOMES}
    return Day(loaded, client, {"Authorization": f"Bearer {token}"}, kept)


def test_each_file_of_the_day_is_kept_with_what_became_of_it(day: Day) -> None:
    assert {name: row.answer["outcome"] for name, row in day.kept.items()} == OUTCOMES
    assert day.loaded.returncode == 0  # the broken file is kept on the follow-up list
    assert f"{BROKEN}: Ugyldig XML" in day.loaded.stdout


@pytest.mark.parametrize(("name", "where"), FLOWS.items())
def test_each_patient_s_flow_ends_the_day_where_the_messages_put_it(
    day: Day, name: str, where: tuple[str, tuple[str, bool] | None]
) -> None:
    flow = day.flow(name)
    ready = (flow["ready"]["ready_at"], flow["ready"]["estimate"]) if flow["ready"] else None

    assert (flow["phase"], ready) == where
    assert flow["hospital_notice"]["message_id"] == key(name)


def test_changes_and_cancellations_move_the_flow_as_they_say(day: Day) -> None:
    gunvor = day.flow("06-0840-innlagt.xml")
    ingrid = day.flow("12-1135-utskrivningsklar.xml")
    jonas = day.flow("15-1240-utskrivningsklar.xml")

    assert (gunvor["location"], gunvor["admitted_at"]) == ("Post 2 Sør", "2026-12-04T04:40:00Z")
    assert [e for e in events(day, ingrid) if "Ready" in e] == [
        "ReadyForDischargeNotified",
        "ReadyForDischargeNotified",  # the same wait, moved to Monday
    ]
    assert [e for e in events(day, jonas) if "Ready" in e] == [
        "ReadyForDischargeNotified",
        "ReadyForDischargeWithdrawn",  # the cancellation
    ]
    odd = day.flow("17-1320-dod.xml")  # ready, a bed reserved, tasks open
    assert (odd["phase"], odd["closing_reason"], odd["reservation"]) == ("closed", "died", None)
    tasks = {t["task"]["key"]: t["status"] for t in odd["tasks"]}
    assert "open" not in tasks.values()  # what was still open at the death was cancelled
    assert tasks["answer_hospital"] == "closed"  # the office told the hospital: offer ready
    assert tasks["room_ready"] == "cancelled", tasks
    assert day.kept["16-1305-innlagt.xml"].flow_id is None  # history, recorded only


def events(day: Day, flow: Any) -> list[str]:
    return [e["event"] for e in day.get(f"/flows/{flow['id']}/history")]


def test_the_board_shows_the_new_patients_at_the_ward_the_hospital_names(day: Day) -> None:
    board = day.get("/boards/allocation")
    where = {c["name"]: (column, c["location"]) for column in board for c in _cards(board, column)}

    assert where["Gunvor Bakke"] == ("in_hospital", "Post 2 Sør")
    assert where["Jonas Lindqvist"] == ("in_hospital", "Post 5 Sør")
    assert where["Bjørg Sæther"] == ("in_hospital", "Post 6 Øst")
    assert where["Håkon Rustad"] == ("ready", "Medisinsk avdeling, Hjertemedisinsk seksjon")
    assert where["Magnhild Østby"] == ("ready", "Post 3 Vest")
    assert where["Arne Lie"][0] == "on_stay"
    assert "Odd Jensen" not in where and "Torstein Grønli" not in where


def _cards(board: Any, column: str) -> list[Any]:
    cards = board[column]
    return cards if column != "broken_loops" and isinstance(cards, list) else []


def test_a_flow_shows_the_hospital_ward_and_contact_nurse_of_its_latest_message(
    day: Day,
) -> None:
    gunvor = day.flow("06-0840-innlagt.xml")["hospital_notice"]
    bjorg = day.flow("03-0705-innlagt.xml")["hospital_notice"]
    arne = day.flow("18-1400-utskrevet.xml")["hospital_notice"]
    hakon = day.flow("09-1005-utskrivningsklar.json")["hospital_notice"]

    assert {k: gunvor[k] for k in gunvor if k not in ("message_id", "happened_at")} == {
        "kind": "admitted",
        "dispatch": "change",
        "hospital": "Sykehuset Demo HF",
        "hospital_her": "8134200",
        "department": "Medisinsk klinikk, Geriatrisk avdeling",
        "department_her": "8134212",
        "ward": "Post 2 Sør",
        "contact_name": "Eirik Sandvik",
        "contact_hpr": "9144023",
        "contact_phone": "+4762531202",
        "remark": "Overflyttet fra Post 4 Nord til geriatrisk sengepost.",
        "discharged_to": "",
    }
    assert (bjorg["hospital"], bjorg["ward"], bjorg["contact_name"]) == (
        "Sykehuset Fjellheim HF",
        "Post 6 Øst",
        "Åse Løvås",
    )
    assert (arne["kind"], arne["discharged_to"]) == ("discharged", "11")  # kodeverk 8408
    assert (hakon["hospital"], hakon["contact_name"], hakon["contact_phone"]) == (
        "Sykehuset Vestfjell HF",
        "Ingeborg Lien",
        "+4757821100",
    )


def test_the_follow_up_list_holds_the_late_cancellation_the_discharge_and_the_broken_file(
    day: Day,
) -> None:
    waiting = {m["message_id"]: m for m in day.get("/hospital-messages?status=attention")}
    late = waiting.pop(key("14-1215-utskrivningsklar.xml"))
    discharge = waiting.pop(key("19-1430-utskrevet.xml"))
    broken = waiting.pop(key(BROKEN))

    assert waiting == {}
    assert (late["patient_name"], late["kind"], late["dispatch"], late["code"]) == (
        "Solveig Larsen",
        "ready",
        "cancel",
        "cancellation_not_undone",
    )
    assert late["reason"].startswith(
        "Sykehuset kansellerte meldingen om utskrivningsklar pasient, men forløpet er nå "
        "innlagt på sykehus: ingenting er endret."
    )
    assert late["sender"] == "Sykehuset Demo HF, Kirurgisk klinikk, Ortopedisk avdeling"
    assert (discharge["patient_name"], discharge["code"]) == (
        "Odd Haugen",
        "discharge_without_bed_or_plan",
    )
    assert "verken reservert seng eller planlagt utskrivning" in discharge["reason"]
    assert (broken["unreadable"], broken["code"], broken["flow_id"]) == (True, "xml_invalid", None)
    assert broken["reason"].startswith("Ugyldig XML")
    assert broken["sender"].startswith("Sykehuset Demo HF")
