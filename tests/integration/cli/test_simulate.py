"""`pasientflyt simulate`: a small municipality for some weeks, through the application
service; the same seed gives the same log, and the log keeps every invariant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import func, select
from support.command_line import run
from support.read_model_rows import rebuilt, snapshot
from typer.testing import CliRunner

from boards.cli.main import cli
from boards.hospital.kept import messages
from boards.services.projecting import projector_process
from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.simulation.run import Summary, simulate
from flow.actor import Actor
from flow.municipality import municipality_id
from projections.ready_periods import periods

DAYS, INHABITANTS, START = 45, 8000, date(2026, 3, 2)


def _simulate(database_url: str, seed: int, projector: bool = False) -> tuple[System, Summary]:
    """The simulation, its read models kept in this process or (`projector`) by a process of
    their own as well, all of them, as a deployment may run them."""
    settings = Settings(database_url=database_url)
    system = open_system(settings, durable=False)  # as `pasientflyt simulate` opens it
    with projector_process(settings, durable=False) if projector else nullcontext():
        summary = simulate(system, days=DAYS, inhabitants=INHABITANTS, seed=seed, start=START)
    return system, summary


def _kinds(system: System) -> list[str]:
    recorded = system.flows.recorder.select_notifications(None, 1_000_000)
    return [n.topic.rsplit(".", 1)[-1] for n in recorded]


@pytest.fixture
def simulated(database_url: str) -> Iterator[tuple[System, Summary]]:
    system, summary = _simulate(database_url, seed=7)
    yield system, summary
    system.close()


def test_the_command_simulates_and_prints_the_summary(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    # A process of its own, as a user runs it: the console's width is the one it is given
    # (in this process it is whatever it was when the command's module was first imported).
    result = run(
        url, "simulate", "--days", "20", "--inhabitants", "5000", "--seed", "3", "--report"
    )
    assert result.returncode == 0, result.stderr
    for words in (
        "Simulert kommune 9950: 20 dager",
        "hendelser per sekund",
        "lukket i tide",
        "Simulert mot nasjonale tall",
        "overliggedøgn per 1 000 innbyggere per år",
        "Helsedirektoratet 2023",
    ):
        assert words in result.stdout


def test_the_command_refuses_a_municipality_that_exists(tmp_path: Path) -> None:
    env = {"PASIENTFLYT_DATABASE_URL": f"sqlite:///{tmp_path / 'twice.db'}"}
    arguments = ["simulate", "--days", "2", "--inhabitants", "2000"]
    assert CliRunner().invoke(cli, arguments, env=env).exit_code == 0
    again = CliRunner().invoke(cli, arguments, env=env)
    assert again.exit_code == 1
    assert "Kommune 9950 finnes allerede" in again.output


def test_the_same_seed_gives_the_same_events_and_another_seed_others(tmp_path: Path) -> None:
    runs = {}
    for name, seed in (("first", 11), ("again", 11), ("other", 12)):
        system, summary = _simulate(f"sqlite:///{tmp_path / name}.db", seed)
        runs[name] = summary.events, _kinds(system)
        system.close()
    assert runs["first"] == runs["again"]
    assert runs["first"][1] != runs["other"][1]


def test_the_read_models_in_a_process_of_their_own_change_no_event(tmp_path: Path) -> None:
    """The deadline process and the hospital messages read the task list and the flow cards
    as they are when the process that keeps them is ahead, behind or racing: the same seed
    gives the same events and figures, and the models it kept are those the log makes."""
    runs = {}
    for name, projector in (("here", False), ("apart", True)):
        system, summary = _simulate(f"sqlite:///{tmp_path / name}.db", 11, projector)
        runs[name] = summary.events, summary.loops, summary.messages, _kinds(system)
        if projector:
            assert snapshot(system) == rebuilt(system)
        system.close()
    assert runs["here"] == runs["apart"]


def test_the_simulated_log_keeps_every_invariant(simulated: tuple[System, Summary]) -> None:
    system, summary = simulated
    followed = snapshot(system)
    assert followed == rebuilt(system)
    _assert_one_patient_per_bed(system, followed["beds"])
    _assert_flows_replay_to_their_cards(system, followed["flow_cards"])
    with system.engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(messages)) == sum(
            summary.messages[k] for k in ("applied", "opened", "refused")
        )
    assert summary.messages["opened"] > 0 and summary.messages["applied"] > 0
    assert summary.loops["on_time"] > summary.loops["late"] > 0
    assert summary.stays > 0
    assert summary.events == len(_kinds(system))  # a fresh store: all of it simulated


def test_patients_without_a_bed_leave_hospital_on_the_hospitals_discharge_message(
    simulated: tuple[System, Summary],
) -> None:
    """Home care or long-term care decided in hospital: the office plans the discharge and
    the hospital's message discharges the patient; no discharge message needs a person."""
    system, _ = simulated
    system.projector.catch_up()
    with system.engine.connect() as db:
        answers = db.execute(
            select(messages.c.status_code, func.count())
            .where(messages.c.kind == "discharged")
            .group_by(messages.c.status_code)
        ).all()
        ended_by = dict(
            db.execute(select(periods.c.ended_by, func.count()).group_by(periods.c.ended_by)).all()
        )
    assert dict(answers).keys() == {200}
    assert ended_by["discharge"] > 0 and ended_by["arrival"] > 0


def _assert_one_patient_per_bed(system: System, beds: list[dict[str, object]]) -> None:
    office = Actor("test", "allocation", municipality_id("9950"))
    held = Counter(row["flow_id"] for row in beds if row["flow_id"] is not None)
    assert all(count == 1 for count in held.values())
    grid = {(row["unit_id"], row["bed"]): (row["status"], row["flow_id"]) for row in beds}
    units = {
        (unit.id, bed.name): (bed.status, bed.flow_id)
        for unit in system.flows.units(office)
        for bed in unit.beds
    }
    assert grid == units


def _assert_flows_replay_to_their_cards(system: System, cards: list[dict[str, object]]) -> None:
    office = Actor("test", "allocation", municipality_id("9950"))
    assert cards
    for card in cards:
        flow_id = card["flow_id"]
        assert isinstance(flow_id, UUID)
        view = system.flows.flow(flow_id, office)
        bed = view.stay or view.reservation
        assert (card["phase"], card["version"]) == (view.phase, view.version)
        assert (card["unit_id"], card["bed"]) == ((bed.unit_id, bed.bed) if bed else (None, None))
