"""Guesses sent at once for one username: each is counted before its password is checked,
so the burst gets the lockout's allowance of password checks and no more, and the right
password sent in the burst after the allowance does not log in. Over HTTP, both stores."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier, Event, Lock
from typing import TYPE_CHECKING

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from support.logins import log_in

from access.accounts import User
from access.lockout import FAILURES

if TYPE_CHECKING:
    from support.world import World

GUESSES = 20


class CountedChecks:
    """The accounts' password check, counted; a wrong password's answer comes late, as it
    does from a server busy with argon2, so a count made after the check would come late."""

    def __init__(self, check: object) -> None:
        self.check, self.count, self.lock = check, 0, Lock()
        self.allowance_used = Event()

    def __call__(self, username: str, password: str) -> User | None:
        with self.lock:
            self.count += 1
            if self.count == FAILURES:
                self.allowance_used.set()
        user: User | None = self.check(username, password)  # type: ignore[operator]
        if user is None:
            time.sleep(0.3)
        return user


def test_a_burst_of_guesses_checks_the_allowance_only_and_the_right_password_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = CountedChecks(world.system.accounts.verify)
    monkeypatch.setattr(world.system.accounts, "verify", checks)
    app: FastAPI = world.client.app  # type: ignore[assignment]
    start = Barrier(GUESSES)

    def guess(n: int) -> httpx.Response:
        client = TestClient(app)  # a browser of its own, its requests on threads of their own
        client.get("/logg-inn").raise_for_status()
        start.wait()
        return log_in(client, "saksbehandler", f"feil-{n}")

    def right_password() -> httpx.Response:
        assert checks.allowance_used.wait(timeout=30)
        return log_in(TestClient(app))

    with ThreadPoolExecutor(GUESSES + 1) as pool:
        right = pool.submit(right_password)
        guesses = list(pool.map(guess, range(GUESSES)))
        answer = right.result()
    assert answer.status_code == 429
    assert "For mange mislykkede forsøk." in answer.text
    assert checks.count <= FAILURES
    assert sorted({r.status_code for r in guesses}) == [401, 429]
