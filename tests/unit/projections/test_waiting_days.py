"""The waiting-day statement from hand-made `ready_periods` rows: which waits a month lists,
the paid days the payment clock counts in it, each year's rate, and the sums."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, insert

from access.database import connect, create_tables
from flow.rates import NATIONAL_DAILY_RATES
from projections.flow_cards import cards
from projections.ready_periods import periods
from projections.waiting_days import STILL_WAITING, UNKNOWN_HOSPITAL, Statement, statement

HERE = uuid4()
RATES = {**NATIONAL_DAILY_RATES, 2025: 6000, 2026: 6200}
NOW = datetime(2026, 3, 20, 11, 0, tzinfo=UTC)  # Friday 20 March 2026 in Oslo
OSLO_NOON = "T12:00:00+01:00"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    made = connect(sqlite_url)
    create_tables(made, [cards, periods])
    yield made
    made.dispose()


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + OSLO_NOON)


def told(day: str, *, offer: str | None = None, expected: str | None = None) -> dict[str, Any]:
    """An answer as `ready_periods` keeps it: an offer (`offer` its day, the day told when
    empty) when `expected` is not given, else "cannot receive"."""
    can_receive = expected is None
    return {
        "told_at": at(day).isoformat(),
        "can_receive": can_receive,
        "offer_from": (offer or day) if can_receive else None,
        "expected_on": expected,
    }


def wait(
    engine: Engine,
    ready: str,
    *,
    name: str = "Kari Nordmann",
    answers: tuple[dict[str, Any], ...] = (),
    ended: str | None = None,
    ended_by: str | None = "arrival",
    hospital: tuple[str, str] = ("Sykehuset Test HF", "8000001"),
    municipality: UUID = HERE,
) -> UUID:
    flow_id = uuid4()
    card = {
        "flow_id": flow_id,
        "municipality_id": municipality,
        "version": 1,
        "name": name,
        "national_id": "01018012371",
        "phase": "ready",
        "source": "hospital",
        "location": hospital[0],
        "need": "",
        "opened_at": at(ready),
        "ready_period": 1,
        "flags": [],
        "changed_at": at(ready),
    }
    period = {
        "flow_id": flow_id,
        "number": 1,
        "municipality_id": municipality,
        "hospital": hospital[0],
        "hospital_her": hospital[1],
        "ready_at": at(ready),
        "estimate": False,
        "answers": list(answers),
        "ended_at": at(ended) if ended else None,
        "ended_by": ended_by if ended else None,
    }
    with engine.begin() as db:
        db.execute(insert(cards).values(card))
        db.execute(insert(periods).values(period))
    return flow_id


def march(engine: Engine, hospital: str | None = None, month: date = date(2026, 3, 1)) -> Statement:
    return statement(engine, HERE, month, hospital, NOW, RATES)


def test_the_ministrys_example_gives_three_days_at_the_years_rate(engine: Engine) -> None:
    flow_id = wait(engine, "2026-03-02", answers=(told("2026-03-02", expected="2026-03-05"),
                                                  told("2026-03-05")))  # fmt: skip
    found = march(engine)
    ((row,),) = [part.rows for part in found.parts]
    assert (row.flow_id, row.days, row.rate, row.amount) == (flow_id, 3, 6200, 3 * 6200)
    assert row.end_text == STILL_WAITING and row.ended_on is None
    assert [a.told_on for a in row.answers] == [date(2026, 3, 2), date(2026, 3, 5)]
    assert (found.days, found.amount) == (3, 3 * 6200)


def test_an_offer_on_the_ready_day_is_listed_with_no_days(engine: Engine) -> None:
    wait(engine, "2026-03-10", answers=(told("2026-03-10"),))
    ((row,),) = [part.rows for part in march(engine).parts]
    assert (row.days, row.amount) == (0, 0)


def test_an_open_wait_counts_to_today_in_the_current_month(engine: Engine) -> None:
    wait(engine, "2026-03-16")
    ((row,),) = [part.rows for part in march(engine).parts]
    assert row.days == 5  # 16 to 20 March, today included, as the card counts
    assert march(engine).counted_to == date(2026, 3, 20)


def test_a_wait_across_a_month_is_split_between_the_months(engine: Engine) -> None:
    wait(engine, "2026-01-29", ended="2026-02-03", ended_by="discharge")
    january = march(engine, month=date(2026, 1, 15))
    february = march(engine, month=date(2026, 2, 1))
    assert [r.days for p in january.parts for r in p.rows] == [3]  # 29, 30, 31
    assert [r.days for p in february.parts for r in p.rows] == [2]  # 1, 2
    (row,) = february.parts[0].rows
    assert row.ended_on == date(2026, 2, 3) and row.end_text == "skrevet ut fra sykehuset"
    assert march(engine).parts == ()  # ended before March began


def test_each_month_pays_its_years_rate_and_a_missing_year_carries_forward(
    engine: Engine,
) -> None:
    wait(engine, "2025-12-30", ended="2026-01-02")
    december = statement(engine, HERE, date(2025, 12, 1), None, NOW, RATES)
    january = statement(engine, HERE, date(2026, 1, 1), None, NOW, RATES)
    assert [(r.days, r.rate, r.amount) for r in december.parts[0].rows] == [(2, 6000, 12000)]
    assert [(r.days, r.rate, r.amount) for r in january.parts[0].rows] == [(1, 6200, 6200)]
    assert not january.parts[0].rows[0].rate_carried_forward
    national = statement(engine, HERE, date(2026, 1, 1), None, NOW, NATIONAL_DAILY_RATES)
    (row,) = national.parts[0].rows
    assert (row.rate, row.rate_year, row.rate_carried_forward) == (5745, 2024, True)


def test_a_wait_ending_on_the_months_first_day_or_ready_after_it_is_not_listed(
    engine: Engine,
) -> None:
    wait(engine, "2026-02-20", ended="2026-03-01")
    wait(engine, "2026-04-01")
    wait(engine, "2026-03-25")  # an estimated day still to come
    assert march(engine).parts == ()
    assert march(engine, month=date(2026, 4, 1)).parts == ()  # not begun


def test_sums_are_per_hospital_and_for_the_month_and_the_filter_narrows(
    engine: Engine,
) -> None:
    wait(engine, "2026-03-02", ended="2026-03-04")
    wait(engine, "2026-03-03", ended="2026-03-06", name="Ola Nordmann")
    wait(engine, "2026-03-05", ended="2026-03-06", hospital=("Sykehuset Øst HF", "8000009"))
    wait(engine, "2026-03-09", ended="2026-03-19", hospital=("", ""))
    wait(engine, "2026-03-09", municipality=uuid4())  # another municipality's
    found = march(engine)
    assert [(p.hospital, p.hospital_her, p.days) for p in found.parts] == [
        ("Sykehuset Test HF", "8000001", 5),
        ("Sykehuset Øst HF", "8000009", 1),
        (UNKNOWN_HOSPITAL, "", 10),
    ]
    assert [p.amount for p in found.parts] == [5 * 6200, 6200, 10 * 6200]
    assert (found.days, found.amount) == (16, 16 * 6200)
    assert [h.key for h in found.hospitals] == ["8000001", "8000009", UNKNOWN_HOSPITAL]
    by_her, by_name = march(engine, "8000009"), march(engine, "Sykehuset Test HF")
    assert [p.hospital for p in by_her.parts] == ["Sykehuset Øst HF"]
    assert [len(p.rows) for p in by_name.parts] == [2] and by_name.days == 5
    assert by_her.hospitals == found.hospitals  # the filter's choices stay
    assert [p.hospital for p in march(engine, UNKNOWN_HOSPITAL).parts] == [UNKNOWN_HOSPITAL]
    assert march(engine, "Sykehuset Nord HF").parts == ()
