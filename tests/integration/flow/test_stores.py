"""The store fixtures hand out real, isolated databases."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from urllib.parse import urlsplit

import psycopg
import pytest


def test_sqlite_table_outlives_its_connection(sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE beds (id TEXT PRIMARY KEY)")
        conn.execute("INSERT INTO beds VALUES ('A-1')")
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT id FROM beds").fetchall() == [("A-1",)]


def _database_and_table_count(url: str) -> tuple[str, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT current_database(), (SELECT count(*)::int FROM information_schema.tables"
            " WHERE table_schema = 'public')"
        ).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.postgres
def test_postgres_databases_are_distinct_and_empty(
    create_postgres_database: Callable[[], str],
) -> None:
    first, second = create_postgres_database(), create_postgres_database()
    with psycopg.connect(first) as conn:
        conn.execute("CREATE TABLE beds (id text PRIMARY KEY)")

    first_name, first_tables = _database_and_table_count(first)
    second_name, second_tables = _database_and_table_count(second)

    assert first_name != second_name
    assert first_name.startswith("t_") and second_name.startswith("t_")
    assert (first_tables, second_tables) == (1, 0)


@pytest.mark.postgres
def test_postgres_url_names_its_own_empty_database(postgres_url: str) -> None:
    assert _database_and_table_count(postgres_url) == (urlsplit(postgres_url).path[1:], 0)


def test_database_url_names_a_supported_store(database_url: str) -> None:
    assert urlsplit(database_url).scheme in {"sqlite", "postgresql"}
