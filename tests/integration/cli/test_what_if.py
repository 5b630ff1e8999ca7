"""`pasientflyt simulate --scenario`: the baseline scenario is today's simulation event for
event; four more rehabilitation beds where they are the bottleneck shorten the waits in
hospital; the command prints the scenarios side by side and stores the comparison."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from support.command_line import run
from typer.testing import CliRunner

from access.database import connect
from access.scenario_comparisons import latest_comparison
from boards.cli.main import cli
from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.simulation.comparison import Outcome, outcome
from fixtures.simulation.run import simulate
from fixtures.simulation.scenarios import BASELINE, Scenario, scenario
from flow.municipality import municipality_id

START = date(2026, 3, 2)


def _open(folder: Path, name: str) -> System:
    return open_system(Settings(database_url=f"sqlite:///{folder / name}.db"))


def _events(system: System) -> list[tuple[str, str, int]]:
    recorded = system.flows.recorder.select_notifications(None, 1_000_000)
    return [(n.topic, str(n.originator_id), n.originator_version) for n in recorded]


def test_the_baseline_scenario_gives_the_events_of_a_run_without_one(tmp_path: Path) -> None:
    runs = []
    for name, chosen in (("none", None), ("baseline", BASELINE)):
        system = _open(tmp_path, name)
        arguments = {"days": 30, "inhabitants": 5000, "seed": 5, "start": START}
        if chosen is None:
            summary = simulate(system, **arguments)  # type: ignore[arg-type]
        else:
            summary = simulate(system, scenario=chosen, **arguments)  # type: ignore[arg-type]
        runs.append((summary.events, summary.loops, _events(system)))
        system.close()
    assert runs[0] == runs[1]
    assert runs[0][0] > 300


def _outcome(folder: Path, chosen: Scenario, days: int, inhabitants: int) -> Outcome:
    system = _open(folder, chosen.name)
    try:
        summary = simulate(
            system, days=days, inhabitants=inhabitants, seed=1, start=START, scenario=chosen
        )
        return outcome(system, municipality_id("9950"), chosen, summary, START, inhabitants)
    finally:
        system.close()


def test_four_more_rehabilitation_beds_where_they_are_the_bottleneck_shorten_the_waits(
    tmp_path: Path,
) -> None:
    """5,000 inhabitants have 4 rehabilitation beds for their busy days; with three fewer,
    the one bed left takes a patient for 14 to 21 days while one comes every 15 days or so
    (`assumptions.bed_days_per_1000`: about 1.2 patients on the unit on an average day), so
    in 90 days those who come while it is taken wait in hospital for it. Four more beds (5)
    take them all at once: the waits for a rehabilitation bed go, and only the waits of
    other causes are left. The other draws differ once a patient gets a bed in one run and
    not in the other, but those waits are a few days (about 11 in 90 days here), far fewer
    than a queue for one bed makes."""
    bottleneck = _outcome(tmp_path, scenario("rehab-3"), 90, 5000)
    four_more = _outcome(tmp_path, scenario("rehab+1"), 90, 5000)
    assert (bottleneck.beds["rehab"], four_more.beds["rehab"]) == (1, 5)
    assert bottleneck.occupancy["rehab"] > 0.5 > four_more.occupancy["rehab"]
    assert four_more.waiting_days < bottleneck.waiting_days / 2
    assert four_more.cost < bottleneck.cost
    assert bottleneck.cost == bottleneck.waiting_days * 5745  # the rate of 2024, carried on


def test_the_command_prints_the_scenarios_side_by_side_and_stores_the_comparison(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'main.db'}"
    result = run(
        url,
        *("simulate", "--days", "20", "--inhabitants", "3000", "--seed", "2"),
        *("--scenario", "rehab+4", "--scenario", "svar-samme-dag", "--municipality", "9998"),
    )
    assert result.returncode == 0, result.stderr
    for words in (
        "Hva om: 20 dager  3 000 innbyggere  frø 2",
        "Dagens drift",
        "4 flere rehabiliteringsplasser",
        "Svar og vedtak samme dag",
        "Overliggedøgn",
        "Kostnad for overliggedøgn",
        "Belegg: rehabilitering",
        "Oppgaver lukket i tide",
        "Reinnlagt innen 30 dager",
        "(+4)",
        "Lagret for lederoversikten til kommune 9998",
    ):
        assert words in result.stdout, words
    engine = connect(url)
    try:
        stored = latest_comparison(engine, municipality_id("9998"))
    finally:
        engine.dispose()
    assert stored is not None and (stored.days, stored.inhabitants, stored.seed) == (20, 3000, 2)
    names = [o["scenario"] for o in stored.outcomes["outcomes"]]
    assert names == ["grunnlag", "rehab+4", "svar-samme-dag"]
    assert not (tmp_path / "main.db").stat().st_size > 2_000_000  # no run's events in it


def test_the_command_refuses_an_unknown_scenario_before_any_run(tmp_path: Path) -> None:
    env = {"PASIENTFLYT_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    arguments = ["simulate", "--days", "2", "--scenario", "rehab+4", "--scenario", "sykehjem+2"]
    result = CliRunner().invoke(cli, arguments, env=env)
    assert result.exit_code == 1
    assert "Ukjent scenario «sykehjem+2»" in result.output
    assert not (tmp_path / "none.db").exists()
