"""A simulated year of the default size (20,000 inhabitants, `pasientflyt simulate`'s
default) lands inside the stated range of every national figure
(`fixtures/simulation/national.py`), read back from the store's read models.

A whole year, not a shorter run: the readmission share needs 30 days after each
departure, the beds start empty and fill over the first weeks, and at 20,000 inhabitants a
quarter has only about 140 ready-for-discharge stays, too few for the shares to settle. The
year takes about 32 s on SQLite here (2 vCPU); it runs on SQLite alone, since the
figures do not depend on the store. The ranges are the national figures with room for one
municipality's year, as `national.py` says; seed 1 is the command's default.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from boards.services.system import open_system
from boards.settings import Settings
from fixtures.simulation.measured import measure
from fixtures.simulation.national import NATIONAL
from fixtures.simulation.run import DEFAULT_NUMBER, simulate
from flow.municipality import municipality_id

INHABITANTS, DAYS, START = 20_000, 365, date(2026, 1, 5)


def test_a_simulated_year_lands_inside_the_national_ranges(tmp_path: Path) -> None:
    system = open_system(Settings(database_url=f"sqlite:///{tmp_path / 'year.db'}"))
    try:
        simulate(system, days=DAYS, inhabitants=INHABITANTS, seed=1, start=START)
        measured = measure(system, municipality_id(DEFAULT_NUMBER), START, DAYS, INHABITANTS)
    finally:
        system.close()
    outside = {
        row.key: (round(measured.values[row.key], 3), row.low, row.high)
        for row in NATIONAL
        if not row.low <= measured.values[row.key] <= row.high
    }
    assert outside == {}
    assert measured.counts["ready_stays"] > 400  # enough stays for the shares to mean much
