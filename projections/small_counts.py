"""Small counts on leader pages: a count under 3 is shown as "<3", and cannot be worked out
from what else is shown.

A count under the threshold is suppressed (primary). Someone holding the sum of a line — a
row or a column, from another figure, another period or common knowledge — could subtract
the shown cells and get it back, so every line with a suppressed cell also hides a cell of
3 or more (secondary, the smallest such cell): the sum then tells only that the hidden cells
add up to something, never what a small one is. A line whose cells are all small is hidden
whole. No table shows totals. Values derived from a count (a share, a median, a cost) are
shown only where their count is, and ":" where it is not; a count hidden to protect a small
one also shows ":".
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
    hide = [[count < SMALL for count in row] for row in counts]
    changed = True
    while changed:  # hiding a cell in a row may leave its column needing one more
        changed = False
        lines = [[(r, c) for c in range(len(row))] for r, row in enumerate(counts)]
        if both_ways and counts:
            lines += [[(r, c) for r in range(len(counts))] for c in range(len(counts[0]))]
        for line in lines:
            if _needs_secondary(counts, hide, line):
                r, c = min(
                    ((r, c) for r, c in line if not hide[r][c]), key=lambda rc: counts[rc[0]][rc[1]]
                )
                hide[r][c] = changed = True
    return hide


def _needs_secondary(
    counts: Sequence[Sequence[int]], hide: list[list[bool]], line: list[tuple[int, int]]
) -> bool:
    """A line with a small cell hidden, no large one hidden, and a cell left to hide."""
    hidden_cells = [counts[r][c] for r, c in line if hide[r][c]]
    shown = any(not hide[r][c] for r, c in line)
    return bool(hidden_cells) and max(hidden_cells) < SMALL and shown


def shown(value: int | float | None, hide: bool) -> Value:
    """A count as shown: itself, "<3", or ":" when hidden to protect a small one."""
    if not hide:
        return value
    return SUPPRESSED if isinstance(value, int) and value < SMALL else WITHHELD


def derived(value: float | None, hide: bool) -> Value:
    """A value worked out from a count (a share, a median, a cost): shown where it is."""
    return WITHHELD if hide else value
