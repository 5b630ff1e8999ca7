"""Generated requests against the generated OpenAPI schema: no 5xx, every answer as documented.

One app on a real SQLite file per module, authenticated as the allocation office. Ids in
paths and bodies often name real flows, tasks, units, zones and beds, so generated
commands reach the domain and not only the 404.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation.meta import GenerationMode, ParameterLocation
from support.world import World, build_world

from boards.app import create_app
from boards.settings import Settings
from flow.national_id import with_check_digits

EXAMPLES_PER_OPERATION = 50
PATIENT = with_check_digits("018180123")


#: A schema-valid body may still break a rule JSON Schema cannot state (the national
#: identity number's check digits, a unit for a short-term decision): 422 is right then.
CONFIG = {"checks": {"positive_data_acceptance": {"enabled": False}}}


class AppUnderTest:
    """The ASGI app the generated requests reach: the module's seeded app, once built.

    Schemathesis reads the schema at import, before any fixture runs, so it is read through
    this forwarder from an app that keeps nothing, and `seeded` points the forwarder at the
    app under test. Lifespan messages stop here: the background work of a server (following
    the log, marking loops overdue) has no place under generated load.
    """

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.app is not None, "the `seeded` fixture sets the app under test"
        await self.app(scope, receive, send)


def load_schema(target: AppUnderTest) -> Any:
    """The OpenAPI document the app serves, read from an app on an in-memory store."""
    target.app = create_app(Settings(database_url="sqlite:///:memory:"))
    try:
        config = schemathesis.Config.from_dict(CONFIG)
        return schemathesis.openapi.from_asgi("/openapi.json", target, config=config)
    finally:
        target.app.state.system.close()
        target.app = None


APP_UNDER_TEST = AppUnderTest()
# The event stream never ends, so there is no answer to validate: tests/integration/
# test_stream.py reads it over real HTTP instead.
schema = load_schema(APP_UNDER_TEST).exclude(path="/api/v1/stream")


@dataclass
class Seeded:
    """The app under test and the ids that exist in it."""

    world: World
    ids: dict[str, list[str]]
    cases: Counter[str] = field(default_factory=Counter)


def seed(world: World) -> dict[str, list[str]]:
    """Flows in different states, one in the other municipality, made through the API."""
    client, office = world.client, world.headers()
    kort, nord = str(world.unit("KORT")), str(world.unit("NORD"))
    referral = {
        "national_id": PATIENT,
        "name": "Ola Nordmann",
        "source": "hospital",
        "location": "Sykehuset",
        "need": "Korttid",
    }
    decision = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-03"}
    journeys: list[list[tuple[str, dict[str, Any]]]] = [
        [],
        [("ready-for-discharge", {})],
        [("decision", decision)],
        [("decision", decision), ("reservation", {"unit_id": kort, "bed": "1"})],
        [
            ("decision", decision),
            ("reservation", {"unit_id": kort, "bed": "2"}),
            ("arrival", {}),
            ("safety-flags", {"flag": "fall"}),
            ("discharge-plan", {"on": "2026-03-20", "destination": "home", "zone_id": nord}),
        ],
        [("closing", {"reason": "other"})],
    ]
    flow_ids = []
    for steps in journeys:
        response = client.post("/api/v1/flows", json=referral, headers=office)
        assert response.status_code == 201, response.text
        flow_id = response.json()["id"]
        for command, body in steps:
            answer = client.post(f"/api/v1/flows/{flow_id}/{command}", json=body, headers=office)
            assert answer.status_code == 200, answer.text
        flow_ids.append(flow_id)
    theirs = client.post("/api/v1/flows", json=referral, headers=world.headers("saksbehandler2"))
    assert theirs.status_code == 201, theirs.text
    tasks = [
        task["task"]["id"]
        for flow_id in flow_ids
        for task in client.get(f"/api/v1/flows/{flow_id}", headers=office).json()["tasks"]
    ]
    units = [str(world.unit(code)) for code in ("KORT", "UTRED")]
    zones = [str(world.unit(code)) for code in ("NORD", "SOR")]
    elsewhere = [str(world.unit("ANNEN", "9997")), str(world.unit("HELE", "9997"))]
    return {
        "flow_id": [*flow_ids, theirs.json()["id"]],
        "task_id": tasks,
        "unit_id": units + zones + elsewhere,
        "zone_id": zones + elsewhere,
        "bed": ["1", "2", "3", "4"],
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    world = build_world(f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'store.db'}")
    seeded = Seeded(world, seed(world))
    APP_UNDER_TEST.app = world.client.app
    yield seeded
    APP_UNDER_TEST.app = None
    world.system.close()
    print(f"\nschemathesis: {seeded.cases.total()} cases over {len(seeded.cases)} operations")


def known(value: Any, existing: list[str], shaped: Any) -> Any:
    """Two times in three, a well-formed generated value becomes one that exists.

    The choice follows from the value, so Hypothesis replays and shrinks the same request.
    """
    if not existing or not shaped(value):
        return value
    digest = zlib.crc32(str(value).encode())
    return value if digest % 3 == 0 else existing[digest % len(existing)]


def is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(UUID(value)) == value
    except ValueError:
        return False


def is_bed(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 20 and value.isprintable()


def aim_at_existing_ids(case: schemathesis.Case, ids: dict[str, list[str]]) -> None:
    for key in ("flow_id", "task_id", "unit_id", "zone_id"):
        if case.path_parameters and key in case.path_parameters:
            case.path_parameters[key] = known(case.path_parameters[key], ids[key], is_uuid)
    if isinstance(case.body, dict):
        for key in ("unit_id", "zone_id", "bed"):
            if key in case.body:
                shaped = is_bed if key == "bed" else is_uuid
                case.body[key] = known(case.body[key], ids[key], shaped)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_generated_request_gets_a_documented_answer_and_no_server_error(
    case: schemathesis.Case, seeded: Seeded
) -> None:
    aim_at_existing_ids(case, seeded.ids)
    seeded.cases[case.operation.label] += 1

    case.call_and_validate(headers=credentials(case, seeded.world))


def credentials(case: schemathesis.Case, world: World) -> dict[str, str]:
    """The office's bearer token, unless the case was made with headers that break the
    schema (a negative case for its headers, which may leave the token out on purpose):
    putting the token back would make the invalid request valid again, and schemathesis would
    then say the API accepted a request it should have refused."""
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if headers is not None and headers.mode == GenerationMode.NEGATIVE:
        return {}
    return world.headers()
