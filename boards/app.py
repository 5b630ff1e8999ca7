"""The app factory: one event store, one account store, the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from access.accounts import Accounts
from access.database import connect
from boards.api import flows, places
from boards.errors import install_error_handlers
from boards.settings import Settings
from flow.application import Pasientflyt
from flow.store import store_env


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: Settings, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    app = FastAPI(
        title="Pasientflyt",
        version="0.1.0",
        description="Pasientforløp mellom sykehus, korttidsplasser og hjemmetjenesten.",
    )
    app.state.flows = Pasientflyt(env=store_env(settings.database_url))
    app.state.accounts = Accounts(connect(settings.database_url))
    app.state.clock = clock
    install_error_handlers(app)
    app.include_router(flows.router, prefix="/api/v1")
    app.include_router(places.router, prefix="/api/v1")
    return app
