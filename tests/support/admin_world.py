"""The test world with an admin in each municipality and one user of every other role, and
the calls the admin tests share."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx2 as httpx
import pytest

from access.accounts import Role
from flow.municipality import municipality_id

if TYPE_CHECKING:
    from support.world import World

API = "/api/v1/admin"
HERE, NEIGHBOUR = municipality_id("9998"), municipality_id("9997")
ADMIN_PASSWORD = "pw-admin"

#: Users added beside the test world's: an admin in each municipality, and one of each
#: other role, so every role can be refused.
EXTRA_USERS = [
    ("admin", Role.ADMIN, HERE, []),
    ("admin2", Role.ADMIN, NEIGHBOUR, []),
    ("leder", Role.LEADER, HERE, []),
    ("hjemmesykepleier", Role.HOMECARE, HERE, ["NORD"]),
]


@pytest.fixture
def admin_world(world: World) -> World:
    for username, role, municipality, codes in EXTRA_USERS:
        units = [world.unit(code, "9998") for code in codes]
        world.accounts.add_user(
            municipality, username, role, username.title(), ADMIN_PASSWORD, units, at=world.clock()
        )
        world.tokens[username] = world.accounts.issue_token(username, at=world.clock())
    return world


def get(w: World, path: str, user: str = "admin") -> httpx.Response:
    return w.client.get(f"{API}{path}", headers=w.headers(user))


def audit_actions(w: World) -> list[str]:
    response = get(w, "/audit")
    assert response.status_code == 200, response.text
    return [entry["action"] for entry in response.json()]
