"""A Server-Sent Events client for the stream tests, and the world's app served over HTTP."""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx2
import uvicorn
from support.world import World, free_port


@dataclass
class Received:
    event: str
    id: int
    data: str
    at: float


class SseReader:
    """Reads one event stream in a thread; each event lands in `events` with its arrival.
    `pinged` is set by a heartbeat comment, `ended` when the stream ends (the server ended
    it, or the test hung up)."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.events: queue.Queue[Received] = queue.Queue()
        self.connected = threading.Event()
        self.pinged, self.ended = threading.Event(), threading.Event()
        self._client = httpx2.Client(timeout=httpx2.Timeout(5.0, read=None))
        self._response: httpx2.Response | None = None
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()
        assert self.connected.wait(10), "the stream did not open"

    def _read(self, url: str, headers: dict[str, str]) -> None:
        fields: dict[str, str] = {}
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                assert response.status_code == 200, response.read()
                self._response = response
                self.connected.set()
                for line in response.iter_lines():
                    if line == "":
                        if "id" in fields or "event" in fields:
                            self.events.put(
                                Received(
                                    fields.get("event", "message"),
                                    int(fields.get("id", 0)),
                                    fields.get("data", ""),
                                    time.monotonic(),
                                )
                            )
                        fields = {}
                    elif line.startswith(":"):
                        self.pinged.set()
                    elif ":" in line:
                        key, value = line.split(":", 1)
                        value = value.removeprefix(" ")
                        if key == "data" and "data" in fields:  # one line of many
                            value = f"{fields['data']}\n{value}"
                        fields[key] = value
        except (httpx2.HTTPError, RuntimeError):
            pass  # closed by the test
        finally:
            self.ended.set()

    def take(self, timeout: float) -> Received | None:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Hang up: the server sees the stream's connection close."""
        if self._response is not None and not self.ended.is_set():
            # Only shutting the socket down wakes the reading thread and tells the server.
            stream = self._response.extensions["network_stream"]
            with contextlib.suppress(OSError):  # the server closed it a moment ago
                stream.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
        self._client.close()


@contextmanager
def served_in_thread(world: World) -> Iterator[str]:
    """The world's own app on a loopback port, its live thread running."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(world.client.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
