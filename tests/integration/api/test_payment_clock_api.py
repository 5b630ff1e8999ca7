"""The payment clock through the API and the allocation board: the ministry's example on the
card, what an answer may carry, and the board's words for each state of the clock. On a real
SQLite file and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from support.api_client import Api
from support.logins import csrf_token_of, log_in
from support.world import World

from flow.rates import NATIONAL_DAILY_RATES

RATE_2026 = NATIONAL_DAILY_RATES[2024]  # 2026 is not in the table: the latest rate counts


@pytest.fixture
def api(world: World) -> Api:
    return Api(world)


def ready_card(api: Api, flow_id: str) -> dict[str, Any]:
    board = api.get("/boards/allocation").json()
    (card,) = [c for c in board["ready"] if c["flow_id"] == flow_id]
    return card


def declared_ready(api: Api) -> str:
    flow_id = api.open_flow()
    api.command(flow_id, "ready-for-discharge", {"ready_at": api.world.clock.now.isoformat()})
    return flow_id


def test_the_ministrys_example_ready_on_day_1_offer_told_on_day_4_gives_three_days(
    api: Api,
) -> None:
    flow_id = declared_ready(api)
    api.world.clock.advance(days=1)
    api.command(flow_id, "hospital-answer", {"can_receive": False, "expected_on": "2026-03-05"})
    running = ready_card(api, flow_id)["clock"]
    assert (running["state"], running["days"], running["answer"]["expected_on"]) == (
        "running",
        2,
        "2026-03-05",
    )
    api.world.clock.advance(days=2)
    api.command(flow_id, "hospital-answer", {"can_receive": True})
    api.world.clock.advance(days=6)

    card = ready_card(api, flow_id)

    assert (card["days_waiting"], card["cost_so_far"]) == (3, 3 * RATE_2026)
    assert (card["clock"]["state"], card["clock"]["since"]) == ("stopped", "2026-03-05")
    assert api.get("/boards/allocation").json()["waiting_days"] == 3


def test_an_offer_from_a_later_day_runs_until_that_day(api: Api) -> None:
    flow_id = declared_ready(api)
    api.command(flow_id, "hospital-answer", {"can_receive": True, "offer_from": "2026-03-04"})

    assert ready_card(api, flow_id)["clock"]["state"] == "running"
    api.world.clock.advance(days=5)
    assert ready_card(api, flow_id)["days_waiting"] == 2


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"can_receive": False, "offer_from": "2026-03-04"}, "answer_offer_needs_can_receive"),
        ({"can_receive": True, "expected_on": "2026-03-04"}, "answer_expected_needs_cannot"),
        ({"can_receive": True, "offer_from": "2026-03-01"}, "answer_day_past"),
        ({"can_receive": False, "expected_on": "2026-02-27"}, "answer_day_past"),
    ],
)
def test_an_answer_with_days_that_do_not_fit_is_refused_and_records_nothing(
    api: Api, body: dict[str, Any], code: str
) -> None:
    flow_id = declared_ready(api)
    before = api.flow(flow_id)["version"]

    refused = api.post(f"/flows/{flow_id}/hospital-answer", body)

    assert refused.status_code == 422, refused.text
    assert code in refused.text
    assert api.flow(flow_id)["version"] == before


def test_the_board_says_the_clock_in_words_and_answers_from_its_forms(
    api: Api, world: World
) -> None:
    flow_id = declared_ready(api)
    assert log_in(world.client).status_code == 303
    board = world.client.get("/tildeling").text
    assert "Ikke besvart: svar sykehuset i dag" in board
    assert "ikke besvart" in board  # the headline counts it
    token = csrf_token_of(world.client, "/tildeling")
    version = str(api.flow(flow_id)["version"])
    action = f"/tildeling/forlop/{flow_id}/hospital-answer"

    world.client.post(
        action,
        data={"csrf_token": token, "version": version, "can_receive": "false",
              "expected_on": "2026-03-06"},
    )  # fmt: skip
    not_yet = world.client.get("/tildeling").text
    assert "kan ikke ta imot ennå, tilbud ventet 6. mars" in " ".join(not_yet.split())
    assert "Betalingen løper fra 2. mars" in not_yet
    world.clock.advance(days=1)
    assert log_in(world.client).status_code == 303  # a new working day, a new session
    token = csrf_token_of(world.client, "/tildeling")
    version = str(api.flow(flow_id)["version"])
    world.client.post(
        action,
        data={"csrf_token": token, "version": version, "can_receive": "true",
              "offer_from": "2026-03-03"},
    )  # fmt: skip

    stopped = " ".join(world.client.get("/tildeling").text.split())
    assert "Betalingen stoppet 3. mars: tilbud klart" in stopped
    assert "tilbud klart fra 3. mars" in stopped
