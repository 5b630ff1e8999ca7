"""`GET /api/v1/stream` over real HTTP: live, resumable, filtered, and across processes."""

from __future__ import annotations

import os
import random
import signal
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx2
import pytest
from support.sample_messages import plo_message
from support.sse_client import SseReader, served_in_thread
from support.world import World, build_world, server_pid, server_process

from access.accounts import Role
from boards.live import api_stream, follower, sse
from boards.live.follower import Live
from boards.services import board_reads
from boards.web.sessions import SESSION_COOKIE
from fixtures.demo import synthetic_national_id
from flow.municipality import municipality_id
from projections.allocation_board import AllocationBoard


def _open_flow(url: str, world: World, name: str = "Kari Strøm") -> str:
    body = {
        "national_id": _national_id(),
        "name": name,
        "source": "hospital",
        "location": "Sykehuset",
        "need": "Korttid",
    }
    response = httpx2.post(f"{url}/api/v1/flows", json=body, headers=world.headers(), timeout=10)
    assert response.status_code == 201, response.text
    flow_id: str = response.json()["id"]
    return flow_id


_rng = random.Random("stream")


def _national_id() -> str:
    """A fresh synthetic national identity number for each flow of these tests."""
    return synthetic_national_id(_rng)


def test_a_command_reaches_an_open_stream_within_a_second(world: World) -> None:
    with served_in_thread(world) as url:
        reader = SseReader(f"{url}/api/v1/stream", world.headers())
        try:
            sent = time.monotonic()
            flow_id = _open_flow(url, world)
            first = reader.take(timeout=5)
            assert first is not None, "no message"
            assert first.event == "FlowOpened" and flow_id in first.data
            assert first.at - sent < 1.0
        finally:
            reader.close()


def test_a_stream_resumed_with_last_event_id_gets_exactly_what_it_missed(world: World) -> None:
    with served_in_thread(world) as url:
        reader = SseReader(f"{url}/api/v1/stream", world.headers())
        flow_id = _open_flow(url, world)
        seen = reader.take(timeout=5)
        assert seen is not None
        reader.close()
        for hospital in ("A-sykehuset", "B-sykehuset"):
            response = httpx2.post(
                f"{url}/api/v1/flows/{flow_id}/admission",
                json={"hospital": hospital},
                headers=world.headers(),
                timeout=10,
            )
            if response.status_code == 409:  # admitted already: one admission is enough
                continue
            assert response.status_code == 200, response.text
        httpx2.post(
            f"{url}/api/v1/flows/{flow_id}/ready-for-discharge",
            json={},
            headers=world.headers(),
            timeout=10,
        ).raise_for_status()
        missed = [
            n.id
            for n in world.flows.recorder.select_notifications(
                seen.id, 100, inclusive_of_start=False
            )
            if n.originator_id == UUID(flow_id)
        ]
        assert missed, "the commands recorded events"
        resumed = SseReader(
            f"{url}/api/v1/stream", {**world.headers(), "Last-Event-ID": str(seen.id)}
        )
        try:
            got = [resumed.take(timeout=5) for _ in missed]
            assert [g.id for g in got if g] == missed
            assert resumed.take(timeout=1.5) is None, "nothing twice, nothing more"
        finally:
            resumed.close()


def test_a_stream_resumed_from_too_far_back_is_told_to_read_again_not_replayed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Last-Event-ID: 0` once replayed and decoded the whole log, for any role."""
    monkeypatch.setattr(api_stream, "MOST_REPLAYED", 2)
    with served_in_thread(world) as url:
        for name in ("Kari En", "Kari To", "Kari Tre"):
            _open_flow(url, world, name=name)
        head = world.flows.recorder.max_notification_id()
        resumed = SseReader(f"{url}/api/v1/stream", {**world.headers(), "Last-Event-ID": "0"})
        try:
            first = resumed.take(timeout=5)
            assert first is not None and first.event == "reset" and first.id is not None
            assert 0 < first.id <= head and "too_far_behind" in first.data
            flow_id = _open_flow(url, world, name="Kari Fire")  # and it goes on, live
            after = [resumed.take(timeout=5) for _ in range(head - first.id + 1)]
            assert [m.id for m in after if m] == sorted({m.id for m in after if m})
            assert all(m.id > first.id for m in after if m)  # nothing before the reset again
            assert after[-1] is not None and flow_id in after[-1].data
        finally:
            resumed.close()


def test_one_user_may_open_only_so_many_streams(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hundred open streams of one account once cost every command a second."""
    monkeypatch.setattr(follower, "MOST_STREAMS", 2)
    live: Live = world.client.app.state.live  # type: ignore[attr-defined]
    office = world.accounts.find("saksbehandler")
    assert office is not None

    def open_now(count: int) -> None:
        deadline = time.monotonic() + 5
        while live.open_streams(office.id) != count:
            assert time.monotonic() < deadline, live.open_streams(office.id)
            time.sleep(0.02)

    with served_in_thread(world) as url:
        readers = [SseReader(f"{url}/api/v1/stream", world.headers()) for _ in range(2)]
        nurse = None
        try:
            open_now(2)
            refused = httpx2.get(f"{url}/api/v1/stream", headers=world.headers(), timeout=5)
            assert refused.status_code == 429 and refused.headers["Retry-After"] == "10"
            assert refused.json()["code"] == "too_many_streams"
            session = world.system.sessions.start(office, world.clock())
            cookie = {"Cookie": f"{SESSION_COOKIE}={session}"}
            board = httpx2.get(f"{url}/tildeling/strom", headers=cookie, timeout=5)
            assert board.status_code == 429  # the board's streams count as the API's do
            nurse = SseReader(f"{url}/api/v1/stream", world.headers("sykepleier"))  # hers
            readers.pop().close()
            open_now(1)
            readers.append(SseReader(f"{url}/api/v1/stream", world.headers()))
        finally:
            for reader in [*readers, *([nurse] if nurse else [])]:
                reader.close()


def test_a_viewer_without_a_care_relation_gets_no_message_about_the_patient(world: World) -> None:
    with served_in_thread(world) as url:
        nurse = SseReader(f"{url}/api/v1/stream", world.headers("sykepleier"))
        office = SseReader(f"{url}/api/v1/stream", world.headers())
        try:
            flow_id = _open_flow(url, world, name="Ola Uten Relasjon")
            assert office.take(timeout=5) is not None
            assert nurse.take(timeout=1.5) is None
            # Reserved to the nurse's unit, the patient is hers to see: now she hears of it.
            unit = world.unit("KORT")
            for path, body in [
                (
                    "decision",
                    {"service": "short_term_stay", "unit_id": str(unit), "starts_on": "2026-03-02"},
                ),
                ("reservation", {"unit_id": str(unit), "bed": "1"}),
            ]:
                response = httpx2.post(
                    f"{url}/api/v1/flows/{flow_id}/{path}",
                    json=body,
                    headers=world.headers(),
                    timeout=10,
                )
                assert response.status_code == 200, response.text
            told = nurse.take(timeout=5)
            assert told is not None and flow_id in told.data
        finally:
            nurse.close()
            office.close()


@pytest.mark.postgres
def test_a_command_in_one_process_reaches_a_stream_of_another_within_a_second(
    postgres_url: str,
) -> None:
    world = build_world(postgres_url)
    try:
        # B polls only every 30 s: only PostgreSQL's NOTIFY can bring the change in time.
        with (
            server_process(postgres_url) as a,
            server_process(postgres_url, follow_seconds="30") as b,
        ):
            reader = SseReader(f"{b}/api/v1/stream", world.headers())
            try:
                latencies = []
                for n in range(5):
                    sent = time.monotonic()
                    flow_id = _open_flow(a, world, name=f"Per Prosess{n}")
                    got = reader.take(timeout=5)
                    assert got is not None and flow_id in got.data
                    latencies.append(got.at - sent)
                assert max(latencies) < 1.0, latencies
            finally:
                reader.close()
    finally:
        world.system.close()


def test_the_allocation_board_hears_when_the_day_turns_in_oslo(world: World) -> None:
    """Waiting days and horizons change at midnight without any event: open boards are told."""
    user = world.accounts.find("saksbehandler")
    assert user is not None
    world.clock.now = datetime(2026, 3, 2, 22, 59, 30, tzinfo=UTC)  # 23:59:30 in Oslo
    session = world.system.sessions.start(user, world.clock.now)
    with served_in_thread(world) as url:
        cookie = {"Cookie": f"{SESSION_COOKIE}={session}"}
        reader = SseReader(f"{url}/tildeling/strom", cookie)
        try:
            assert reader.take(timeout=1.5) is None, "nothing while the day lasts"
            world.clock.advance(minutes=1)
            turned = reader.take(timeout=5)
            assert turned is not None and turned.event == "dag"
        finally:
            reader.close()


def test_the_allocation_board_hears_of_the_hospital_messages_it_must_follow_up(
    world: World,
) -> None:
    """A refused message records no event, yet the office's open board shows it counted at
    once, and the count go down again when the message is marked handled."""
    number = municipality_id("9998")
    world.accounts.add_user(
        number, "sykehus", Role.INTEGRATION, "Sykehus", None, [], at=world.clock()
    )
    world.tokens["sykehus"] = world.accounts.issue_token("sykehus", at=world.clock())
    office = world.accounts.find("saksbehandler")
    assert office is not None
    session = world.system.sessions.start(office, world.clock())
    with served_in_thread(world) as url:
        reader = SseReader(f"{url}/tildeling/strom", {"Cookie": f"{SESSION_COOKIE}={session}"})
        try:
            body = plo_message("discharged", _national_id())  # no flow to discharge
            refused = httpx2.post(
                f"{url}/api/v1/hospital-messages",
                content=body,
                headers=world.headers("sykehus"),
                timeout=10,
            )
            assert refused.status_code == 409, refused.text
            counted = reader.take(timeout=5)
            assert counted is not None and counted.event == "tall"
            assert "Sykehusmeldinger som må følges opp: 1<" in counted.data

            (waiting,) = world.system.hospital_messages.attention(number)
            world.system.hospital_messages.mark_handled(number, waiting.id, office, world.clock())
            handled = reader.take(timeout=5)
            assert handled is not None and handled.event == "tall"
            assert "Sykehusmeldinger som må følges opp: 0<" in handled.data
        finally:
            reader.close()


def test_a_quiet_stream_gets_a_heartbeat(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.2)
    with served_in_thread(world) as url:
        reader = SseReader(f"{url}/api/v1/stream", world.headers())
        try:
            assert reader.pinged.wait(3), "no heartbeat"
            assert reader.events.empty()
        finally:
            reader.close()


def test_stopping_the_server_ends_its_streams_at_once(sqlite_url: str) -> None:
    """Not after the 5 s other requests get: browsers reconnect elsewhere and resume."""
    world = build_world(sqlite_url)
    world.system.close()
    with server_process(sqlite_url) as url:
        reader = SseReader(f"{url}/api/v1/stream", world.headers())
        try:
            stopped = time.monotonic()
            os.kill(server_pid(url), signal.SIGTERM)
            assert reader.ended.wait(5), "the stream did not end"
            assert time.monotonic() - stopped < 2.0
        finally:
            reader.close()


def test_the_allocation_streams_of_one_municipality_read_the_board_once_per_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a command every caseworker's board is sent its counts and broken loops: read
    and drawn once for all of them, not once per open stream."""
    office = ["saksbehandler", *(f"saksbehandler-{n}" for n in range(3))]
    for username in office[1:]:
        world.accounts.add_user(
            municipality_id("9998"), username, Role.ALLOCATION, username, "pw", [], at=world.clock()
        )
    reads: list[object] = []
    read_board = board_reads.allocation_board

    def counted(*args: Any, **kwargs: Any) -> AllocationBoard:
        reads.append(args[1])
        return read_board(*args, **kwargs)

    monkeypatch.setattr(board_reads, "allocation_board", counted)
    live: Live = world.client.app.state.live  # type: ignore[attr-defined]
    users = [world.accounts.find(name) for name in office]
    with served_in_thread(world) as url:
        readers = []
        for user in users:
            assert user is not None
            session = world.system.sessions.start(user, world.clock())
            readers.append(
                SseReader(f"{url}/tildeling/strom", {"Cookie": f"{SESSION_COOKIE}={session}"})
            )
        try:
            deadline = time.monotonic() + 5
            while any(live.open_streams(u.id) != 1 for u in users if u is not None):
                assert time.monotonic() < deadline
                time.sleep(0.02)
            flow_id = _open_flow(url, world, "Ola Tall")
            for reader in readers:
                got = [reader.take(timeout=5), reader.take(timeout=5)]
                assert [g.event for g in got if g] == ["kort", "tall"]
                assert flow_id in got[0].data if got[0] else False
            for reader in readers:
                assert reader.take(timeout=0.5) is None
            assert 1 <= len(reads) <= 2, f"{len(reads)} reads of the board for {len(readers)}"
        finally:
            for reader in readers:
                reader.close()
