"""No two permitted queries of the leaders' figures can be differenced into what either hid
(issue 22, finding 2), over random histories on both stores: two ranges of months read at
one moment, and one range read at two moments after its months are over, the history told
on between them. For every cell (figure, row, month) both answers hold, the value is the
same, so no cell hidden in one ("<3" or ":") is a number in the other; and for every row,
the difference of the two answers' sums of shown counts is the sum of the shown counts in
the months only one of them holds — never a small count either hid, nor one stay's value."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from support.figure_histories import T0, Journey, Told, histories, month_of, told

from boards.exports.figures import figures_for
from boards.services.system import System, open_system
from boards.settings import Settings
from flow.payment_clock import next_month
from flow.rates import OSLO
from projections.figures.report import Figures
from projections.figures.small_counts import SUPPRESSED, WITHHELD

#: The figure that is a snapshot of now, not of the months: it may change between moments.
SNAPSHOT = "overdue_now"
Cell = tuple[str, str, str]


@pytest.fixture
def system(database_url: str) -> Iterator[System]:
    opened = open_system(Settings(database_url=database_url))
    yield opened
    opened.close()


def cells(figures: Figures) -> dict[Cell, Any]:
    return {
        (table.key, row.label, column): value
        for table in figures.every_table()
        for row in table.rows
        for column, value in zip(table.columns, row.values, strict=True)
    }


def rows(figures: Figures) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (table.key, row.label): dict(zip(table.columns, row.values, strict=True))
        for table in figures.every_table()
        for row in table.rows
    }


def shown_sum(values: dict[str, Any], months: set[str]) -> int:
    return sum(v for m, v in values.items() if m in months and type(v) is int)


def assert_cannot_be_differenced(one: Figures, other: Figures, same_moment: bool) -> None:
    mine, theirs = cells(one), cells(other)
    for cell in mine.keys() & theirs.keys():
        if cell[0] == SNAPSHOT and not same_moment:
            continue
        assert mine[cell] == theirs[cell], cell
        for a, b in ((mine[cell], theirs[cell]), (theirs[cell], mine[cell])):
            if a in (SUPPRESSED, WITHHELD):
                assert b == a, cell  # never a number where the other hides it
    by_row, other_rows = rows(one), rows(other)
    for key in by_row.keys() & other_rows.keys():
        if key[0] == SNAPSHOT:
            continue
        a, b = by_row[key], other_rows[key]
        only_a, only_b = set(a) - set(b), set(b) - set(a)
        difference = shown_sum(a, set(a)) - shown_sum(b, set(b))
        assert difference == shown_sum(a, only_a) - shown_sum(b, only_b), key
    columns = {t.key: set(t.columns) for t in one.every_table()}
    other_columns = {t.key: set(t.columns) for t in other.every_table()}
    for key in by_row.keys() ^ other_rows.keys():  # a row one answer has not: nothing in it
        values = by_row[key] if key in by_row else other_rows[key]
        shared = columns[key[0]] & other_columns[key[0]]
        assert all(values.get(m) in (None, 0) for m in shared), key


def months_over(now: datetime) -> list[date]:
    found, month, last = [], month_of(T0), month_of(now)
    while month < last:
        found.append(month)
        month = next_month(month)
    return found


@st.composite
def readings(draw: st.DrawFn) -> tuple[datetime, datetime, tuple[date, date], tuple[date, date]]:
    """Two moments, the second after the first, and two ranges of months over at the first:
    the first often just after a month's end, when what follows a month's events is still
    to come."""
    month = month_of(T0 + timedelta(days=draw(st.integers(40, 150))))
    after_its_start = draw(st.integers(0, 24 * 4) | st.integers(0, 24 * 27))
    first = datetime.combine(month, time(), OSLO) + timedelta(hours=after_its_start, minutes=1)
    second = first + timedelta(days=draw(st.integers(1, 75)), hours=draw(st.integers(0, 23)))
    over = months_over(first)

    def a_range() -> tuple[date, date]:
        start = draw(st.integers(0, len(over) - 1))
        end = draw(st.integers(start, len(over) - 1))
        day = draw(st.integers(1, 28))  # any day of a month stands for the month
        return over[start].replace(day=day), over[end]

    return first, second, a_range(), a_range()


# Each example is a municipality of its own, told through the application: kept to a number
# of examples the suite affords on both stores, in any profile.
@pytest.mark.timeout(900)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, when=readings())
def test_no_two_permitted_queries_tell_a_hidden_count_or_one_stay(
    system: System,
    history: list[Journey],
    when: tuple[datetime, datetime, tuple[date, date], tuple[date, date]],
) -> None:
    first, second, one, other = when
    note(f"read at {first} and {second}, months {one} and {other}")
    story: Told = told(system, history)
    story.until(first)
    at_first = figures_for(system, story.leader, *one, first)
    beside = figures_for(system, story.leader, *other, first)
    assert_cannot_be_differenced(at_first, beside, same_moment=True)
    story.until(second)
    later = figures_for(system, story.leader, *one, second)
    assert_cannot_be_differenced(at_first, later, same_moment=False)
    assert later.months == at_first.months
