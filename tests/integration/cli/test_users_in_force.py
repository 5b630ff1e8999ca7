"""What four eyes on access leaves as it was: the operator at the console, the demo, and the
users a database held before the register of grants came, keep or get their roles in force,
each recorded as such."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from support.command_line import run
from support.world import TEST_MUNICIPALITIES

from access.accounts import Role
from access.grant_register import CONSOLE, Asked, State, access_grants
from boards.services.system import open_system
from boards.settings import Settings
from fixtures.municipalities import install, load_specs
from flow.municipality import municipality_id, unit_id

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HERE = municipality_id("9998")
#: Tables the revisions after 0001 create: a database made before migrations has none.
TABLES_SINCE_0001 = ("scenario_comparisons", "forecasts_made")


def test_a_user_added_at_the_console_is_in_force_and_the_output_and_audit_say_so(
    database_url: str,
) -> None:
    system = open_system(Settings(database_url=database_url))
    try:
        install(system.flows, system.accounts, system.grants, TEST_MUNICIPALITIES[0], NOW)
    finally:
        system.close()

    added = run(
        database_url,
        "users", "add", "ola", "allocation", "--municipality", "9998", "--password", "olas passord",
    )  # fmt: skip

    assert added.returncode == 0, added.stdout + added.stderr
    assert "La til ola (allocation)" in added.stdout
    assert "uten godkjenning fra en leder" in added.stdout and "revisjonsloggen" in added.stdout
    system = open_system(Settings(database_url=database_url))
    try:
        ola = system.accounts.verify("ola", "olas passord")
        assert ola is not None and ola.role == Role.ALLOCATION
        (grant,) = [g for g in system.grants.listing(HERE, NOW) if g.user_id == ola.id]
        assert (grant.state, grant.asked, grant.decided_by) == (
            State.APPROVED, Asked.CONSOLE, CONSOLE,
        )  # fmt: skip
        (entry,) = [e for e in system.audit.list_for(HERE) if e.subject == "ola"]
        assert (entry.action, entry.user_id) == ("user.added_at_console", CONSOLE)
    finally:
        system.close()
    token = run(database_url, "users", "token", "ola")
    assert token.returncode == 0 and len(token.stdout.strip()) > 40


def test_the_demo_users_are_in_force_as_approved_by_the_demo_leader(sqlite_url: str) -> None:
    system = open_system(Settings(database_url=sqlite_url))
    try:
        spec = load_specs()[0]
        install(system.flows, system.accounts, system.grants, spec, NOW)
        leader = system.accounts.find("leder")
        assert leader is not None
        grants = {g.subject: g for g in system.grants.listing(spec.id, NOW)}
        assert set(grants) == {"saksbehandler", "sykepleier", "hjemmesykepleier", "leder"}
        assert {g.state for g in grants.values()} == {State.APPROVED}
        assert grants["saksbehandler"].decided_by == leader.id
        assert grants["leder"].decided_by == CONSOLE  # not her own approval
        nurse = system.accounts.find("sykepleier")
        assert nurse is not None and nurse.role == Role.NURSE
        assert system.accounts.verify("saksbehandler", "demo-tildeling") is not None
    finally:
        system.close()


def test_users_and_mappings_in_force_before_the_register_keep_their_access(
    database_url: str,
) -> None:
    """Opening a database made before grants existed records what was in force then as
    approved, and changes no one's role."""
    system = open_system(Settings(database_url=database_url))
    try:
        kort = unit_id(HERE, "KORT")
        system.accounts.add_user(HERE, "gammel", Role.NURSE, "Gammel", "pw", [kort], at=NOW)
        system.accounts.add_user(HERE, "sjef", Role.ADMIN, "Sjef", "pw", [], at=NOW)
        mapping = system.role_mappings.add(HERE, "groups", "kontor", Role.ALLOCATION, at=NOW)
        with system.engine.begin() as db:  # as a database made before grants and migrations
            access_grants.drop(db)
            db.execute(text("DROP TABLE alembic_version"))
            for later in TABLES_SINCE_0001:
                db.execute(text(f"DROP TABLE {later}"))
    finally:
        system.close()

    system = open_system(Settings(database_url=database_url))
    try:
        found = system.grants.listing(HERE, NOW)
        by_subject = {g.subject: g for g in found}
        assert set(by_subject) == {"gammel", "groups = kontor"}
        for grant in found:
            assert (grant.state, grant.asked) == (State.APPROVED, Asked.IN_FORCE_BEFORE)
        assert by_subject["gammel"].unit_ids == (kort,)
        assert by_subject["groups = kontor"].mapping_id == mapping.id
        assert system.grants.mappings_waiting([mapping.id]) == set()
        nurse = system.accounts.find("gammel")
        assert nurse is not None and (nurse.role, nurse.unit_ids) == (Role.NURSE, [kort])
    finally:
        system.close()
    again = open_system(Settings(database_url=database_url))  # once only
    try:
        assert len(again.grants.listing(HERE, NOW)) == 2
    finally:
        again.close()
