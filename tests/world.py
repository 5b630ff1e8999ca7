"""A small world for tests: two municipalities, built through commands, served over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from fastapi.testclient import TestClient

from access.accounts import Accounts, Role
from boards.app import create_app
from boards.settings import Settings
from boards.system import System
from fixtures.municipalities import MunicipalitySpec, UnitSpec, UserSpec, ZoneSpec, install
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.municipality import municipality_id, unit_id
from flow.vocabulary import UnitKind

TEST_MUNICIPALITIES = [
    MunicipalitySpec(
        number="9998",
        name="Testkommune",
        units=[
            UnitSpec(code="KORT", name="Korttid Test", kind=UnitKind.REHAB, beds=4),
            UnitSpec(code="UTRED", name="Utredning Test", kind=UnitKind.ASSESSMENT, beds=3),
        ],
        zones=[ZoneSpec(code="NORD", name="Sone Nord"), ZoneSpec(code="SOR", name="Sone Sør")],
        users=[
            UserSpec(username="saksbehandler", name="S", role=Role.ALLOCATION, password="pw-1"),
            UserSpec(
                username="sykepleier", name="N", role=Role.NURSE, password="pw-2", units=["KORT"]
            ),
        ],
    ),
    MunicipalitySpec(
        number="9997",
        name="Nabokommune",
        units=[UnitSpec(code="ANNEN", name="Annen korttid", kind=UnitKind.REHAB, beds=2)],
        zones=[ZoneSpec(code="HELE", name="Hele kommunen")],
        users=[
            UserSpec(username="saksbehandler2", name="S2", role=Role.ALLOCATION, password="pw-3")
        ],
    ),
]


@dataclass
class Clock:
    """The time the app sees; tests move it."""

    now: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    """Testkommune (9998) and Nabokommune (9997), their places, users and tokens."""

    client: TestClient
    system: System
    clock: Clock
    tokens: dict[str, str]

    @property
    def flows(self) -> Pasientflyt:
        return self.system.flows

    @property
    def accounts(self) -> Accounts:
        return self.system.accounts

    def headers(self, username: str = "saksbehandler") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def unit(self, code: str, number: str = "9998") -> UUID:
        return unit_id(municipality_id(number), code)

    def actor(self, username: str = "saksbehandler") -> Actor:
        user = self.accounts.find(username)
        assert user is not None
        return user.actor


def build_world(database_url: str) -> World:
    clock = Clock()
    app = create_app(Settings(database_url=database_url), clock=clock)
    system: System = app.state.system
    flows, accounts = system.flows, system.accounts
    tokens = {}
    for spec in TEST_MUNICIPALITIES:
        install(flows, accounts, spec, clock())
        for user in spec.users:
            tokens[user.username] = accounts.issue_token(user.username, at=clock())
    return World(TestClient(app), system, clock, tokens)
