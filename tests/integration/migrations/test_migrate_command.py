"""`pasientflyt migrate` says what it did, and that there is nothing to do the second time."""

from __future__ import annotations

from support.command_line import run

from access.migrations import head


def test_migrate_says_from_which_revision_to_which_and_then_that_it_is_up_to_date(
    database_url: str,
) -> None:
    first = run(database_url, "migrate")
    again = run(database_url, "migrate")

    assert first.returncode == 0, first.stdout + first.stderr
    said = f"Databasen er oppgradert fra ingen revisjon til revisjon {head()}."
    assert first.stdout.strip() == said
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.strip() == f"Databasen er allerede oppdatert (revisjon {head()})."
