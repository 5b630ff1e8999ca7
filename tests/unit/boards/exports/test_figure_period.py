"""The months the leaders' page shows when none is asked for: those that have data, at most
the last twelve over."""

from __future__ import annotations

from datetime import UTC, date, datetime

from boards.exports.period import first_with_data, months

#: 6 December 2026 in Oslo: November is the last month over.
NOW = datetime(2026, 12, 6, 18, tzinfo=UTC)


def test_the_first_month_with_data_begins_the_period() -> None:
    assert first_with_data(date(2026, 10, 17), NOW) == date(2026, 10, 1)
    assert months(first_with_data(date(2026, 10, 17), NOW), None, NOW) == (
        date(2026, 10, 1),
        date(2026, 11, 1),
    )


def test_data_older_than_twelve_months_over_begins_the_twelve() -> None:
    assert first_with_data(date(2019, 3, 1), NOW) == date(2025, 12, 1)
    assert first_with_data(date(2025, 12, 31), NOW) == date(2025, 12, 1)
    assert first_with_data(date(2025, 11, 30), NOW) == date(2025, 12, 1)


def test_with_no_data_before_this_month_no_month_over_is_shown() -> None:
    for first in (None, date(2026, 12, 1), date(2026, 12, 6)):
        start = first_with_data(first, NOW)
        assert start == date(2026, 12, 1)
        assert months(start, None, NOW) == (date(2026, 12, 1), date(2026, 12, 1))


def test_the_first_of_a_month_in_oslo_is_that_month() -> None:
    new_year_in_oslo = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January
    assert first_with_data(date(2026, 12, 31), new_year_in_oslo) == date(2026, 12, 1)
