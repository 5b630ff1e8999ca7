"""The patient's page is live, over real HTTP on both stores: a change to its flow has the
page fetch itself anew (`dag`, with the log's position) within a second, a change to another
flow does not; a page drawn before a change it missed is told at once when its stream opens;
and the stream answers 404 where the page does."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx2
import pytest
from lxml import html
from support.sse_client import SseReader, served_in_thread
from support.world import World

from access.accounts import Role
from boards.web.sessions import SESSION_COOKIE
from flow.municipality import municipality_id


@pytest.fixture
def served(world: World) -> Iterator[str]:
    """The test world, with a nurse of the other unit, on a loopback port."""
    world.accounts.add_user(
        municipality_id("9998"), "sykepleier2", Role.NURSE, "N2", None,
        [world.unit("UTRED")], at=world.clock(),
    )  # fmt: skip
    with served_in_thread(world) as url:
        yield url


def cookie(world: World, username: str) -> dict[str, str]:
    user = world.accounts.find(username)
    assert user is not None
    return {"Cookie": f"{SESSION_COOKIE}={world.system.sessions.start(user, world.clock())}"}


def post(url: str, world: World, path: str, body: dict[str, str]) -> str:
    answer = httpx2.post(f"{url}/api/v1/{path}", json=body, headers=world.headers(), timeout=10)
    assert answer.status_code in (200, 201), answer.text
    flow_id: str = answer.json()["id"]
    return flow_id


def reserved(url: str, world: World, national_id: str, bed: str = "1") -> str:
    """A hospital patient with a bed on KORT reserved: its handover loops open."""
    flow_id = post(url, world, "flows", {
        "national_id": national_id, "name": "Kari Nordmann", "source": "hospital",
        "location": "Sykehuset", "need": "Korttid",
    })  # fmt: skip
    kort = str(world.unit("KORT"))
    decision = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-02"}
    post(url, world, f"flows/{flow_id}/decision", decision)
    post(url, world, f"flows/{flow_id}/reservation", {"unit_id": kort, "bed": bed})
    return flow_id


def stream_of(url: str, world: World, flow_id: str) -> str:
    """The stream the office's page of the flow listens to, from where it was drawn."""
    page = httpx2.get(f"{url}/tildeling/forlop/{flow_id}", headers=cookie(world, "saksbehandler"))
    assert page.status_code == 200
    (board,) = html.fromstring(page.text).xpath("//div[@id='board']")
    assert board.get("hx-ext") == "sse"
    (redraw,) = board.xpath(".//*[@hx-trigger='sse:dag']")
    assert redraw.get("hx-get") == f"/tildeling/forlop/{flow_id}"
    return f"{url}{board.get('sse-connect')}"


def test_a_change_to_the_flow_redraws_its_page_within_a_second_and_no_other_does(
    world: World, served: str
) -> None:
    flow_id = reserved(served, world, "01018012371")
    other = reserved(served, world, "15898912342", bed="2")
    reader = SseReader(stream_of(served, world, flow_id), cookie(world, "saksbehandler"))
    try:
        post(served, world, f"flows/{other}/safety-flags", {"flag": "fall"})
        assert reader.take(timeout=1.0) is None, "another patient's change"
        post(served, world, f"flows/{flow_id}/safety-flags", {"flag": "fall"})
        recorded = time.monotonic()  # SPEC: within a second once a command is recorded
        got = reader.take(timeout=5)
        assert got is not None and got.event == "dag" and got.data == ""
        assert got.at - recorded < 1.0, f"after {got.at - recorded:.2f} s"
        assert got.id == world.system.flows.recorder.max_notification_id()
    finally:
        reader.close()


def test_a_page_drawn_before_a_change_is_redrawn_when_its_stream_opens(
    world: World, served: str
) -> None:
    flow_id = reserved(served, world, "01018012371")
    stream = stream_of(served, world, flow_id)
    post(served, world, f"flows/{flow_id}/safety-flags", {"flag": "fall"})
    reader = SseReader(stream, cookie(world, "saksbehandler"))
    try:
        got = reader.take(timeout=5)
        assert got is not None and got.event == "dag"
    finally:
        reader.close()
    unchanged = SseReader(stream_of(served, world, flow_id), cookie(world, "saksbehandler"))
    try:
        assert unchanged.take(timeout=1.0) is None
    finally:
        unchanged.close()


def test_the_stream_answers_404_where_the_page_does(world: World, served: str) -> None:
    flow_id = reserved(served, world, "01018012371")  # to KORT: nothing of UTRED's nurse
    for username, status in (("sykepleier", 200), ("sykepleier2", 404)):
        headers = cookie(world, username)
        page = httpx2.get(f"{served}/tildeling/forlop/{flow_id}", headers=headers)
        assert page.status_code == status
        with httpx2.stream(
            "GET", f"{served}/tildeling/forlop/{flow_id}/strom", headers=headers, timeout=10
        ) as stream:
            assert stream.status_code == status
