"""A request that finds the store gone answers 503 with Retry-After and a sentence; a read is
tried once more first; anything else that fails is not taken for an outage."""

from __future__ import annotations

from typing import Any

import anyio
import psycopg
import pytest
from eventsourcing import persistence
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import exc

from boards.web.problems import install_error_handlers
from boards.web.store_outage import StoreOutage


class Flaky:
    """An app whose first `failures` requests find the store gone."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls = failures, error, 0
        app = FastAPI()
        install_error_handlers(app)

        @app.get("/read")
        @app.post("/write")
        def handle() -> dict[str, str]:
            self.calls += 1
            if self.calls <= self.failures:
                raise self.error
            return {"ok": "yes"}

        app.add_middleware(StoreOutage)
        self.client = TestClient(app)


GONE = [
    persistence.OperationalError("server closed the connection unexpectedly"),
    persistence.InterfaceError("connection already closed"),
    psycopg.OperationalError("terminating connection due to administrator command"),
    exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
    exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
]


@pytest.mark.parametrize("error", GONE, ids=lambda e: type(e).__module__ + type(e).__name__)
def test_a_write_that_finds_the_store_gone_is_503_with_retry_after(error: Exception) -> None:
    app = Flaky(1, error)

    answer = app.client.post("/write")

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "store_unavailable"
    assert answer.json()["detail"] == "Databasen svarer ikke akkurat nå. Prøv igjen om et øyeblikk."
    assert app.calls == 1  # a command is not sent twice


def test_a_read_is_tried_once_more_before_it_is_503() -> None:
    once, twice = Flaky(1, GONE[0]), Flaky(2, GONE[0])

    assert once.client.get("/read").json() == {"ok": "yes"}
    answer = twice.client.get("/read", headers={"Accept-Language": "en"})

    assert (once.calls, twice.calls) == (2, 2)
    assert answer.status_code == 503
    assert (
        answer.json()["detail"] == "The database is not answering just now. Try again in a moment."
    )


def test_another_database_error_is_no_outage() -> None:
    app = Flaky(1, exc.IntegrityError("INSERT", {}, Exception("duplicate key")))

    with pytest.raises(exc.IntegrityError):
        app.client.get("/read")
    assert app.calls == 1


def test_an_answer_already_begun_is_not_taken_back() -> None:
    sent: list[dict[str, Any]] = []

    async def streaming(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise GONE[0]

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    with pytest.raises(persistence.OperationalError):
        anyio.run(StoreOutage(streaming), scope, receive, send)
    assert [m["status"] for m in sent] == [200]
