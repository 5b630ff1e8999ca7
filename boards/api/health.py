"""For load balancers and monitoring, without logging in and without a patient.

* `GET /helse/live`: the process answers (restart it if not).
* `GET /helse/klar`: it can serve — the store answers, and the read models are no more than
  `ready_lag_events` behind the log's head — else 503 with `Retry-After` and a sentence
  (take it out of rotation until it catches up; it goes on catching up by itself). A store
  that does not answer is `store_unavailable`, as for every request (`boards/web/store_outage.py`).
* `GET /metrics`: Prometheus's text format (`boards/web/metrics.py`), no personal data.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from boards.services.system import System
from boards.web.problems import answer
from flow.errors import FlowError

router = APIRouter(tags=["drift"])

#: How long a process that is not ready asks to be left alone.
NOT_READY_RETRY_SECONDS = 5


@router.get("/helse/live")
def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/helse/klar", responses={503: {"description": "Ikke klar"}})
async def ready(request: Request) -> Response:
    system: System = request.app.state.system
    most = request.app.state.settings.ready_lag_events
    refusal = await run_in_threadpool(_not_ready, system, most)
    if refusal is None:
        return JSONResponse({"status": "ok"})
    headers = {"Retry-After": str(NOT_READY_RETRY_SECONDS)}
    return answer(request, refusal, 503, headers=headers)


def _not_ready(system: System, most: int) -> FlowError | None:
    with system.engine.connect() as db:
        db.execute(text("SELECT 1"))
    head = system.flows.recorder.max_notification_id() or 0
    behind = head - min(system.projector.positions().values(), default=head)
    if behind > most:
        return FlowError("read_models_behind", behind=behind)
    return None


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
