"""A database the release of 2026-12-06 made (its tables made by each class at start, no
revision) adopts the first migration: no error, its rows kept, nothing done twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from sqlalchemy import Engine, func, select
from support.state_tables import differences

from access.access_log import access_log_indexed
from access.accounts import Accounts, Role
from access.audit import Audit
from access.database import connect
from access.grants import Asked, Grants
from access.migrations import Migrated, head, migrate
from access.oidc.role_mappings import RoleMappings
from flow.municipality import municipality_id, unit_id

RELEASE = Path(__file__).with_name("release_2026_12_06")
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
HERE = municipality_id("9998")


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
