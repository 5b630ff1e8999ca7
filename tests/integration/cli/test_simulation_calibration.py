"""A simulated year of the default size (20,000 inhabitants, `pasientflyt simulate`'s
default) lands inside the stated range of every national figure
(`fixtures/simulation/national.py`), read back from the store's read models.

A whole year, not a shorter run: the readmission share needs 30 days after each
departure, the beds start empty and fill over the first weeks, and at 20,000 inhabitants a
quarter has only about 140 ready-for-discharge stays, too few for the shares to settle. The
year takes about 32 s on SQLite here (2 vCPU); it runs on SQLite alone, since the
figures do not depend on the store. The ranges are the national figures with room for one
municipality's year, as `national.py` says; seed 1 is the command's default.

On the same year, the leaders' screening within 24 hours at arrival (issue 26), for the
municipality and each unit and every month, is the share a count straight from the log gives
(`support/safety_log.py`), wherever a share is shown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from support import safety_log

from boards.services.system import open_system
from boards.settings import Settings
from fixtures.simulation.measured import measure
from fixtures.simulation.national import NATIONAL
from fixtures.simulation.run import DEFAULT_NUMBER, simulate
from flow.municipality import municipality_id
from flow.vocabulary import UnitKind
from projections.figures.queries import places_of
from projections.figures.report import read_safety

INHABITANTS, DAYS, START = 20_000, 365, date(2026, 1, 5)
SCREENING = "Innkomstvurdering: fall, ernæring og trykksår (innen 24 t)"


def test_a_simulated_year_lands_inside_the_national_ranges(tmp_path: Path) -> None:
    system = open_system(Settings(database_url=f"sqlite:///{tmp_path / 'year.db'}"), durable=False)
    try:
        simulate(system, days=DAYS, inhabitants=INHABITANTS, seed=1, start=START)
        measured = measure(system, municipality_id(DEFAULT_NUMBER), START, DAYS, INHABITANTS)
        shown = screening_shown_as_counted(system)
    finally:
        system.close()
    # Shares shown (seed 1: the municipality's in 9 months of 12, a unit's 10 times): the
    # rest hidden, as a small count or so that one cannot be worked out from the others.
    assert shown["municipality"] >= 9 and shown["units"] >= 10, shown
    outside = {
        row.key: (round(measured.values[row.key], 3), row.low, row.high)
        for row in NATIONAL
        if not row.low <= measured.values[row.key] <= row.high
    }
    assert outside == {}
    assert measured.counts["ready_stays"] > 400  # enough stays for the shares to mean much


def screening_shown_as_counted(system: Any) -> dict[str, int]:
    """Every month's screening within 24 hours as the leaders' page shows it, for the
    municipality and each unit, against the log's count; how many shares were shown."""
    place = municipality_id(DEFAULT_NUMBER)
    now = datetime(2027, 1, 15, tzinfo=UTC)  # December over, and its week after
    figures = read_safety(system.engine, place, date(2026, 1, 1), date(2026, 12, 1), now)
    with system.engine.connect() as db:
        units = [p.id for p in places_of(db, place) if p.kind != UnitKind.HOME_CARE_ZONE]
    flows = safety_log.flows_of(system, place)
    label = f"{SCREENING}: innen 24 timer (%)"
    shown = {"municipality": 0, "units": 0}
    for month in [f"2026-{m:02d}" for m in range(1, 13)]:
        counted = safety_log.screening(flows, units, month, SCREENING)
        for figure in figures.places:
            table = next(t for t in figure.tables if t.key.startswith("safety_screening"))
            value = next(r for r in table.rows if r.label == label).values[
                table.columns.index(month)
            ]
            if value in (":", "<3"):  # hidden: a small count is not told
                continue
            assert value == counted[figure.unit_id][label], (month, figure.name)
            shown["units" if figure.unit_id else "municipality"] += value is not None
    return shown
