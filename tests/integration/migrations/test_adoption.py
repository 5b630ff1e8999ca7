"""A database the release of 2026-12-06 made (its tables made by each class at start, no
revision) adopts the first migration: no error, its rows kept, nothing done twice. Once on
the release's own files with its data (tests/releases/2026-12-06), once on its DDL
(release_2026_12_06/ here) with rows that show what the revision must not do again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import Engine, func, inspect, select
from support.releases import restore_postgres, restored_sqlite
from support.state_tables import differences, state_tables

from access.access_log import access_log_indexed
from access.accounts import Accounts, Role
from access.audit import Audit
from access.database import connect
from access.grants import Asked, Grants
from access.migrations import Migrated, head, migrate
from access.oidc.role_mappings import RoleMappings
from flow.municipality import municipality_id, unit_id

RELEASE = Path(__file__).with_name("release_2026_12_06")
RELEASE_DATA = Path(__file__).parents[2] / "releases" / "2026-12-06"
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
HERE = municipality_id("9998")


def rows_in_state_tables(engine: Engine) -> dict[str, int]:
    """Each state table's rows, of those the database has (the release made `oidc_attempts`
    only where OIDC was set up: the revision makes it)."""
    there = set(inspect(engine).get_table_names())
    with engine.connect() as db:
        return {
            name: db.scalar(select(func.count()).select_from(table)) or 0
            for name, table in state_tables().tables.items()
            if name in there
        }


def test_the_release_s_sqlite_file_adopts_the_first_revision_with_its_data(
    tmp_path: Path,
) -> None:
    assert_adopted(connect(restored_sqlite(RELEASE_DATA, tmp_path)))


@pytest.mark.postgres
def test_the_release_s_postgresql_dump_adopts_the_first_revision_with_its_data(
    postgres_url: str,
) -> None:
    restore_postgres(RELEASE_DATA, postgres_url)
    assert_adopted(connect(postgres_url))


def assert_adopted(engine: Engine) -> None:
    try:
        before = rows_in_state_tables(engine)
        assert before["users"] > 0 and before["access_grants"] > 0

        assert migrate(engine) == Migrated(None, head())

        assert differences(engine) == []
        after = rows_in_state_tables(engine)
        assert after == {**before, **{name: 0 for name in after.keys() - before.keys()}}
    finally:
        engine.dispose()


def made_by_the_release(database_url: str) -> Engine:
    """The release's DDL, as its classes sent it, and the access log's index at 7."""
    engine = connect(database_url)
    with engine.begin() as db:
        for statement in (RELEASE / f"{engine.dialect.name}.sql").read_text().split(";"):
            if statement.strip():
                db.exec_driver_sql(statement)
        db.execute(access_log_indexed.insert().values(upto=7))
    return engine


def test_a_database_the_release_made_adopts_the_first_revision_and_keeps_its_rows(
    database_url: str,
) -> None:
    engine = made_by_the_release(database_url)
    try:
        accounts, audit = Accounts(engine), Audit(engine)
        grants = Grants(engine, audit)
        kort = unit_id(HERE, "KORT")
        with engine.begin() as db:
            nurse = accounts.add_user(HERE, "kari", Role.NURSE, "Kari", "pw", [kort], at=NOW, db=db)
            grants.in_force(db, nurse, by=None, at=NOW, asked=Asked.CONSOLE)
        RoleMappings(engine).add(HERE, "groups", "kontor", Role.ALLOCATION, at=NOW)
        audit.record(HERE, uuid4(), "user.added", "kari", {}, at=NOW)

        assert migrate(engine) == Migrated(None, head())

        assert differences(engine) == []
        assert accounts.verify("kari", "pw") == nurse
        assert [e.subject for e in audit.list_for(HERE)] == ["kari"]
        # The register was there: what it holds stays as it was, nothing recorded again.
        assert [g.subject for g in grants.listing(HERE, NOW)] == ["kari"]
        with engine.connect() as db:
            assert db.scalar(select(func.count()).select_from(access_log_indexed)) == 1
            assert db.scalar(select(access_log_indexed.c.upto)) == 7
    finally:
        engine.dispose()
