"""The app factory: one system per app, its background work, the JSON API on top."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from boards.api import access_grants as access_grant_api
from boards.api import admin as admin_api
from boards.api import boards as board_reads
from boards.api import exports as board_exports
from boards.api import flows, health, hospital_messages, leaders, places, tasks, waiting_days
from boards.live import api_stream as stream
from boards.live import streams as live_pages
from boards.live.follower import Live
from boards.pages import access_grants as access_grant_pages
from boards.pages import boards as board_pages
from boards.pages import common as pages
from boards.pages import display as display_pages
from boards.pages import emergency as emergency_pages
from boards.pages import exports as export_pages
from boards.pages import leaders as leader_pages
from boards.pages import messages as message_pages
from boards.pages import oidc as oidc_pages
from boards.pages import patient as patient_pages
from boards.pages import setup as setup_pages
from boards.pages import waiting_days as waiting_day_pages
from boards.pages.admin import checklists_and_rates as admin_checklists_and_rates
from boards.pages.admin import overview as admin_overview
from boards.pages.admin import places as admin_places
from boards.pages.admin import users as admin_users
from boards.services.looks import StreamLooks
from boards.services.system import open_system
from boards.settings import Settings
from boards.web import sessions
from boards.web.body_limit import install_body_limit
from boards.web.metrics import Metrics, RequestMetrics
from boards.web.problems import install_error_handlers
from boards.web.security import SecurityHeaders
from boards.web.store_outage import StoreOutage


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: Settings, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    system = open_system(settings)

    live = Live(
        system,
        clock,
        follow_seconds=settings.follow_seconds,
        deadline_seconds=settings.deadline_seconds,
        index_seconds=settings.access_index_seconds,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        live.start()
        yield
        live.stop()
        system.close()

    app = FastAPI(
        title="Pasientflyt",
        version="0.1.0",
        description="Pasientforløp mellom sykehus, korttidsplasser og hjemmetjenesten.",
        lifespan=lifespan,
        # Swagger UI and ReDoc load from a CDN, which the CSP forbids; /openapi.json stays.
        docs_url=None,
        redoc_url=None,
    )
    app.state.system = system
    app.state.clock = clock
    app.state.live = live
    app.state.looks = StreamLooks(system.access_log)
    app.state.settings = settings
    app.state.metrics = metrics = Metrics(system, live.stream_count)
    install_error_handlers(app)
    api = (
        flows,
        places,
        tasks,
        board_reads,
        board_exports,
        stream,
        leaders,
        hospital_messages,
        waiting_days,
        access_grant_api,
    )
    for module in api:
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(board_pages.router)
    app.include_router(patient_pages.router)
    app.include_router(export_pages.router)
    app.include_router(message_pages.router)
    app.include_router(waiting_day_pages.router)
    app.include_router(oidc_pages.router)
    app.include_router(live_pages.router)
    app.include_router(admin_api.router, prefix="/api/v1")
    app.include_router(admin_overview.router)
    app.include_router(admin_places.router)
    app.include_router(admin_users.router)
    app.include_router(admin_checklists_and_rates.router)
    app.include_router(display_pages.router)
    app.include_router(emergency_pages.router)
    app.include_router(leader_pages.router)
    app.include_router(access_grant_pages.router)
    app.include_router(setup_pages.router)
    app.add_exception_handler(sessions.LoginRequired, _to_login)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    app.add_middleware(StoreOutage)
    install_body_limit(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app


#: Container objects made (net) before the youngest generation is collected; Python's
#: default is 700. A board of 2,000 patients makes some 14,000 per request, none of them in
#: a cycle: at 700 that was 19 young and one in five full collections a request, 13-15 ms;
#: at 10,000 it is about one young collection, 4-6 ms (tests/bench/test_boards.py).
YOUNG_COLLECTION_AT = 10_000


def settle_heap() -> None:
    """Once the app is made, before it serves: what exists by now (modules, models,
    templates, the app) lives as long as the process, so the cyclic garbage collector need
    not walk it again on every full collection, which took 100-300 ms in the middle of a
    board's request. And it collects less often (`YOUNG_COLLECTION_AT`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AT, *gc.get_threshold()[1:])


async def _to_login(request: Request, _: Exception) -> Response:
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": "/logg-inn"})
    return RedirectResponse("/logg-inn", status_code=303)
