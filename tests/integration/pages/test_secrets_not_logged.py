"""The web server's access log never holds a display device's address nor an OpenID
Connect callback's code: `pasientflyt serve` in a process of its own, its log read back."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from support.world import World, server_process

from boards.web.logs import without_secrets
from flow.municipality import municipality_id


@pytest.mark.parametrize(
    ("asked", "logged"),
    [
        ("/skjerm/abcDEF-123_x", "/skjerm/[skjult]"),
        ("/skjerm/abc?x=1", "/skjerm/[skjult]?x=1"),
        ("/skjerm", "/skjerm"),
        ("/skjerm/strom", "/skjerm/strom"),
        ("/skjerm/strom?fra=3", "/skjerm/strom?fra=3"),
        ("/logg-inn/oidc/tilbake?code=hemmelig&state=s", "/logg-inn/oidc/tilbake?[skjult]"),
        ("/passord/Zk3-_abc", "/passord/[skjult]"),
        ("/passord/Zk3-_abc?x=1", "/passord/[skjult]?x=1"),
        ("/tildeling?x=1", "/tildeling?x=1"),
    ],
)
def test_the_secrets_of_a_path_are_hidden_and_nothing_else(asked: str, logged: str) -> None:
    assert without_secrets(asked) == logged


def test_the_server_log_holds_no_device_address(
    world: World, database_url: str, tmp_path: Path
) -> None:
    by = world.accounts.find("saksbehandler")
    assert by is not None
    _, token = world.system.devices.issue(
        municipality_id("9998"), world.unit("KORT"), "Korridor", by=by.id, at=world.clock()
    )
    log = tmp_path / "server.log"
    with server_process(database_url, log=log) as url:
        opened = httpx2.get(f"{url}/skjerm/{token}", follow_redirects=False, timeout=10)
        assert opened.status_code == 303

    written = log.read_text("utf-8")
    assert "/skjerm/[skjult]" in written
    assert token not in written
