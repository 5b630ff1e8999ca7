"""A request's body is limited per route before anything reads it: 413 with a sentence, at
once, logged in or not, whether the body says its length or streams without one (chunked);
a body at the limit passes. The proxy in front refuses first (its `request_body`)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx2 as httpx
import pytest
from support.world import server_pid, server_process

from access.policy import HOSPITAL_MESSAGES_PATH
from boards.hospital.ingest import MAX_BYTES
from boards.web.body_limit import COMMAND_BYTES, LARGER, LARGEST_BYTES, limit_of

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message
    from support.world import World

FLOWS = "/api/v1/flows"
CHUNK = 64 * 1024
CADDYFILE = Path(__file__).resolve().parents[3] / "docker" / "Caddyfile"


class Sent:
    """A body of `size` bytes sent to the app chunk by chunk, counting what it pulled."""

    def __init__(self, size: int, *, declared: bool) -> None:
        self.size, self.declared, self.pulled = size, declared, 0
        self.status, self.body = 0, b""

    async def receive(self) -> Message:
        chunk = min(CHUNK, self.size - self.pulled)
        self.pulled += chunk
        return {"type": "http.request", "body": b" " * chunk, "more_body": self.pulled < self.size}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        else:
            self.body += message.get("body", b"")

    def to(self, app: ASGIApp, path: str, headers: dict[str, str] | None = None) -> Sent:
        sized = [("content-length", str(self.size))] if self.declared else []
        listed = [*(headers or {}).items(), ("content-type", "application/json"), *sized]
        scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
            "root_path": "", "query_string": b"", "server": ("test", 80), "client": ("t", 1),
            "headers": [(k.lower().encode(), v.encode()) for k, v in listed],
        }  # fmt: skip
        anyio.run(app, scope, self.receive, self.send)
        return self

    @property
    def problem(self) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(self.body)
        return answer


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_too_large_without_login_is_refused_before_it_is_read(
    world: World, declared: bool
) -> None:
    sent = Sent(40 * 1024 * 1024, declared=declared).to(world.client.app, FLOWS)

    assert sent.status == 413
    assert sent.problem["code"] == "body_too_large"
    assert (
        sent.problem["detail"] == "Forespørselen er større enn 32 KiB, det meste som tas imot her."
    )
    assert sent.pulled <= (0 if declared else COMMAND_BYTES + CHUNK)


def test_a_body_over_the_limit_by_one_byte_is_refused_in_the_users_language(
    world: World,
) -> None:
    english = {"Accept-Language": "en", **world.headers()}
    sent = Sent(COMMAND_BYTES + 1, declared=False).to(world.client.app, FLOWS, english)

    assert sent.status == 413
    assert sent.problem["detail"] == "The request is larger than 32 KiB, the most taken here."


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_at_the_limit_is_read(world: World, declared: bool) -> None:
    sent = Sent(COMMAND_BYTES, declared=declared).to(world.client.app, FLOWS, world.headers())

    assert sent.status == 422  # read and parsed: blanks are no JSON object
    assert sent.pulled == COMMAND_BYTES


def test_the_largest_legal_command_fits_under_the_limit(world: World) -> None:
    """A 2,000-character need of emoji, each a JSON escape pair of 12 bytes."""
    referral = {
        "national_id": "01018012345", "name": "😀" * 200, "source": "hospital",
        "location": "😀" * 200, "need": "😀" * 2000,
    }  # fmt: skip
    body = json.dumps(referral).encode()  # ASCII escapes, as most clients send
    answer = world.client.post(FLOWS, content=body, headers=world.headers())

    assert len(body) > 24_000
    assert answer.status_code != 413, answer.text


def test_a_hospital_message_has_its_own_limit_the_ingest_keeps(world: World) -> None:
    sent = Sent(MAX_BYTES + 1, declared=True).to(world.client.app, HOSPITAL_MESSAGES_PATH)

    assert limit_of(HOSPITAL_MESSAGES_PATH).most_bytes == MAX_BYTES
    assert (sent.status, sent.problem["code"]) == (413, "message_too_large")
    assert sent.problem["detail"] == f"Meldingen er større enn {MAX_BYTES // 1024} KiB."


def test_every_larger_limit_belongs_to_a_route_that_takes_a_body(world: World) -> None:
    for path in LARGER:
        statuses = {world.client.request(method, path).status_code for method in ("POST", "PUT")}
        assert statuses - {404, 405}, f"no route takes a body at {path}"


def test_the_proxy_refuses_what_the_app_would_refuse_first() -> None:
    text = CADDYFILE.read_text(encoding="utf-8")
    (size,) = [line.split()[1] for line in text.splitlines() if line.strip().startswith("max_size")]

    assert size == f"{-(-LARGEST_BYTES // 1024)}KiB"  # the app's largest limit, in whole KiB


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _blanks(size: int) -> Iterator[bytes]:
    for _ in range(size // CHUNK):
        yield b" " * CHUNK


def test_a_served_42_mb_body_without_login_costs_the_server_no_memory(sqlite_url: str) -> None:
    size = 42 * 1024 * 1024
    with server_process(sqlite_url) as url:
        pid = server_pid(url)
        before = _rss(pid)
        started = time.monotonic()
        answer = httpx.post(
            f"{url}{FLOWS}",
            content=_blanks(size),
            headers={"Content-Length": str(size), "Content-Type": "application/json"},
            timeout=30,
        )
        took = time.monotonic() - started
        grown = _rss(pid) - before

    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large"
    assert took < 5
    assert grown < 16 * 1024 * 1024, f"the server grew {grown} bytes"
