"""The bed forecast's backtest (issue 29) on a simulated year: each midnight the forecast
is made from what the read models knew then and laid against the free beds of the later
midnights, beside "as today" (the free beds now, for every day ahead). Reported: the mean
absolute error of free beds per unit kind and day at 1, 3, 7 and 14 days ahead, for each
kind and for all together; the forecast must beat "as today" at every horizon.

Sizes: BENCH_FORECAST_INHABITANTS (20,000: the simulator's default size), BENCH_DAYS (365).
Run: .venv/bin/pytest -p no:xdist -p no:randomly -s tests/bench/test_forecast_backtest.py
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest

from boards.services.system import open_system
from boards.settings import Settings
from fixtures.simulation.backtest import HORIZONS, backtest

INHABITANTS = int(os.environ.get("BENCH_FORECAST_INHABITANTS", "20000"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))


@pytest.mark.timeout(3600)
def test_the_morning_forecast_beats_as_today_at_every_horizon(tmp_path: Path) -> None:
    system = open_system(Settings(database_url=f"sqlite:///{tmp_path / 'year.db'}"))
    began = time.perf_counter()
    try:
        scores = backtest(
            system, days=DAYS, inhabitants=INHABITANTS, seed=1, start=date(2026, 1, 5)
        )
    finally:
        system.close()
    seconds = time.perf_counter() - began

    kinds = sorted({kind for kind, _ in scores.forecast})
    print(
        f"\nbacktest: {DAYS} days, {INHABITANTS:,} inhabitants, seed 1, {seconds:.0f} s; "
        f"mean absolute error of free beds, forecast / as today"
    )
    print(f"{'kind':<12}" + "".join(f"{f'{h} d':>16}" for h in HORIZONS))
    for kind in kinds:
        cells = (
            f"{scores.forecast[(kind, h)]:.2f} / {scores.naive[(kind, h)]:.2f}" for h in HORIZONS
        )
        print(f"{kind or 'all kinds':<12}" + "".join(f"{c:>16}" for c in cells))
    print(f"days scored: {scores.scored}")
    assert scores.beats_naive(), scores
