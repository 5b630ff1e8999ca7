"""The allocation board's planning (issue 29): the next free bed's suggestion follows its
stated rule, the page shows it with the rule and the next 14 days, and no forecast holds a
patient."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from lxml import html
from support.logins import log_in

from access.policy import viewer_of
from boards.services import board_reads
from boards.services.planning import planning
from fixtures.demo import synthetic_national_id
from flow.flow_values import Decision
from flow.vocabulary import SafetyFlag, ServiceKind, Source
from projections.forecast.suggestion import RULE

if TYPE_CHECKING:
    from support.world import World


def _waiting(world: World, name: str, *, ready_days_ago: int | None, flags: int = 0) -> UUID:
    """A patient decided for a stay on Korttid Test, without a bed: ready in hospital
    `ready_days_ago` days ago, or (None) referred from home."""
    office, now = world.actor(), world.clock()
    source = Source.HOME if ready_days_ago is None else Source.HOSPITAL
    national_id = synthetic_national_id(random.Random(name))
    flow_id = world.flows.open_flow(national_id, name, source, "Her", "Rehab", by=office, at=now)
    if ready_days_ago is not None:
        ready = now - timedelta(days=ready_days_ago)
        world.flows.notify_ready_for_discharge(flow_id, ready, False, by=office, at=now)
    decision = Decision(ServiceKind.SHORT_TERM_STAY, world.unit("KORT"), None, now.date(), None)
    world.flows.decide_service(flow_id, decision, by=office, at=now)
    for flag in list(SafetyFlag)[:flags]:
        world.flows.raise_safety_flag(flow_id, flag, by=office, at=now)
    return flow_id


def test_the_next_bed_goes_first_to_the_longest_paid_wait_then_the_most_flags(
    world: World,
) -> None:
    from_home = _waiting(world, "Hjemme Først", ready_days_ago=None, flags=3)
    short_wait = _waiting(world, "Kort Venting", ready_days_ago=2, flags=2)
    long_wait = _waiting(world, "Lang Venting", ready_days_ago=5)
    same_wait = _waiting(world, "Kort Ventingflagg", ready_days_ago=2, flags=3)
    viewer, now = viewer_of(world.accounts.find("saksbehandler")), world.clock()
    board = board_reads.allocation_board(world.system, viewer, now)

    plan = planning(world.system, viewer, board, now)

    korttid = next(s for s in plan.suggestions if s.unit_id == world.unit("KORT"))
    assert len(korttid.beds) == 4  # all free
    ranked = [c.card.flow_id for c in korttid.candidates]
    # paid days first (most first), flags between equal waits, the one from home last
    assert ranked == [long_wait, same_wait, short_wait, from_home]
    assert [c.payment_running for c in korttid.candidates] == [True, True, True, False]
    utredning = next(s for s in plan.suggestions if s.unit_id == world.unit("UTRED"))
    assert utredning.candidates == ()  # no one fits an assessment bed


def test_the_board_shows_the_next_14_days_and_the_next_bed_with_its_rule(world: World) -> None:
    _waiting(world, "Lang Venting", ready_days_ago=5)
    assert log_in(world.client).status_code == 303

    page = html.fromstring(world.client.get("/tildeling").text)

    planning_part = page.get_element_by_id("planning")
    text = " ".join(planning_part.text_content().split())
    assert RULE in text
    rows = planning_part.xpath(".//table[@class='forecast']/tbody/tr")
    assert [r.xpath("th")[0].text.strip() for r in rows] == ["Rehabilitering", "Utredning"]
    assert all(len(r.xpath("td")) == 14 for r in rows)
    first = planning_part.xpath(".//ol[@class='candidates']/li/strong")
    assert [s.text for s in first] == ["Lang Venting"]


def test_no_forecast_holds_a_patient(world: World) -> None:
    names = ["Lang Venting", "Kort Venting"]
    for days, name in enumerate(names, start=1):
        _waiting(world, name, ready_days_ago=days)
    viewer, now = viewer_of(world.accounts.find("saksbehandler")), world.clock()
    board = board_reads.allocation_board(world.system, viewer, now)

    ahead = planning(world.system, viewer, board, now).forecast

    said = json.dumps(dataclasses.asdict(ahead), default=str)
    assert not any(name in said for name in names)
    assert "national_id" not in said and "flow_id" not in said
