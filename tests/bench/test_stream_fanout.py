"""Event recorded → message received, by N concurrent SSE clients of one server process.

`pasientflyt serve` runs in a process of its own on a SQLite file with the test
municipalities. This process opens N streams (`GET /api/v1/stream`, the caseworker's
token) with one asyncio HTTP client, then records BENCH_STREAM_EVENTS (20) commands through
the API, one at a time, each when every stream has received the one before. A sample is
one stream's delay from the moment the command was sent to the moment its message arrived.

Rows: N = 1 (the baseline, same run), 50 and BENCH_STREAM_CLIENTS (500); the ratio of each
to the baseline; and the server process's resident memory before the streams opened and
with them open (per stream). The target (p95 ≤ 250 ms at 500 clients on one process) is
reported, not asserted. Two processes on PostgreSQL are not measured here yet.
Run: .venv/bin/pytest -p no:xdist -s tests/bench/test_stream_fanout.py
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

import httpx2
import pytest
from benchkit import Samples, append_results
from figures import Figures, load_average, print_figures
from world import build_world, server_process

from fixtures.demo import synthetic_national_id

N_CLIENTS = int(os.environ.get("BENCH_STREAM_CLIENTS", "500"))
N_EVENTS = int(os.environ.get("BENCH_STREAM_EVENTS", "20"))
TARGET_P95_MS = 250.0


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def _listen(
    client: httpx2.AsyncClient,
    url: str,
    token: str,
    arrivals: asyncio.Queue[float],
    ready: asyncio.Event,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200
        ready.set()
        async for line in response.aiter_lines():
            if line.startswith("id:"):
                arrivals.put_nowait(time.perf_counter())


async def _round(base: str, token: str, clients: int, rng_seed: int) -> Samples:
    rng = random.Random(rng_seed)
    limits = httpx2.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    timeout = httpx2.Timeout(30.0, read=None)
    async with httpx2.AsyncClient(limits=limits, timeout=timeout) as client:
        queues = [asyncio.Queue[float]() for _ in range(clients)]
        readies = [asyncio.Event() for _ in range(clients)]
        listeners = [
            asyncio.create_task(_listen(client, f"{base}/api/v1/stream", token, q, r))
            for q, r in zip(queues, readies, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
        samples = Samples()
        started = time.perf_counter_ns()
        for _ in range(N_EVENTS):
            body = {
                "national_id": synthetic_national_id(rng),
                "name": "Kari Benk",
                "source": "hospital",
                "location": "Sykehuset",
                "need": "Korttid",
            }
            sent = time.perf_counter()
            response = await client.post(
                f"{base}/api/v1/flows", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 201, response.text
            for queue in queues:
                arrived = await asyncio.wait_for(queue.get(), 30)
                samples.latencies_ns.append(int((arrived - sent) * 1e9))
        samples.wall_ns = time.perf_counter_ns() - started
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
    return samples


@pytest.mark.timeout(1800)
def test_stream_fanout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    world = build_world(url)
    token = world.tokens["saksbehandler"]
    world.system.close()
    load_before = load_average()
    rows: list[Figures] = []
    memory: dict[int, int] = {}
    with server_process(url) as base:
        pid = _server_pid(base)
        idle_kib = _rss_kib(pid)
        for n, clients in enumerate([1, 50, N_CLIENTS]):
            samples = asyncio.run(_round(base, token, clients, n))
            rows.append(Figures.of(f"N = {clients} streams, event → message", samples))
            memory[clients] = _rss_kib(pid)
    base_row = rows[0]
    notes = [
        f"{N_EVENTS} commands per row, each waited for by every stream; server: one process,"
        f" SQLite; resident memory idle {idle_kib / 1024:.0f} MiB",
        f"machine: {os.cpu_count()} CPUs, load average {load_before} before, {load_average()}"
        " after (1/5/15 min)",
    ]
    for row, clients in zip(rows, [1, 50, N_CLIENTS], strict=True):
        notes.append(
            f"N = {clients}: p50 {row.p50_ms / base_row.p50_ms:.1f}x, p95"
            f" {row.p95_ms / base_row.p95_ms:.1f}x the baseline (N = 1); memory"
            f" {memory[clients] / 1024:.0f} MiB,"
            f" {(memory[clients] - idle_kib) / max(clients, 1):.0f} KiB per stream"
        )
    last = rows[-1]
    verdict = "met" if last.p95_ms <= TARGET_P95_MS else "MISSED"
    notes.append(
        f"target: p95 <= {TARGET_P95_MS:.0f} ms at {N_CLIENTS} streams: {verdict}"
        f" (p95 {last.p95_ms:.1f} ms)"
    )
    print_figures("SSE fan-out, one server process", rows, notes)
    append_results("stream_fanout", "sqlite", rows, memory_kib=memory, idle_kib=idle_kib)


def _server_pid(base: str) -> int:
    """The pid of the `pasientflyt serve` listening on the URL's port."""
    port = base.rsplit(":", 1)[-1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in command and port.encode() in command:
                return int(entry.name)
    raise AssertionError("the server process was not found")
