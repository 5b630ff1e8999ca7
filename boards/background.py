"""Work no request asks for: read models follow other processes, loops turn overdue."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from boards.system import System

log = logging.getLogger(__name__)


class Background:
    """One thread per process; it stops with the server."""

    def __init__(
        self,
        system: System,
        clock: Callable[[], datetime],
        *,
        follow_every: float,
        deadlines_every: float,
    ) -> None:
        self.system, self.clock = system, clock
        self.follow_every, self.deadlines_every = follow_every, deadlines_every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pasientflyt-bakgrunn", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        next_deadline_check = 0.0
        while not self._stopping.wait(self.follow_every):
            try:
                self.system.projector.catch_up()
                if time.monotonic() >= next_deadline_check:
                    self.system.record_overdue_loops(self.clock())
                    next_deadline_check = time.monotonic() + self.deadlines_every
            except Exception:
                # The next round retries; a failing store must not end the thread.
                log.exception("Bakgrunnsarbeid feilet; prøver igjen")
