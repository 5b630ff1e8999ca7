"""Browser sessions: a new id at every login, and all of a user's sessions ended at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import event
from support.stores import migrated

from access.accounts import Accounts, Role, User
from access.sessions import Sessions

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MUNICIPALITY = uuid4()


@pytest.fixture
def sessions(database_url: str) -> Iterator[Sessions]:
    engine = migrated(database_url)
    yield Sessions(engine, Accounts(engine), idle=timedelta(hours=1), lifetime=timedelta(hours=12))
    engine.dispose()


def user(sessions: Sessions, username: str) -> User:
    return sessions.accounts.add_user(
        MUNICIPALITY, username, Role.NURSE, username.title(), "passord", [], at=NOW
    )


def test_every_login_gets_a_new_session_id(sessions: Sessions) -> None:
    kari = user(sessions, "kari")
    assert sessions.start(kari, NOW) != sessions.start(kari, NOW)


def test_ending_all_sessions_of_a_user_ends_each_of_them(sessions: Sessions) -> None:
    kari = user(sessions, "kari")
    started = [sessions.start(kari, NOW), sessions.start(kari, NOW)]
    assert sessions.end_all(kari.id) == 2
    assert [sessions.find(s, NOW) for s in started] == [None, None]


def test_ending_all_sessions_of_a_user_leaves_the_sessions_of_others(
    sessions: Sessions,
) -> None:
    kari, ola = user(sessions, "kari"), user(sessions, "ola")
    sessions.start(kari, NOW)
    olas = sessions.start(ola, NOW)
    sessions.end_all(kari.id)
    found = sessions.find(olas, NOW)
    assert found is not None and found.user == ola


def test_ending_all_sessions_of_a_user_without_any_ends_none(sessions: Sessions) -> None:
    assert sessions.end_all(user(sessions, "kari").id) == 0


def test_a_session_is_written_at_most_once_a_minute_and_idles_out_after_its_last_write(
    sessions: Sessions,
) -> None:
    writes: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE SESSIONS"):
            writes.append(statement)

    session_id = sessions.start(user(sessions, "kari"), NOW)
    event.listen(sessions.engine, "before_cursor_execute", count)
    for seconds in (10, 30, 59):
        assert sessions.find(session_id, NOW + timedelta(seconds=seconds)) is not None
    assert writes == []  # read, not written: no commit to wait for
    assert sessions.find(session_id, NOW + timedelta(minutes=1)) is not None
    assert len(writes) == 1
    assert sessions.find(session_id, NOW + timedelta(minutes=61)) is not None
    assert sessions.find(session_id, NOW + timedelta(minutes=122)) is None
