"""Two caseworkers racing for one bed: exactly one wins, every round, on both stores.

A reservation saves the flow and the unit in one transaction; the unit's version is the
lock. Threads share one application; processes each open their own, as several server
processes behind a load balancer would.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from support.world import open_flows

from access.database import connect, startup_lock
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.errors import BedTakenError, ConcurrentChangeError, FlowError
from flow.flow_values import Decision
from flow.national_id import with_check_digits
from flow.vocabulary import BedStatus, ServiceKind, Source, UnitKind

if TYPE_CHECKING:
    from support.world import World

ROUNDS = 200
HTTP_ROUNDS = 50
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: The refusals a loser may get: the bed was taken, or the unit changed under it.
LOSING = {BedTakenError.__name__, ConcurrentChangeError.__name__}
WON = "won"
PATIENT = with_check_digits("018180123") or ""


def open_decided_flows(flows: Pasientflyt, by: Actor, unit_id: UUID, count: int) -> list[Round]:
    """Pairs of hospital patients with a short-term decision for the unit, free to reserve."""
    decision = Decision(ServiceKind.SHORT_TERM_STAY.value, unit_id, None, date(2026, 3, 3), None)
    versions = {}
    for n in range(2 * count):
        flow_id = flows.open_flow(
            PATIENT, f"Pasient {n}", Source.HOSPITAL, "Sykehuset", "Korttid", by=by, at=AT
        )
        versions[flow_id] = flows.decide_service(flow_id, decision, by=by, at=AT)
    opened = list(versions)
    return [
        Round((opened[2 * n], opened[2 * n + 1]), versions_before=versions) for n in range(count)
    ]


def outcome(attempt: Any) -> str:
    """`won`, or the name of the refusal; anything that is no refusal names itself too."""
    try:
        attempt()
    except (FlowError, Conflict) as refusal:
        return type(refusal).__name__
    except Exception as error:  # the round reports it, and fails
        return f"unexpected {type(error).__name__}: {error}"
    return WON


@dataclass
class Round:
    """What both racers saw in one round, and what the store holds afterwards."""

    flows: tuple[UUID, UUID]
    versions_before: dict[UUID, int]
    outcomes: dict[int, str] = field(default_factory=dict)

    def winner(self) -> UUID:
        (racer,) = [r for r, seen in self.outcomes.items() if seen == WON]
        return self.flows[racer]

    def check(self, losing: set[str] = LOSING) -> None:
        assert sorted(self.outcomes) == [0, 1], "both attempts must have run"
        assert list(self.outcomes.values()).count(WON) == 1, self.outcomes
        (lost,) = [seen for seen in self.outcomes.values() if seen != WON]
        assert lost in losing, self.outcomes


def check_store(flows: Pasientflyt, by: Actor, unit_id: UUID, bed: str, rounds: Round) -> None:
    """The bed holds the winner; the loser's flow recorded nothing."""
    winner = rounds.winner()
    (loser,) = [f for f in rounds.flows if f != winner]
    beds = {b.name: b for b in flows.unit(unit_id, by).beds}
    assert (beds[bed].status, beds[bed].flow_id) == (BedStatus.RESERVED, winner)
    lost = flows.flow(loser, by)
    assert lost.reservation is None
    assert lost.version == rounds.versions_before[loser]


def race_rounds(
    rounds: list[Round], attempt: Any, after_round: Any, losing: set[str] = LOSING
) -> None:
    """Two threads start each round on one barrier; the main thread checks between rounds."""
    start, done = threading.Barrier(3, timeout=30), threading.Barrier(3, timeout=30)

    def racer(number: int) -> None:
        for this in rounds:
            start.wait()
            this.outcomes[number] = outcome(partial(attempt, number, this.flows[number]))
            done.wait()

    threads = [threading.Thread(target=racer, args=(n,), daemon=True) for n in (0, 1)]
    for thread in threads:
        thread.start()
    try:
        for this in rounds:
            start.wait()
            done.wait()
            this.check(losing)
            after_round(this)
    finally:
        start.abort()
        done.abort()
        for thread in threads:
            thread.join(timeout=30)


def test_two_threads_reserving_one_bed_for_two_flows_leave_exactly_one_winner(
    world: World,
) -> None:
    flows, by, kort = world.flows, world.actor(), world.unit("KORT")
    rounds = open_decided_flows(flows, by, kort, ROUNDS)

    def reserve(_: int, flow_id: UUID) -> None:
        flows.reserve_bed(flow_id, kort, "1", by=by, at=AT)

    def settle(this: Round) -> None:
        check_store(flows, by, kort, "1", this)
        flows.cancel_reservation(this.winner(), "Neste runde", by=by, at=AT)

    race_rounds(rounds, reserve, settle)

    assert sum(len(r.outcomes) for r in rounds) == 2 * ROUNDS
    assert len({r.winner() for r in rounds}) == ROUNDS
    assert all(b.status == BedStatus.FREE for b in flows.unit(kort, by).beds)


def test_two_caseworkers_racing_over_http_get_one_200_and_one_409(world: World) -> None:
    flows, by, kort = world.flows, world.actor(), world.unit("KORT")
    rounds = open_decided_flows(flows, by, kort, HTTP_ROUNDS)
    body = {"unit_id": str(kort), "bed": "2"}
    caseworkers = [TestClient(world.client.app), TestClient(world.client.app)]
    statuses: Counter[int] = Counter()

    def reserve(racer: int, flow_id: UUID) -> None:
        response = caseworkers[racer].post(
            f"/api/v1/flows/{flow_id}/reservation", json=body, headers=world.headers()
        )
        statuses[response.status_code] += 1
        if response.status_code == 409:
            raise Conflict(response.json()["detail"])
        assert response.status_code == 200, response.text

    def settle(this: Round) -> None:
        check_store(flows, by, kort, "2", this)
        flows.cancel_reservation(this.winner(), "Neste runde", by=by, at=AT)

    race_rounds(rounds, reserve, settle, losing={Conflict.__name__})

    assert statuses == {200: HTTP_ROUNDS, 409: HTTP_ROUNDS}


class Conflict(Exception):
    """The API's 409, whichever refusal it carried."""


# -- two processes on one PostgreSQL -------------------------------------------------------


def race_in_own_process(
    database_url: str,
    racer: int,
    by: Actor,
    unit_id: UUID,
    flow_ids: list[UUID],
    beds: list[str],
    barrier: Any,
    results: Any,
) -> None:
    """One server process: its own application, one reservation per round, in step."""
    engine = connect(database_url)
    with startup_lock(engine):  # as `open_system` starts a server process
        flows = open_flows(database_url)
    engine.dispose()
    seen: list[str] = []
    try:
        for flow_id, bed in zip(flow_ids, beds, strict=True):
            barrier.wait()
            seen.append(outcome(partial(flows.reserve_bed, flow_id, unit_id, bed, by=by, at=AT)))
    except Exception as error:  # reported, so the test fails with the cause
        seen.append(f"unexpected {type(error).__name__}: {error}")
    finally:
        results.put((racer, seen))
        flows.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres_url"], indirect=True)
def test_two_processes_reserving_one_bed_for_two_flows_leave_exactly_one_winner(
    world: World, database_url: str
) -> None:
    flows, by = world.flows, world.actor()
    admin = Actor("oppsett", "admin", by.municipality_id)
    beds = [f"R{n}" for n in range(ROUNDS)]
    race = flows.register_unit("RACE", "Kappløp", UnitKind.REHAB, beds, by=admin, at=AT)
    rounds = open_decided_flows(flows, by, race, ROUNDS)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2, timeout=60), context.Queue()
    racers = [
        context.Process(
            target=race_in_own_process,
            args=(database_url, n, by, race, [r.flows[n] for r in rounds], beds, barrier, results),
        )
        for n in (0, 1)
    ]
    for process in racers:
        process.start()
    try:
        reports = dict(results.get(timeout=120) for _ in racers)
    finally:
        for process in racers:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()

    assert [p.exitcode for p in racers] == [0, 0]
    assert [len(reports[n]) for n in (0, 1)] == [ROUNDS, ROUNDS], "every attempt must have run"
    for n, (this, bed) in enumerate(zip(rounds, beds, strict=True)):
        this.outcomes = {0: reports[0][n], 1: reports[1][n]}
        this.check()
        check_store(flows, by, race, bed, this)
    assert len({this.winner() for this in rounds}) == ROUNDS
