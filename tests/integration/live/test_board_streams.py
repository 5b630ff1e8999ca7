"""The unit, zone and wall boards' own streams over real HTTP: what changed on the board
reaches it within a second, nothing about another unit's patient does, a corridor screen
gets initials only, and a stream answers 403/404 exactly where its page does."""

from __future__ import annotations

import os
import random
import re
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx2
import pytest
from support.sse_client import Received, SseReader, served_in_thread
from support.world import World, build_world, server_pid, server_process

from access.accounts import Role
from boards.services import board_reads
from boards.web.sessions import DEVICE_COOKIE, SESSION_COOKIE
from fixtures.demo import synthetic_national_id
from flow.municipality import municipality_id
from projections.unit_board import UnitBoard

_rng = random.Random("board streams")
NAME = "Kari Bekkestrøm"
INITIALS = "K.B."


@pytest.fixture
def served(world: World) -> Iterator[str]:
    """The test world with a second nurse, of the other unit, on a loopback port."""
    world.accounts.add_user(
        municipality_id("9998"),
        "sykepleier2",
        Role.NURSE,
        "N2",
        "pw-4",
        [world.unit("UTRED")],
        at=world.clock(),
    )
    with served_in_thread(world) as url:
        yield url


def cookie(world: World, username: str) -> dict[str, str]:
    user = world.accounts.find(username)
    assert user is not None
    session = world.system.sessions.start(user, world.clock())
    return {"Cookie": f"{SESSION_COOKIE}={session}"}


def device_cookie(world: World, unit_code: str) -> dict[str, str]:
    by = world.accounts.find("saksbehandler")
    assert by is not None
    place = world.unit(unit_code)
    _, token = world.system.devices.issue(
        municipality_id("9998"), place, "Korridor", by=by.id, at=world.clock()
    )
    return {"Cookie": f"{DEVICE_COOKIE}={token}"}


def command(url: str, world: World, path: str, body: dict[str, object]) -> str:
    response = httpx2.post(f"{url}/api/v1/{path}", json=body, headers=world.headers(), timeout=10)
    assert response.status_code in (200, 201), response.text
    flow_id: str = response.json()["id"]
    return flow_id


def open_and_decide(url: str, world: World, national_id: str, unit_code: str = "KORT") -> str:
    flow_id = command(
        url,
        world,
        "flows",
        {
            "national_id": national_id,
            "name": NAME,
            "source": "hospital",
            "location": "Sykehuset",
            "need": "Korttid",
        },
    )
    decision = {
        "service": "short_term_stay",
        "unit_id": str(world.unit(unit_code)),
        "starts_on": "2026-03-02",
    }
    command(url, world, f"flows/{flow_id}/decision", decision)
    return flow_id


def opened(url: str, headers: dict[str, str]) -> tuple[SseReader, Received]:
    """A stream opened without a page behind it: it first sends its whole board."""
    reader = SseReader(url, headers)
    first = reader.take(timeout=5)
    assert first is not None and first.event == "deler", "the whole board first"
    return reader, first


def until(reader: SseReader, seconds: float, wanted: str) -> Received | None:
    """The first event within `seconds` named `wanted`, or whose data holds it."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        got = reader.take(timeout=left)
        if got is not None and (got.event == wanted or wanted in got.data):
            return got
    return None


def test_a_reservation_reaches_its_units_board_within_a_second_and_no_other_unit(
    world: World, served: str
) -> None:
    national_id = synthetic_national_id(_rng)
    flow_id = open_and_decide(served, world, national_id)
    kort, utred = world.unit("KORT"), world.unit("UTRED")
    mine, _ = opened(f"{served}/enheter/{kort}/strom", cookie(world, "sykepleier"))
    other, _ = opened(f"{served}/enheter/{utred}/strom", cookie(world, "sykepleier2"))
    try:
        command(served, world, f"flows/{flow_id}/reservation", {"unit_id": str(kort), "bed": "2"})
        recorded = time.monotonic()  # SPEC: within a second once a command is recorded
        got = until(mine, 5, NAME)
        assert got is not None and got.event == "deler"
        assert got.at - recorded < 1.0, f"after {got.at - recorded:.2f} s"
        assert 'id="bed-2"' in got.data and "Reservert" in got.data
        assert 'id="arrivals"' in got.data
        assert 'id="bed-1"' not in got.data, "only what changed"
        command(served, world, f"flows/{flow_id}/arrival", {})
        arrived = until(mine, 5, "Opptatt")
        assert arrived is not None and 'id="bed-2"' in arrived.data
        assert other.take(timeout=1.5) is None, "the other unit hears nothing of her"
    finally:
        mine.close()
        other.close()


def test_the_corridor_screen_of_the_unit_gets_initials_and_bed_only(
    world: World, served: str
) -> None:
    national_id = synthetic_national_id(_rng)
    flow_id = open_and_decide(served, world, national_id)
    screen, first = opened(f"{served}/skjerm/strom", device_cookie(world, "KORT"))
    heard = [first]
    try:
        kort = str(world.unit("KORT"))
        command(served, world, f"flows/{flow_id}/reservation", {"unit_id": kort, "bed": "3"})
        command(served, world, f"flows/{flow_id}/arrival", {})
        got = until(screen, 5, INITIALS)
        assert got is not None and 'id="bed-3"' in got.data
        heard.append(got)
        while (more := screen.take(timeout=1.0)) is not None:
            heard.append(more)
    finally:
        screen.close()
    for event in heard:
        for secret in (NAME, "Bekkestrøm", national_id, national_id[:6], flow_id, "Sykehuset"):
            assert secret not in event.data
        assert re.search(r"(?<![0-9a-f])[0-9]{11}(?![0-9a-f])", event.data) is None


def test_a_task_turning_overdue_and_the_turning_day_reach_the_units_board(
    world: World, served: str
) -> None:
    flow_id = open_and_decide(served, world, synthetic_national_id(_rng))
    kort = world.unit("KORT")
    command(served, world, f"flows/{flow_id}/reservation", {"unit_id": str(kort), "bed": "1"})
    command(served, world, f"flows/{flow_id}/arrival", {})  # opens the unit's own tasks
    world.clock.now = datetime(2026, 3, 4, 22, 59, 30, tzinfo=UTC)  # 23:59:30 in Oslo
    board, first = opened(f"{served}/enheter/{kort}/strom", cookie(world, "sykepleier"))
    try:
        assert "Forfalt" not in first.data.split('id="tasks"', 1)[1]
        world.system.record_overdue_loops(world.clock())  # what the deadline process does
        overdue = until(board, 5, "Forfalt")
        assert overdue is not None and 'id="tasks"' in overdue.data
        world.clock.advance(minutes=1)
        assert until(board, 5, "dag") is not None, "the page is told to fetch itself"
    finally:
        board.close()


def test_a_discharge_plan_home_reaches_the_zones_board(world: World, served: str) -> None:
    flow_id = open_and_decide(served, world, synthetic_national_id(_rng))
    kort, nord = str(world.unit("KORT")), world.unit("NORD")
    command(served, world, f"flows/{flow_id}/reservation", {"unit_id": kort, "bed": "4"})
    command(served, world, f"flows/{flow_id}/arrival", {})
    zone, first = opened(f"{served}/soner/{nord}/strom", cookie(world, "saksbehandler"))
    try:
        assert NAME not in first.data
        plan = {"on": "2026-03-05", "destination": "home", "zone_id": str(nord)}
        command(served, world, f"flows/{flow_id}/discharge-plan", plan)
        got = until(zone, 5, NAME)
        assert got is not None and 'id="homecomings"' in got.data
    finally:
        zone.close()


def status(url: str, headers: dict[str, str]) -> int:
    with httpx2.Client(timeout=httpx2.Timeout(5.0, read=5.0)) as client:
        with client.stream("GET", url, headers=headers, follow_redirects=False) as response:
            return response.status_code


def test_a_stream_answers_as_its_page_does(world: World, served: str) -> None:
    kort, utred, nord = world.unit("KORT"), world.unit("UTRED"), world.unit("NORD")
    elsewhere = world.unit("ANNEN", "9997")
    cases = [
        ("sykepleier", f"/enheter/{kort}", 200),
        ("sykepleier", f"/enheter/{kort}/vegg", 200),
        ("sykepleier", f"/enheter/{utred}", 403),
        ("sykepleier", f"/enheter/{utred}/vegg", 403),
        ("sykepleier", f"/soner/{nord}", 403),
        ("sykepleier", "/tildeling", 403),
        ("saksbehandler", f"/enheter/{utred}", 200),
        ("saksbehandler", f"/soner/{nord}", 200),
        ("saksbehandler", f"/enheter/{elsewhere}", 404),
        ("saksbehandler", f"/enheter/{uuid4()}/vegg", 404),
        ("saksbehandler", f"/enheter/{nord}", 404),  # a zone is no unit
        ("saksbehandler", f"/soner/{kort}", 404),  # nor a unit a zone
        (None, f"/enheter/{kort}", 303),  # to the login page
    ]
    for username, page, expected in cases:
        headers = cookie(world, username) if username else {}
        assert status(f"{served}{page}", headers) == expected, page
        assert status(f"{served}{page}/strom", headers) == expected, f"{page}/strom"
    screen = device_cookie(world, "KORT")
    assert status(f"{served}/skjerm", screen) == status(f"{served}/skjerm/strom", screen) == 200
    assert status(f"{served}/skjerm", {}) == status(f"{served}/skjerm/strom", {}) == 404


def test_a_revoked_screen_is_told_to_fetch_its_page_and_its_stream_ends(
    world: World, served: str
) -> None:
    screen, _ = opened(f"{served}/skjerm/strom", device_cookie(world, "UTRED"))
    try:
        device = world.system.devices.list_for(municipality_id("9998"))[0]
        world.system.devices.revoke(device.id, at=world.clock())
        revoked = time.monotonic()
        assert until(screen, 10, "dag") is not None, "the page is told to fetch itself"
        assert screen.ended.wait(5), "and the stream ends"
        # within the follower's round (follow_seconds), not the 5 s a stream's own check takes
        assert time.monotonic() - revoked < 2.5
    finally:
        screen.close()


def test_a_bed_blocked_reaches_the_units_board_and_its_wall(world: World, served: str) -> None:
    kort = world.unit("KORT")
    board, _ = opened(f"{served}/enheter/{kort}/strom", cookie(world, "sykepleier"))
    wall, _ = opened(f"{served}/enheter/{kort}/vegg/strom", cookie(world, "sykepleier"))
    try:
        world.flows.block_bed(kort, "3", "Vannskade", by=world.actor(), at=world.clock())
        recorded = time.monotonic()
        got = until(board, 5, "Sperret")
        assert got is not None and 'id="bed-3"' in got.data and "Vannskade" in got.data
        assert got.at - recorded < 1.0, f"after {got.at - recorded:.2f} s"
        on_wall = until(wall, 5, "Sperret")
        assert on_wall is not None and "Vannskade" not in on_wall.data, "no free text"
    finally:
        board.close()
        wall.close()


def test_stopping_the_server_ends_the_boards_streams_at_once(sqlite_url: str) -> None:
    world = build_world(sqlite_url)
    nurse = world.accounts.find("sykepleier")
    assert nurse is not None
    session = world.system.sessions.start(nurse, datetime.now(UTC))  # the server's own clock
    kort = world.unit("KORT")
    world.system.close()
    with server_process(sqlite_url) as url:
        reader = SseReader(f"{url}/enheter/{kort}/strom", {"Cookie": f"{SESSION_COOKIE}={session}"})
        try:
            stopped = time.monotonic()
            os.kill(server_pid(url), signal.SIGTERM)
            assert reader.ended.wait(5), "the stream did not end"
            assert time.monotonic() - stopped < 2.0
        finally:
            reader.close()


def looked(world: World, flow_id: str) -> list[tuple[str, str]]:
    """Who saw the flow through which view, by username, as the access log has it."""
    names = {a.user.id: a.user.username for a in world.accounts.list_users(municipality_id("9998"))}
    looks = world.system.access_log.of_flow(municipality_id("9998"), UUID(flow_id))
    return sorted({(names[look.user_id], look.view) for look in looks})


def test_what_a_stream_shows_by_name_is_in_the_access_log_before_it_arrives(
    world: World, served: str
) -> None:
    flow_id = open_and_decide(served, world, synthetic_national_id(_rng))
    kort = world.unit("KORT")
    board, _ = opened(f"{served}/enheter/{kort}/strom", cookie(world, "sykepleier"))
    screen, _ = opened(f"{served}/skjerm/strom", device_cookie(world, "KORT"))
    cards = SseReader(f"{served}/api/v1/stream", world.headers())
    try:
        command(served, world, f"flows/{flow_id}/reservation", {"unit_id": str(kort), "bed": "3"})
        assert until(board, 5, NAME) is not None
        assert until(screen, 5, INITIALS) is not None
        assert until(cards, 5, "BedReserved") is not None
        # Each was logged before it was sent: it is there as soon as it has arrived.
        assert looked(world, flow_id) == [
            ("saksbehandler", "api/strøm"),
            ("sykepleier", "enhet/strøm"),
        ]
    finally:
        board.close()
        screen.close()
        cards.close()


def quiet(readers: list[SseReader]) -> None:
    """Each stream has sent what it had to send: nothing more for half a second."""
    for reader in readers:
        while reader.take(timeout=0.5) is not None:
            pass


def test_the_streams_of_one_viewer_class_read_the_board_once_per_change(
    world: World, served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hundred streams of one board once each read and drew it after every command; now
    they take one build, and each still logs what it showed its own user."""
    nurses = ["sykepleier", *(f"sykepleier-kort-{n}" for n in range(4))]
    kort = world.unit("KORT")
    for username in nurses[1:]:
        world.accounts.add_user(
            municipality_id("9998"), username, Role.NURSE, username, "pw", [kort], at=world.clock()
        )
    reads: list[UUID] = []
    read_board = board_reads.unit_board

    def counted(*args: Any, **kwargs: Any) -> UnitBoard:
        reads.append(args[2])
        return read_board(*args, **kwargs)

    monkeypatch.setattr(board_reads, "unit_board", counted)
    flow_id = open_and_decide(served, world, synthetic_national_id(_rng))
    streams = [opened(f"{served}/enheter/{kort}/strom", cookie(world, n))[0] for n in nurses]
    try:
        quiet(streams)
        reads.clear()
        command(served, world, f"flows/{flow_id}/reservation", {"unit_id": str(kort), "bed": "4"})
        for stream in streams:
            got = until(stream, 5, NAME)
            assert got is not None and 'id="bed-4"' in got.data
            assert 'name="csrf_token"' not in got.data, "no session's token in a shared part"
        quiet(streams)
        assert 1 <= len(reads) <= 2, f"{len(reads)} reads of the board for {len(streams)} streams"
        assert {user for user, view in looked(world, flow_id) if view == "enhet/strøm"} == set(
            nurses
        )
    finally:
        for stream in streams:
            stream.close()
