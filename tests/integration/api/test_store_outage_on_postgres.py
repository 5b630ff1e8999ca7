"""Under a running app, the database stops taking connections and every connection it had is
cut (what a server restart is, for the app, until it is back): the requests meanwhile answer
503 with Retry-After and a sentence, never 500; once it is back, they are answered."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql
from support.world import World, build_world

from flow.national_id import with_check_digits

API = "/api/v1"


@pytest.fixture
def postgres_world(postgres_url: str) -> Iterator[World]:
    built = build_world(postgres_url)
    yield built
    built.system.close()


@contextmanager
def store_gone(server_url: str, database_url: str) -> Iterator[None]:
    database = urlsplit(database_url).path.removeprefix("/")
    with psycopg.connect(server_url, autocommit=True) as db:
        name = sql.Identifier(database)
        db.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(name))
        try:
            db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (database,),
            )
            yield
        finally:
            db.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(name))


@pytest.mark.postgres
def test_requests_while_the_store_is_gone_answer_503_with_retry_after_then_2xx(
    postgres_world: World, postgres_url: str, postgres_server_url: str
) -> None:
    w, office = postgres_world, postgres_world.headers()
    referral = {
        "national_id": with_check_digits("018180123"), "name": "Kari Nordmann",
        "source": "hospital", "location": "Sykehuset", "need": "Korttid",
    }  # fmt: skip
    flow_id = w.client.post(f"{API}/flows", json=referral, headers=office).json()["id"]
    w.client.get(f"{API}/boards/allocation", headers=office)  # every pool holds connections

    with store_gone(postgres_server_url, postgres_url):
        answers = [
            w.client.get(f"{API}/flows/{flow_id}", headers=office),
            w.client.post(f"{API}/flows/{flow_id}/ready-for-discharge", json={}, headers=office),
            w.client.get(f"{API}/boards/allocation", headers=office),
            w.client.post(f"{API}/flows", json=referral, headers=office),
            w.client.get(f"{API}/units", headers=office),
            w.client.get(f"{API}/flows/{flow_id}/history", headers=office),
            w.client.get(f"{API}/zones", headers=office),
            w.client.post(f"{API}/flows", json=referral, headers=office),
            w.client.get(f"{API}/boards/allocation", headers=office),
            w.client.get(f"{API}/flows/{flow_id}", headers=office),
        ]

    for answer in answers:
        assert 200 <= answer.status_code < 300 or (
            answer.status_code == 503
            and answer.headers["Retry-After"] == "1"
            and answer.json()["detail"]
            == "Databasen svarer ikke akkurat nå. Prøv igjen om et øyeblikk."
        ), (answer.request.url, answer.text)
    assert sum(answer.status_code == 503 for answer in answers) >= 8, answers
    back = w.client.post(f"{API}/flows/{flow_id}/ready-for-discharge", json={}, headers=office)
    assert back.status_code == 200, back.text
