"""One rule, three readers: over random histories recorded through the application (ready
notices, answers of every kind, withdrawals and deaths), for every month the waiting-day
statement's sum equals what the leaders' figures count, each open wait's card says what its
statement lines add up to, and each wait's lines add up to the payment clock applied to the
history as it was recorded, not as the read models kept it. On a real SQLite file."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.api_client import NATIONAL_IDS

from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.municipalities import MunicipalitySpec, install
from flow.actor import Actor
from flow.payment_clock import Answer, ReadyPeriod, next_month
from flow.rates import OSLO
from flow.vocabulary import ClosingReason, Source
from projections.cards import load_card
from projections.figures import queries
from projections.figures.waiting import waiting_by_month
from projections.ready_periods import period_of
from projections.waiting_days import statement

FIRST = date(2025, 11, 20)  # over New Year, at two rates, and over several months' ends
NOW = datetime.combine(FIRST + timedelta(days=100), time(15), tzinfo=OSLO)
RATES = {2025: 6000, 2026: 6100}
numbers = itertools.count(5000)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    path: Path = tmp_path_factory.mktemp("waits") / "waits.db"
    opened = open_system(Settings(database_url=f"sqlite:///{path}"))
    yield opened
    opened.close()


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=OSLO)


answers = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=40),  # told, days after the ready day
        st.integers(min_value=9, max_value=22),  # the hour (the notice came at 8)
        st.booleans(),  # an offer ready; else cannot receive, expected some day
        st.integers(min_value=0, max_value=5),  # the offer's or the expected day, after told
    ),
    max_size=4,
)
waits = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=95),  # ready, days after FIRST
        answers,
        st.none() | st.tuples(st.integers(min_value=0, max_value=60), st.booleans()),  # end
    ),
    min_size=1,
    max_size=5,
)


def recorded(
    system: System, history: list[tuple[int, list, tuple[int, bool] | None]]
) -> tuple[UUID, dict[UUID, ReadyPeriod]]:
    """A new municipality with the history's waits recorded by commands; each flow's wait
    as the payment clock reads it from what was recorded."""
    spec = MunicipalitySpec(number=str(next(numbers)), name="Ventekommune", units=[], zones=[],
                            users=[])  # fmt: skip
    install(system.flows, system.accounts, system.grants, spec, at(FIRST, 7))
    office = Actor("saksbehandler", "allocation", spec.id)
    flows = system.flows
    told: dict[UUID, ReadyPeriod] = {}
    for national_id, (ready_after, given_answers, end) in zip(NATIONAL_IDS, history, strict=False):
        ready = FIRST + timedelta(days=ready_after)
        opened = at(ready, 7)
        flow_id = flows.open_flow(national_id, "Kari Nordmann", Source.HOSPITAL, "Ahus", "",
                                  by=office, at=opened)  # fmt: skip
        flows.notify_ready_for_discharge(flow_id, at(ready, 8), False, by=office, at=at(ready, 8))
        ended = at(ready + timedelta(days=end[0]), 23) if end else None
        kept = []
        for after, hour, offer, days in sorted(given_answers):
            moment = at(ready + timedelta(days=after), hour)
            if moment > NOW or (ended is not None and moment >= ended):
                continue
            day = moment.date() + timedelta(days=days)
            flows.answer_hospital(flow_id, offer, "", day if offer else None,
                                  None if offer else day, by=office, at=moment)  # fmt: skip
            kept.append(Answer(moment, offer, day if offer else None, None if offer else day))
        if end is not None and ended is not None and ended <= NOW:
            if end[1]:
                flows.withdraw_ready_for_discharge(flow_id, "", by=office, at=ended)
            else:
                flows.close_flow(flow_id, ClosingReason.DIED, "", by=office, at=ended)
        else:
            ended = None
        told[flow_id] = ReadyPeriod(at(ready, 8), False, tuple(kept), ended)
    system.projector.catch_up()
    return spec.id, told


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=waits)
def test_the_statement_the_figures_and_the_cards_count_the_same_days(
    system: System, history: list[tuple[int, list, tuple[int, bool] | None]]
) -> None:
    municipality, told = recorded(system, history)
    today = NOW.date()
    month, by_flow = FIRST.replace(day=1), dict.fromkeys(told, 0)
    while month <= today:
        last = next_month(month) - timedelta(days=1)
        stated = statement(system.engine, municipality, month, None, NOW, RATES)
        with system.engine.connect() as db:
            found = db.execute(queries.waits_in(queries.Period(month, min(last, today)),
                                                municipality)).mappings()  # fmt: skip
            waits_then = [period_of(dict(row)) for row in found]
        figures = waiting_by_month(waits_then, month, min(last, today), today, RATES)
        counted = figures.get(queries.month_key(month))
        assert (stated.days, stated.amount) == ((counted.paid, counted.cost) if counted else (0, 0))
        for part in stated.parts:
            for row in part.rows:
                by_flow[row.flow_id] += row.amount
        month = next_month(month)
    for flow_id, period in told.items():
        clock = period.clock(today, RATES)
        assert by_flow[flow_id] == clock.cost
        card = load_card(system.engine, municipality, flow_id, NOW, RATES)
        assert card is not None
        if period.ended_at is None:
            assert (card.days_waiting, card.cost_so_far) == (clock.days, clock.cost)
