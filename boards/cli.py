"""The command line: `pasientflyt serve | demo | users add | users token`."""

from __future__ import annotations

import time
from types import FrameType
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Table

from access.accounts import AccountError, Role
from boards.app import create_app, utc_now
from boards.live import Live
from boards.settings import Settings
from boards.system import open_system
from fixtures import demo
from fixtures.municipalities import load_specs
from flow.errors import FlowError
from flow.municipality import municipality_id, unit_id

cli = typer.Typer(
    help="Pasientflyt: pasientforløp mellom sykehus, korttidsplasser og hjemmet.",
    no_args_is_help=True,
)
users_cli = typer.Typer(help="Brukere og API-nøkler.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
console = Console()


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Adressen det lyttes på.")] = None,
    port: Annotated[int | None, typer.Option(help="Porten det lyttes på.")] = None,
) -> None:
    """Start the web server."""
    settings = Settings()
    app = create_app(settings)
    config = uvicorn.Config(
        app, host=host or settings.host, port=port or settings.port, timeout_graceful_shutdown=5
    )
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


@cli.command("demo")
def load_demo() -> None:
    """Load the demo municipalities through commands; a second run adds nothing."""
    settings = Settings()
    system = open_system(settings)
    with console.status("Laster demokommunene …"):
        summary = demo.load(system.flows, system.accounts, utc_now())
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
            table.add_row(spec.name, user.username, user.role.value, user.password)
    console.print(table)


@cli.command()
def rebuild(
    names: Annotated[list[str] | None, typer.Argument(help="Lesemodellene; alle om ingen.")] = None,
) -> None:
    """Rebuild read models from the event log, with progress."""
    system = open_system(Settings())
    known = sorted(system.projector.projections)
    chosen = names or known
    if unknown := set(chosen) - set(known):
        _fail(f"Ukjent lesemodell: {', '.join(sorted(unknown))}. Kjente: {', '.join(known)}.")
    total = system.flows.recorder.max_notification_id() or 0
    started = time.perf_counter()
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task(f"Bygger {', '.join(chosen)}", total=total)
        applied = system.projector.rebuild(chosen, on_batch=lambda n: bar.advance(task, n))
    seconds = time.perf_counter() - started
    console.print(
        f"{applied} hendelser på {seconds:.1f} s ({applied / max(seconds, 1e-9):,.0f}/s)."
    )


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
    try:
        system.accounts.add_user(
            tenant,
            username,
            role,
            name or username,
            password or None,
            [unit_id(tenant, code) for code in unit or []],
            at=utc_now(),
        )
    except AccountError as error:
        _fail(str(error))
    console.print(f"La til {username} ({role.value}) i {system.flows.municipality_name(tenant)}.")


@users_cli.command("token")
def issue_token(username: str) -> None:
    """Print a new bearer token for an API client acting as USERNAME."""
    try:
        token = open_system(Settings()).accounts.issue_token(username, at=utc_now())
    except AccountError as error:
        _fail(str(error))
    print(token)


def _fail(message: str) -> None:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(code=1)


def main() -> None:
    try:
        cli()
    except FlowError as error:
        _fail(error.message)
