"""The leaders' charts: rows as the series of one chart, a group of bars per month, each
series its own pattern; a hidden value gets no bar, only its sign."""

from __future__ import annotations

from boards.exports.charts import HEIGHT, series_chart
from projections.figures.table import FigureRow


def test_rows_are_the_series_of_one_chart_side_by_side_in_each_month() -> None:
    rows = [FigureRow("Solsiden", [50.0, 25.0]), FigureRow("Fjordly", [":", 100.0])]
    chart = series_chart("Belegg", "prosent", rows, ["nov. 26", "des. 26"], str)
    assert chart.series == ["Solsiden", "Fjordly"]
    assert [t.label for t in chart.ticks] == ["nov. 26", "des. 26"]
    assert [(b.series, b.value) for b in chart.bars] == [
        (0, "50.0"),
        (0, "25.0"),
        (1, ":"),
        (1, "100.0"),
    ]
    solsiden_november, _, fjordly_november, fjordly_december = chart.bars
    assert fjordly_november.height == 0  # hidden: its sign, no bar
    assert fjordly_december.height == 2 * solsiden_november.height
    assert fjordly_december.y + fjordly_december.height == chart.baseline < HEIGHT
    # In a month, the series stand side by side in the order of the legend.
    assert solsiden_november.x + solsiden_november.width == fjordly_november.x
    # Each month's name stands under the middle of its group.
    for bar, tick in zip(chart.bars[:2], chart.ticks, strict=True):
        assert bar.x + bar.width == tick.x


def test_a_bar_too_narrow_for_its_value_leaves_it_to_the_table() -> None:
    rows = [FigureRow(f"Enhet {n}", [n] * 12) for n in range(4)]
    chart = series_chart("Belegg", "prosent", rows, [f"{m}" for m in range(12)], str)
    assert len(chart.bars) == 48
    assert {b.value for b in chart.bars} == {""}
