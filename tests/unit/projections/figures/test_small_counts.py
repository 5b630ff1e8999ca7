"""Small counts: a 1 or a 2 reads "<3", and no line's sum gives one back; by month, a cell is
hidden or shown by its month alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.figures.small_counts import (
    SMALL,
    SUPPRESSED,
    WITHHELD,
    hidden,
    hidden_by_month,
    shown,
    told_by_sum,
)

tables = st.integers(1, 5).flatmap(
    lambda width: st.lists(
        st.lists(st.integers(0, 12), min_size=width, max_size=width), min_size=1, max_size=6
    )
)


def lines(counts: list[list[int]], both_ways: bool) -> list[list[tuple[int, int]]]:
    found = [[(r, c) for c in range(len(row))] for r, row in enumerate(counts)]
    if both_ways:
        found += [[(r, c) for r in range(len(counts))] for c in range(len(counts[0]))]
    return found


def possible_values(hidden_cells: list[int], index: int) -> set[int]:
    """Every value the hidden cell could have, to someone who knows the line's sum and that a
    "<3" is 1 or 2 and a ":" is 3 or more: brute force over small ranges."""
    total = sum(hidden_cells)
    ranges = [range(1, 3) if v < SMALL else range(SMALL, total + 1) for v in hidden_cells]
    found: set[int] = set()

    def walk(i: int, chosen: list[int]) -> None:
        if i == len(ranges):
            if sum(chosen) == total:
                found.add(chosen[index])
            return
        for value in ranges[i]:
            if sum(chosen) + value <= total:
                walk(i + 1, [*chosen, value])

    walk(0, [])
    return found


@given(tables, st.booleans())
def test_a_small_count_is_hidden_and_no_line_sum_tells_it(
    counts: list[list[int]], both_ways: bool
) -> None:
    hide = hidden(counts, both_ways)
    for row, row_hidden in zip(counts, hide, strict=True):
        for count, is_hidden in zip(row, row_hidden, strict=True):
            if 0 < count < SMALL:
                assert is_hidden and shown(count, is_hidden) == SUPPRESSED
            elif is_hidden:
                assert count >= SMALL and shown(count, is_hidden) == WITHHELD
            else:
                assert shown(count, is_hidden) == count
    for line in lines(counts, both_ways):
        cells = [counts[r][c] for r, c in line if hide[r][c]]
        large_left = any(not hide[r][c] and counts[r][c] >= SMALL for r, c in line)
        for i, cell in enumerate(cells):
            if cell >= SMALL:
                continue
            could_be = possible_values(cells, i)
            assert cell in could_be
            if len(could_be) == 1:  # told by the sum only where nothing was left to hide
                assert not large_left, (counts, hide, line)


def test_what_the_sum_of_hidden_cells_tells() -> None:
    assert told_by_sum([1]) == [True]
    assert told_by_sum([1, 3]) == [True, False]  # 2 + 2 is not allowed: a ":" is 3 or more
    assert told_by_sum([1, 4]) == [False, False]
    assert told_by_sum([2, 3]) == [False, False]
    assert told_by_sum([1, 2]) == [False, False]
    assert told_by_sum([2, 2]) == [True, True]


@given(tables, st.booleans(), st.data())
def test_by_month_a_cell_is_hidden_by_its_months_counts_alone(
    counts: list[list[int]], both_ways: bool, data: st.DataObject
) -> None:
    """Whatever months beside it are asked for, a month's cells are hidden alike; and within
    the month, a line when its rows add up to something, no sum tells a small one."""
    hide = hidden_by_month(counts, both_ways)
    first = data.draw(st.integers(0, len(counts[0]) - 1))
    last = data.draw(st.integers(first, len(counts[0]) - 1))
    asked = hidden_by_month([row[first : last + 1] for row in counts], both_ways)
    assert asked == [row[first : last + 1] for row in hide]
    for month in range(len(counts[0])):
        column = [[row[month]] for row in counts]
        assert [[row[month]] for row in hide] == hidden(column, both_ways)
