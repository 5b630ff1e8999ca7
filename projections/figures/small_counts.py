"""Small counts on leader pages: a count of 1 or 2 is shown as "<3", and cannot be worked
out from what else is shown.

A count of one or two people or events is suppressed (primary). Nobody is told of by a
zero, so a zero is shown. Someone holding the sum of a line — a row or a column, from
another figure, another period or common knowledge — could subtract the shown cells and get
a small one back, so a line with a suppressed cell also hides cells of 3 or more
(secondary, the smallest that will do) until each small one could as well be the other
small number: the sum then tells what the hidden cells add up to, never what a small one
is. A 1 whose line holds nothing but 3s beside it cannot be hidden that way (1 + 3 is never
2 + 2); a line with no cell of 3 or more has a small sum. No table shows totals.

The figures' columns are whole months that are over, and a cell is one month's
(`projections/figures/queries.py`, `Period.whole_months`), so no line runs across months
(`hidden_by_month`): whether a cell is hidden is decided by its month's counts alone, and is
the same in every period that holds the month. Were a row over the months asked for a line,
a period of one month more could hide a cell another period shows, and the two together
would tell it.

Values derived from a count (a share, a median, a cost) are shown only where their count
is, and ":" where it is not; a count hidden to protect a small one also shows ":".
"""

from __future__ import annotations

from collections.abc import Sequence

SMALL = 3
SUPPRESSED = "<3"
#: A cell hidden so that a small one cannot be worked out, and a value derived from a hidden
#: count (Statistics Norway's sign for "not shown, for confidentiality").
WITHHELD = ":"

Value = int | float | str | None


def hidden(counts: Sequence[Sequence[int]], both_ways: bool = True) -> list[list[bool]]:
    """Which cells of a table of counts to hide: rows are lines, and columns too when the
    columns add up to something (`both_ways`)."""
    hide = [[0 < count < SMALL for count in row] for row in counts]
    changed = True
    while changed:  # hiding a cell in a row may leave its column needing one more
        changed = False
        lines = [[(r, c) for c in range(len(row))] for r, row in enumerate(counts)]
        if both_ways and counts:
            lines += [[(r, c) for r in range(len(counts))] for c in range(len(counts[0]))]
        for line in lines:
            if _needs_secondary(counts, hide, line):
                r, c = min(
                    ((r, c) for r, c in line if not hide[r][c] and counts[r][c] >= SMALL),
                    key=lambda rc: (counts[rc[0]][rc[1]] == SMALL, counts[rc[0]][rc[1]]),
                )
                hide[r][c] = changed = True
    return hide


def hidden_by_month(counts: Sequence[Sequence[int]], both_ways: bool) -> list[list[bool]]:
    """Which cells of a table of counts by month (its columns) to hide, each month by itself:
    a month's rows are a line when they add up to something (`both_ways`)."""
    hide = [[False] * len(row) for row in counts]
    for column in range(len(counts[0]) if counts else 0):
        month = hidden([[row[column]] for row in counts], both_ways)
        for row, (cell,) in zip(hide, month, strict=True):
            row[column] = cell
    return hide


def _needs_secondary(
    counts: Sequence[Sequence[int]], hide: list[list[bool]], line: list[tuple[int, int]]
) -> bool:
    """A line whose sum would tell a hidden small cell, with a large cell left to hide."""
    large_shown = any(not hide[r][c] and counts[r][c] >= SMALL for r, c in line)
    return large_shown and any(told_by_sum([counts[r][c] for r, c in line if hide[r][c]]))


def told_by_sum(hidden_cells: Sequence[int]) -> list[bool]:
    """For each hidden cell, whether the sum of the hidden cells tells it: a 1 or a 2 is
    told unless another hidden cell can give or take the one between them (a 2 or a cell
    of 4 or more for a 1; a 1 or any cell of 3 or more for a 2). Large cells are not told."""
    told = []
    for i, cell in enumerate(hidden_cells):
        others = [c for j, c in enumerate(hidden_cells) if j != i]
        if cell == 1:
            told.append(not any(c == 2 or c >= SMALL + 1 for c in others))
        elif cell == 2:
            told.append(not any(c == 1 or c >= SMALL for c in others))
        else:
            told.append(False)
    return told


def shown(value: int | float | None, hide: bool) -> Value:
    """A count as shown: itself, "<3", or ":" when hidden to protect a small one."""
    if not hide:
        return value
    return SUPPRESSED if isinstance(value, int) and 0 < value < SMALL else WITHHELD


def derived(value: float | None, hide: bool) -> Value:
    """A value worked out from a count (a share, a median, a cost): shown where it is."""
    return WITHHELD if hide else value
