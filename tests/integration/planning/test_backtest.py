"""The forecast's backtest on the simulator (issue 29) is reproducible for a seed: a short
run of a small municipality, twice, gives the same errors for the forecast and for "as
today", at every horizon (the full year is `tests/bench/test_forecast_backtest.py`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from boards.services.system import open_system
from boards.settings import Settings
from fixtures.simulation.backtest import HORIZONS, Scores, backtest


def _run(path: Path) -> Scores:
    system = open_system(Settings(database_url=f"sqlite:///{path}"), durable=False)
    try:
        return backtest(
            system, days=40, inhabitants=4000, seed=3, start=date(2026, 2, 2), warm_up=14
        )
    finally:
        system.close()


def test_the_backtest_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    first, again = _run(tmp_path / "a.db"), _run(tmp_path / "b.db")

    assert first == again
    assert first.scored == {1: 26, 3: 24, 7: 20, 14: 13}
    assert set(first.forecast) == set(first.naive) and ("", 14) in first.forecast
    assert all(first.forecast[("", h)] >= 0 for h in HORIZONS)
