"""Crypto-shredding on both stores, through the command line as an operator runs it: after
erasure no byte of the identity is left in the database (the SQLite files, a PostgreSQL
dump), the history shows the flow as erased, and the read models still equal a rebuild."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx2
from sqlalchemy import event
from support.command_line import run
from support.erasure_story import NAME, NATIONAL_ID, opened_with_notes, stored_bytes, with_admin
from support.read_model_rows import rebuilt, snapshot
from support.world import TEST_MUNICIPALITIES, World, server_process

from boards.services.system import open_system
from boards.settings import Settings
from fixtures.demo import synthetic_national_id
from fixtures.municipalities import install
from flow.vocabulary import ERASED, ClosingReason, Source

SECRETS = [NATIONAL_ID, NAME, "Slettemark"]
REASON = "Lovlig krav om sletting, sak 2026/17"


def figures(w: World) -> dict[str, Any]:
    """March's figures, read on 1 April (the figures count months that are over); the
    clock goes back after."""
    now, w.clock.now = w.clock.now, datetime(2026, 4, 1, 10, tzinfo=UTC)
    try:
        response = w.client.get("/api/v1/figures?from=2026-03", headers=w.headers("leder"))
    finally:
        w.clock.now = now
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    assert found["months"] == ["2026-03"]
    return found


def history(w: World, flow_id: str) -> list[dict[str, Any]]:
    response = w.client.get(f"/api/v1/flows/{flow_id}/history", headers=w.headers())
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def test_an_erased_patient_leaves_no_trace_and_the_figures_stay(
    world: World, database_url: str, tmp_path: Path
) -> None:
    with_admin(world)
    flow_id = opened_with_notes(world)
    sent_back_naming_her(world, flow_id)
    kept_id = opened_with_notes(world, synthetic_national_id(random.Random("kept")), "Per Blir")
    board_before = world.client.get("/api/v1/boards/allocation", headers=world.headers()).json()
    figures_before = figures(world)
    assert NAME.encode() in stored_bytes(database_url, tmp_path)  # a board row held it

    erased = run(
        database_url,
        "erase",
        f"--national-id={NATIONAL_ID}",
        "--municipality=9998",
        "--by=admin",
        f"--reason={REASON}",
    )
    assert erased.returncode == 0, erased.stdout + erased.stderr
    assert "1 forløp slettet" in erased.stdout

    entries = history(world, flow_id)
    assert entries[0]["data"]["patient"] == {"national_id": "", "name": ERASED}
    assert entries[0]["data"]["need"] == ERASED
    assert entries[-1]["event"] == "IdentityErased" and entries[-1]["data"]["reason"] == REASON
    assert entries[-1]["user_id"] == str(world.accounts.find("admin").id)
    flow = world.client.get(f"/api/v1/flows/{flow_id}", headers=world.headers()).json()
    assert (flow["name"], flow["national_id"], flow["phase"]) == (ERASED, "", "ready")
    kept = world.client.get(f"/api/v1/flows/{kept_id}", headers=world.headers()).json()
    assert kept["name"] == "Per Blir"
    office_lists = world.client.get("/api/v1/tasks", headers=world.headers()).json()
    returned = [row["returned"] for row in office_lists["to_do"] if row["returned"]]
    assert [r["reason"] for r in returned] == [ERASED]

    board_after = world.client.get("/api/v1/boards/allocation", headers=world.headers()).json()
    assert _counts(board_after) == _counts(board_before)
    assert figures(world) == figures_before
    assert snapshot(world.system) == rebuilt(world.system)

    everything = stored_bytes(database_url, tmp_path)
    for secret in SECRETS:
        assert secret.encode() not in everything, secret
    assert b"Per Blir" in everything  # the other patient is still there to be found


def sent_back_naming_her(w: World, flow_id: str) -> None:
    """A bed reserved on KORT, the office's health information sent, and sent back by the
    unit with a reason that names her: the owner's task list keeps it until done again."""
    office, kort = w.headers(), str(w.unit("KORT"))
    for path, body in [
        ("decision", {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-03"}),
        ("reservation", {"unit_id": kort, "bed": "1"}),
    ]:
        response = w.client.post(f"/api/v1/flows/{flow_id}/{path}", json=body, headers=office)
        assert response.status_code == 200, response.text
    lists = w.client.get("/api/v1/tasks", headers=office).json()
    info = next(
        row["task_id"]
        for row in lists["to_do"]
        if row["flow_id"] == flow_id and row["title"].startswith("Helseopplysninger")
    )
    done = w.client.post(f"/api/v1/tasks/{info}/completion", json={}, headers=office)
    assert done.status_code == 200, done.text
    reason = {"reason": f"Epikrisen til {NAME} mangler"}
    nurse = w.headers("sykepleier")
    back = w.client.post(f"/api/v1/tasks/{info}/rejection", json=reason, headers=nurse)
    assert back.status_code == 200, back.text
    returned = [
        r["returned"] for r in w.client.get("/api/v1/tasks", headers=office).json()["to_do"]
    ]
    assert {"reason": reason["reason"]}.items() <= next(r for r in returned if r).items()


def _counts(board: dict[str, Any]) -> dict[str, int]:
    """How many cards each column holds, and the waiting days and their cost."""
    return {k: len(v) if isinstance(v, list) else v for k, v in board.items()}


def test_erasing_again_finds_nothing_and_records_nothing(world: World, database_url: str) -> None:
    with_admin(world)
    opened_with_notes(world)
    args = ["--municipality=9998", "--by=admin", f"--reason={REASON}"]
    assert run(database_url, "erase", f"--national-id={NATIONAL_ID}", *args).returncode == 0
    before = world.flows.recorder.max_notification_id()
    again = run(database_url, "erase", f"--national-id={NATIONAL_ID}", *args)
    assert again.returncode == 1 and "Fant ingen forløp" in again.stdout
    assert world.flows.recorder.max_notification_id() == before


def test_only_an_admin_of_the_municipality_may_erase(world: World, database_url: str) -> None:
    opened_with_notes(world)
    before = world.flows.recorder.max_notification_id()
    for by, number in [("saksbehandler", "9998"), ("saksbehandler2", "9998")]:
        refused = run(
            database_url,
            "erase",
            f"--national-id={NATIONAL_ID}",
            f"--municipality={number}",
            f"--by={by}",
            f"--reason={REASON}",
        )
        assert refused.returncode == 1, refused.stdout
    assert world.flows.recorder.max_notification_id() == before


def test_flows_closed_longer_than_the_retention_period_are_erased(
    world: World, database_url: str
) -> None:
    old = UUID(opened_with_notes(world))
    recent = UUID(opened_with_notes(world, synthetic_national_id(random.Random("r")), "Ny Nyere"))
    still_open = UUID(
        opened_with_notes(world, synthetic_national_id(random.Random("o")), "Åse Åpen")
    )
    office, other = world.actor(), ClosingReason.OTHER
    # The command line erases by the real clock; the world's clock is months behind it.
    world.flows.close_flow(old, other, "", by=office, at=datetime.now(UTC) - timedelta(days=200))
    world.flows.close_flow(recent, other, "", by=office, at=datetime.now(UTC) - timedelta(days=10))
    world.system.projector.catch_up()

    done = run(database_url, "erase")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 forløp avsluttet for mer enn 180 dager siden slettet" in done.stdout
    names = {f: world.flows.flow(f, office).name for f in (old, recent, still_open)}
    assert names == {old: ERASED, recent: "Ny Nyere", still_open: "Åse Åpen"}


def test_a_batch_of_events_reads_as_each_alone_with_one_query_for_their_keys(
    world: World, database_url: str
) -> None:
    """How the projector reads the log: many events at once, their flows' keys read in one
    query; the sealed fields open as they do one event at a time, the erased flow's too."""
    with_admin(world)
    opened_with_notes(world)
    for n in range(3):
        opened_with_notes(world, synthetic_national_id(random.Random(n)), f"Pasient Nummer{n}")
    args = ["--municipality=9998", "--by=admin", f"--reason={REASON}"]
    assert run(database_url, "erase", f"--national-id={NATIONAL_ID}", *args).returncode == 0
    notifications = world.flows.recorder.select_notifications(0, 10_000)
    settings = Settings(database_url=database_url)
    one_by_one, batched = open_system(settings), open_system(settings)  # no key known yet
    key_reads: list[str] = []

    @event.listens_for(batched.engine, "before_cursor_execute")
    def tally(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "patient_keys" in statement:
            key_reads.append(statement)

    try:
        read = batched.flows.mapper.to_domain_events(notifications)
        alone = [one_by_one.flows.mapper.to_domain_event(n) for n in notifications]
        assert [vars(e) for e in read] == [vars(e) for e in alone]
        assert len(key_reads) == 1
        names = {e.patient.name for e in read if type(e).__name__ == "FlowOpened"}
        assert names == {ERASED, "Pasient Nummer0", "Pasient Nummer1", "Pasient Nummer2"}
    finally:
        one_by_one.close()
        batched.close()


def test_rotating_the_master_key_keeps_every_flow_readable_without_a_restart(
    database_url: str, tmp_path: Path
) -> None:
    """With a master keys file of its own: the other tests' keys are not rotated."""
    keys_file = tmp_path / "master.keys"
    settings = Settings(database_url=database_url, master_keys_file=keys_file)
    system = open_system(settings)
    try:
        install(
            system.flows, system.accounts, system.grants, TEST_MUNICIPALITIES[0], datetime.now(UTC)
        )
        office = system.accounts.find("saksbehandler")
        assert office is not None
        token = system.accounts.issue_token("saksbehandler", at=datetime.now(UTC))
        before_id = system.flows.open_flow(
            NATIONAL_ID,
            NAME,
            Source.HOME,
            "Hjemme",
            "Korttid",
            by=office.actor,
            at=datetime.now(UTC),
        )
    finally:
        system.close()
    old_ids = keys_file.read_text().split()[::2]
    env = {"PASIENTFLYT_MASTER_KEYS_FILE": str(keys_file)}
    with server_process(database_url, master_keys_file=str(keys_file)) as server:
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx2.get(f"{server}/api/v1/flows/{before_id}", headers=bearer).status_code == 200
        rotated = run(database_url, "keys", "rotate", env=env)
        assert rotated.returncode == 0, rotated.stdout + rotated.stderr
        new_ids = keys_file.read_text().split()[::2]
        assert len(new_ids) == 1 and new_ids[0] not in old_ids
        patient = {
            "national_id": synthetic_national_id(random.Random("after")),
            "name": "Etter Rotasjon",
            "source": "home",
            "location": "Hjemme",
            "need": "Korttid",
        }
        made = httpx2.post(f"{server}/api/v1/flows", json=patient, headers=bearer)
        assert made.status_code == 201, made.text
        read = httpx2.get(f"{server}/api/v1/flows/{before_id}", headers=bearer)
        assert read.json()["name"] == NAME
    system = open_system(settings)
    try:
        names = [
            system.flows.flow(UUID(f), office.actor).name
            for f in (str(before_id), made.json()["id"])
        ]
        assert names == [NAME, "Etter Rotasjon"]
        assert system.keys.retire_unused() == set()
    finally:
        system.close()
