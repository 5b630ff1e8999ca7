"""`pasientflyt simulate … --scenario NAME`: the baseline and each scenario simulated on the
same seed, side by side.

Each run is a process of its own (one per core at most) with a SQLite file of its own in a
temporary folder, removed when the comparison is done: the runs never touch the configured
database, which gets only the comparison (for the leaders' page of the municipality whose
number was simulated).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress

from access.database import connect
from access.migrations import migrate
from access.scenario_comparisons import StoredComparison, store_comparison
from boards.settings import Settings
from fixtures.simulation.comparison import Comparison
from fixtures.simulation.report import comparison_table, scenario_list
from fixtures.simulation.scenarios import BASELINE, scenario
from fixtures.simulation.side_by_side import run_side_by_side
from flow.municipality import municipality_id


def compare(
    settings: Settings,
    names: Sequence[str],
    *,
    days: int,
    inhabitants: int,
    seed: int,
    start: date,
    number: str,
    console: Console,
) -> Comparison:
    """Run, print and store the comparison; an unknown name is refused before any run."""
    chosen = [BASELINE, *(scenario(n) for n in dict.fromkeys(names) if n != BASELINE.name)]
    with (
        tempfile.TemporaryDirectory(prefix="pasientflyt-hva-om-") as folder,
        Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=console) as bar,
    ):
        tasks = [bar.add_task(f"{s.label}: venter", total=days) for s in chosen]

        def on_day(run: int, done: int) -> None:
            day = start + timedelta(days=done - 1)
            bar.update(tasks[run], completed=done, description=f"{chosen[run].label}: {day}")

        outcomes = run_side_by_side(
            settings,
            chosen,
            Path(folder),
            days=days,
            inhabitants=inhabitants,
            seed=seed,
            start=start,
            number=number,
            on_day=on_day,
        )
    comparison = Comparison(datetime.now(UTC), seed, days, inhabitants, start, outcomes)
    engine = connect(settings.database_url)
    try:
        migrate(engine)
        stored = StoredComparison(
            comparison.run_at, seed, days, inhabitants, start, comparison.as_json()
        )
        store_comparison(engine, municipality_id(number), stored)
    finally:
        engine.dispose()
    console.print(comparison_table(comparison))
    console.print(scenario_list(comparison))
    console.print(
        f"Lagret for lederoversikten til kommune {number}. Kostnaden er overliggedøgnene"
        " ganget med døgnprisen for utskrivningsklare pasienter (Helsedirektoratet)."
    )
    return comparison
