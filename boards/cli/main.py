"""The command line: `pasientflyt serve | demo | migrate | users add | users token | backup |
restore`…"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import typer
import uvicorn
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Table

from access.accounts import AccountError, Role
from access.database import connect
from access.grants import CONSOLE, WAITING_ROLES, Asked
from access.migrations import migrate
from boards.app import create_app, settle_heap, utc_now
from boards.cli import backup, rebuilding, what_if
from boards.cli import hospital_files as batch
from boards.live.follower import Live
from boards.services import erasure
from boards.services.system import open_system
from boards.settings import Settings
from boards.web.logs import hide_secrets_in_access_log, log_config
from fixtures import demo
from fixtures.municipalities import load_specs
from fixtures.simulation import run as simulation
from fixtures.simulation.measured import measure
from fixtures.simulation.report import calibration_table, simulation_table
from fixtures.simulation.scenarios import HELP as SCENARIOS
from fixtures.simulation.scenarios import UnknownScenario
from flow.errors import FlowError
from flow.municipality import municipality_id, unit_id

cli = typer.Typer(
    help="Pasientflyt: pasientforløp mellom sykehus, korttidsplasser og hjemmet.",
    no_args_is_help=True,
)
users_cli = typer.Typer(help="Brukere og API-nøkler.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
messages_cli = typer.Typer(help="Meldinger fra sykehuset (PLO eller FHIR).", no_args_is_help=True)
cli.add_typer(messages_cli, name="messages")
keys_cli = typer.Typer(help="Hovednøklene som beskytter personopplysningene.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
backup.register(cli)
console = Console()


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Adressen det lyttes på.")] = None,
    port: Annotated[int | None, typer.Option(help="Porten det lyttes på.")] = None,
) -> None:
    """Start the web server."""
    settings = Settings()
    app = create_app(settings)
    settle_heap()
    config = uvicorn.Config(
        app,
        host=host or settings.host,
        port=port or settings.port,
        timeout_graceful_shutdown=5,
        log_config=log_config(settings.log_format),
    )
    hide_secrets_in_access_log()  # after the config, which sets uvicorn's loggers up
    _Server(config, app.state.live).run()


class _Server(uvicorn.Server):
    """On stop, open event streams end at once (browsers reconnect, to this process or
    another, and resume by Last-Event-ID); other requests get 5 s to finish."""

    def __init__(self, config: uvicorn.Config, live: Live) -> None:
        super().__init__(config)
        self.live = live

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.live.end_streams()
        super().handle_exit(sig, frame)


@cli.command("migrate")
def migrate_command() -> None:
    """Oppgrader tabellene for kontoer, logger, nøkler og sykehusmeldinger til denne versjonen
    (serverne gjør det også selv når de starter)."""
    engine = connect(Settings().database_url)
    try:
        done = migrate(engine)
    finally:
        engine.dispose()
    if done.changed:
        before = f"revisjon {done.before}" if done.before else "ingen revisjon"
        console.print(f"Databasen er oppgradert fra {before} til revisjon {done.after}.")
    else:
        console.print(f"Databasen er allerede oppdatert (revisjon {done.after}).")


@cli.command("demo")
def load_demo() -> None:
    """Load the demo municipalities through commands; a second run adds nothing."""
    settings = Settings()
    system = open_system(settings)
    with console.status("Laster demokommunene …"):
        summary = demo.load(system.flows, system.accounts, system.grants, utc_now())
        system.record_overdue_loops(utc_now())
    console.print(
        f"Nye kommuner: {summary.municipalities}, nye forløp: {summary.flows} "
        f"(database: {settings.database_url})"
    )
    table = Table(title="Demobrukere")
    for column in ("kommune", "brukernavn", "rolle", "passord"):
        table.add_column(column)
    for spec in load_specs():
        for user in spec.users:
            table.add_row(
                spec.name, user.username, user.role.value, user.password or "(bare API-nøkkel)"
            )
    console.print(table)


@cli.command()
def simulate(
    days: Annotated[int, typer.Option(min=1, max=3660, help="Antall dager.")],
    inhabitants: Annotated[
        int, typer.Option(min=1000, max=1_000_000, help="Innbyggere i kommunen.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Samme frø gir de samme hendelsene.")] = 1,
    start: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="Første dag (ÅÅÅÅ-MM-DD).")
    ] = datetime(2026, 1, 5),
    municipality: Annotated[
        str, typer.Option(help="Nummeret til en ny kommune det simuleres i.")
    ] = simulation.DEFAULT_NUMBER,
    report: Annotated[
        bool, typer.Option(help="Vis de simulerte tallene ved siden av de nasjonale.")
    ] = False,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            help="Hva om: kjør dagens drift og dette scenarioet med samme frø, hvert i sin"
            " prosess og sin SQLite-fil i en midlertidig mappe, og vis dem side om side;"
            " sammenligningen lagres for lederoversikten til kommunen (--report gjelder bare en"
            f" kjøring uten scenario). Kan gjentas. Kjente: {SCENARIOS}."
        ),
    ] = None,
) -> None:
    """Simulate N days of a new municipality through the application service: hospital
    messages through the ingest, decisions, stays, closed loops and their deadlines."""
    if not re.fullmatch(r"\d{4}", municipality):
        _fail("Kommunenummeret må være fire siffer.")
    if scenario:
        try:
            what_if.compare(
                Settings(),
                scenario,
                days=days,
                inhabitants=inhabitants,
                seed=seed,
                start=start.date(),
                number=municipality,
                console=console,
            )
        except UnknownScenario as error:
            _fail(str(error))
        return
    system = open_system(Settings(), durable=False)  # a made-up municipality: see `connect`
    try:
        with Progress(
            *Progress.get_default_columns(), MofNCompleteColumn(), console=console
        ) as bar:
            task = bar.add_task("Simulerer dager", total=days)
            summary = simulation.simulate(
                system,
                days=days,
                inhabitants=inhabitants,
                seed=seed,
                start=start.date(),
                number=municipality,
                on_day=lambda day: bar.update(task, advance=1, description=f"Simulerer {day}"),
            )
        figures = None
        if report:
            figures = measure(
                system, municipality_id(municipality), start.date(), days, inhabitants
            )
    except FlowError as error:
        _fail(error.message)
    finally:
        system.close()
    console.print(simulation_table(summary, inhabitants))
    if figures is not None:
        console.print(calibration_table(figures))


@cli.command()
def rebuild(
    names: Annotated[list[str] | None, typer.Argument(help="Lesemodellene; alle om ingen.")] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            min=1, help="Prosesser som bygger samtidig; om ingen, én per kjerne for en stor logg."
        ),
    ] = None,
) -> None:
    """Rebuild read models from the event log, in several processes, with progress."""
    settings = Settings()
    system = open_system(settings)
    known = list(system.projector.projections)
    total = system.flows.recorder.max_notification_id() or 0
    # Starting a process costs about a second: worth it from a log of a rebuild batch up.
    worth_processes = total > system.projector.rebuild_batch_size
    system.close()
    if unknown := set(names or ()) - set(known):
        _fail(
            f"Ukjent lesemodell: {', '.join(sorted(unknown))}. Kjente: {', '.join(sorted(known))}."
        )
    chosen = [name for name in known if not names or name in names]
    cores = len(os.sched_getaffinity(0))
    groups = rebuilding.deal(chosen, processes or (cores if worth_processes else 1))
    started = time.perf_counter()
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=console) as bar:
        tasks = [bar.add_task(f"Bygger {', '.join(group)}", total=total) for group in groups]
        applied = rebuilding.rebuild(
            settings, groups, on_batch=lambda group, n: bar.advance(tasks[group], n)
        )
    seconds = time.perf_counter() - started
    console.print(
        f"{applied} hendelser på {seconds:.1f} s ({applied / max(seconds, 1e-9):,.0f}/s),"
        f" {len(groups)} prosess{'er' if len(groups) > 1 else ''}."
    )


@cli.command()
def erase(
    national_id: Annotated[
        str | None, typer.Option(help="Slett denne pasientens forløp (lovlig krav).")
    ] = None,
    municipality: Annotated[str | None, typer.Option(help="Kommunenummeret.")] = None,
    by: Annotated[str | None, typer.Option(help="Brukernavnet til systemansvarlig.")] = None,
    reason: Annotated[str | None, typer.Option(help="Hvorfor (saksnummer), aldri hvem.")] = None,
) -> None:
    """Erase identity and free text: of flows closed longer than the retention period, or
    of one patient's flows on a lawful request (with --national-id, --municipality, --by
    and --reason). Counts, times and units stay for the figures."""
    settings = Settings()
    system = open_system(settings)
    now = utc_now()
    try:
        if national_id is None:
            days = settings.retention_days
            closed = erasure.flows_past_retention(system, now, days)
            with Progress(*Progress.get_default_columns(), MofNCompleteColumn()) as bar:
                task = bar.add_task("Sletter personopplysninger", total=len(closed))
                erasure.erase_past_retention(system, closed, days, now, lambda: bar.advance(task))
            console.print(f"{len(closed)} forløp avsluttet for mer enn {days} dager siden slettet.")
            return
        if not (municipality and by and reason):
            _fail("Sletting av én pasient krever --municipality, --by og --reason.")
        user = system.accounts.find(by)
        if user is None or user.municipality_id != municipality_id(municipality):
            _fail(f"Fant ingen bruker «{by}» i kommune {municipality}.")
        flows = erasure.flows_of_patient(system, user.municipality_id, national_id)
        if not flows:
            _fail("Fant ingen forløp med dette fødselsnummeret som ikke alt er slettet.")
        erasure.erase_patient(system, national_id, flows, user, reason, now)
        console.print(f"{len(flows)} forløp slettet, registrert på {by}: {reason}")
    except FlowError as error:
        _fail(error.message)
    finally:
        system.close()


@keys_cli.command("rotate")
def rotate_keys() -> None:
    """A new master key for the flows' keys; every key wrapped again, the old master keys
    retired once nothing uses them. Servers keep running."""
    system = open_system(Settings())
    keys = system.keys
    try:
        old = keys.master.current
        new = keys.master.add_new()
        with Progress(*Progress.get_default_columns(), MofNCompleteColumn()) as bar:
            task = bar.add_task("Pakker nøklene inn på nytt", total=keys.to_rewrap())
            keys.rewrap(lambda n: bar.advance(task, n))
        keys.rewrap()  # any a server wrapped with the old key meanwhile
        retired = keys.retire_unused()
        gone = ", ".join(sorted(retired)) or "ingen"
        console.print(f"Hovednøkkel {new} er i bruk (var {old}); tatt ut: {gone}.")
    finally:
        system.close()


@messages_cli.command("load")
def load_messages(
    paths: Annotated[list[Path], typer.Argument(help="Meldingsfiler, eller mapper med dem.")],
    municipality: Annotated[str, typer.Option(help="Kommunenummeret.")] = "9901",
    user: Annotated[
        str | None, typer.Option(help="Integrasjonsbrukeren; kommunens første om ingen.")
    ] = None,
) -> None:
    """Send hospital messages through the same ingest as POST /api/v1/hospital-messages;
    a message received before changes nothing."""
    system = open_system(Settings())
    try:
        by = batch.sender(system, municipality_id(municipality), user)
        files = batch.message_files(paths)
        with Progress(*Progress.get_default_columns(), MofNCompleteColumn()) as bar:
            task = bar.add_task("Tar imot sykehusmeldinger", total=len(files))

            def heard(path: Path, problem: str) -> None:
                if problem:
                    bar.console.print(f"[red]{path.name}: {problem}[/red]")
                bar.advance(task)

            outcomes = batch.load(system, files, by, utc_now, heard)
    finally:
        system.close()
    table = Table(title=f"{len(files)} meldinger")
    table.add_column("utfall")
    table.add_column("antall", justify="right")
    for outcome in batch.OUTCOMES.values():
        table.add_row(outcome, str(outcomes[outcome]))
    console.print(table)
    if outcomes[batch.OUTCOMES["lost"]]:  # the unreadable rest waits on the follow-up list
        raise typer.Exit(code=1)


@users_cli.command("add")
def add_user(
    username: str,
    role: Role,
    municipality: Annotated[str, typer.Option(help="Kommunenummeret, fire siffer.")],
    name: Annotated[str, typer.Option(help="Fullt navn.")] = "",
    unit: Annotated[list[str] | None, typer.Option(help="Enhets- eller sonekode.")] = None,
    password: Annotated[
        str | None, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = None,
) -> None:
    """Add a user with a role, in a municipality, optionally member of units or zones."""
    system = open_system(Settings())
    tenant = municipality_id(municipality)
    if not system.flows.has_municipality(tenant):
        _fail(f"Kommune {municipality} finnes ikke.")
    now, places = utc_now(), [unit_id(tenant, code) for code in unit or []]
    try:
        with system.engine.begin() as db:
            user = system.accounts.add_user(
                tenant, username, role, name or username, password or None, places, at=now, db=db
            )
            system.grants.in_force(db, user, by=None, at=now, asked=Asked.CONSOLE)
            details = {"user_id": str(user.id), "role": role.value, "unit_ids": unit or []}
            system.audit.record(
                tenant, CONSOLE, "user.added_at_console", username, details, at=now, db=db
            )
    except AccountError as error:
        _fail(str(error))
    console.print(f"La til {username} ({role.value}) i {system.flows.municipality_name(tenant)}.")
    if role in WAITING_ROLES:
        console.print(
            "Rollen gjelder straks, uten godkjenning fra en leder: den er gitt ved serverens "
            "konsoll, og det står i revisjonsloggen."
        )


@users_cli.command("token")
def issue_token(username: str) -> None:
    """Print a new bearer token for an API client acting as USERNAME."""
    try:
        token = open_system(Settings()).accounts.issue_token(username, at=utc_now())
    except AccountError as error:
        _fail(str(error))
    print(token)


def _fail(message: str) -> NoReturn:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(code=1)


def main() -> None:
    try:
        cli()
    except FlowError as error:
        _fail(error.message)
