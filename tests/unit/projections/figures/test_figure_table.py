"""A table of counts by month: small counts hidden each month by itself, and a value worked
out from counts (a share, a median, a cost) shown only where every count it comes from is."""

from __future__ import annotations

from projections.figures.table import counted


def test_a_share_is_hidden_where_any_count_it_is_worked_out_from_is() -> None:
    table = counted(
        "readmissions",
        "Reinnleggelser",
        ["2026-03", "2026-04", "2026-05"],
        [("Utskrevet hjem", [10, 10, 0]), ("Reinnlagt", [1, 5, 0])],
        [("Andel (%)", [10.0, 50.0, None], (0, 1))],
        both_ways=False,
    )
    values = {row.label: row.values for row in table.rows}
    # 10 % of the 10 shown would tell the 1 hidden.
    assert values == {
        "Utskrevet hjem": [10, 10, 0],
        "Reinnlagt": ["<3", 5, 0],
        "Andel (%)": [":", 50.0, None],
    }


def test_each_month_is_hidden_by_itself_whatever_months_are_beside_it() -> None:
    """A row over months is no line: a 1 in March hides nothing of April."""
    both = counted("x", "X", ["2026-03", "2026-04"], [("Brukt", [1, 4])], both_ways=True)
    april = counted("x", "X", ["2026-04"], [("Brukt", [4])], both_ways=True)
    assert both.rows[0].values == ["<3", 4] and april.rows[0].values == [4]
