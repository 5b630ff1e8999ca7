"""What a process tells Prometheus at `/metrics` (prometheus-client), and nothing about anyone:
no label holds a name, an identity number, a flow, a user or free text — only routes as
declared (`/api/v1/flows/{flow_id}/arrival`, never the id), methods, status codes, refusal
codes, outcomes, projection names.

* `pasientflyt_http_request_duration_seconds`: from a request to its response's first byte,
  per method, route and status (an event stream's is the time to open it).
* `pasientflyt_commands_total`: every state-changing request (POST, PUT, PATCH, DELETE), per
  route and outcome: `ok`, or the refusal's problem `code` (`not_your_task`, …), or the status.
* `pasientflyt_hospital_messages_total`: hospital messages taken by the API, per outcome.
* `pasientflyt_logins_total`: logins on the login page, per outcome (`ok`, `failed`, `locked`).
* Read when scraped: `pasientflyt_read_model_lag_events` per projection (the log's head
  minus the projection's position), `pasientflyt_open_streams` (this process's live
  streams), `pasientflyt_overdue_loops` (loops open past their deadline, in the store).

Each process counts its own; Prometheus scrapes each process (they are not behind the proxy
for it: `docker/Caddyfile` keeps `/metrics` inside).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boards.services.system import System
from projections.task_list import LOOP_OPEN, tasks

_CHANGES = {"POST", "PUT", "PATCH", "DELETE"}


class Metrics:
    """One app's metrics, in a registry of its own (several apps in one test process)."""

    def __init__(self, system: System, open_streams: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "pasientflyt_http_request_duration_seconds",
            "From the request to the response's first byte.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.commands = Counter(
            "pasientflyt_commands_total",
            "State-changing requests by route and outcome (ok, or the refusal's code).",
            ["route", "outcome"],
            registry=self.registry,
        )
        self.hospital_messages = Counter(
            "pasientflyt_hospital_messages_total",
            "Hospital messages taken by the API, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.logins = Counter(
            "pasientflyt_logins_total",
            "Logins on the login page, by outcome (ok, failed, locked).",
            ["outcome"],
            registry=self.registry,
        )
        self.registry.register(_StoreGauges(system, open_streams))


class _StoreGauges(Collector):
    """What is read when Prometheus scrapes: the read models' lag, the open streams, the
    overdue loops."""

    def __init__(self, system: System, open_streams: Callable[[], int]) -> None:
        self.system, self.open_streams = system, open_streams

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            "pasientflyt_read_model_lag_events",
            "Events in the log that the read model has not applied yet.",
            labels=["projection"],
        )
        head = self.system.flows.recorder.max_notification_id() or 0
        for name, position in sorted(self.system.projector.positions().items()):
            lag.add_metric([name], max(head - position, 0))
        yield lag
        yield GaugeMetricFamily(
            "pasientflyt_open_streams",
            "Live event streams open in this process.",
            value=self.open_streams(),
        )
        overdue = (
            select(func.count())
            .select_from(tasks)
            .where(tasks.c.overdue.is_(True), tasks.c.status.in_(LOOP_OPEN))
        )
        with self.system.engine.connect() as db:
            count = db.scalar(overdue) or 0
        yield GaugeMetricFamily(
            "pasientflyt_overdue_loops", "Loops open past their deadline.", value=count
        )


class RequestMetrics:
    """Pure ASGI: times each request to its first byte, by the route it matched, and counts
    the state-changing ones by outcome (the problem code the error handlers leave in the
    request's state, `problem_code`)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began, status = time.perf_counter(), 500

        async def timed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self._observe(scope, status, time.perf_counter() - began)
            await send(message)

        try:
            await self.app(scope, receive, timed)
        finally:
            if scope["method"] in _CHANGES:
                self.metrics.commands.labels(_route(scope), _outcome(scope, status)).inc()

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        self.metrics.latency.labels(scope["method"], _route(scope), str(status)).observe(seconds)


def _route(scope: Scope) -> str:
    """The path as its route declares it: each segment that is a path parameter's value
    named by the parameter (`/api/v1/flows/{flow_id}`), never the value — a flow's id, a
    display device's secret address. A request no route took is `unmatched`."""
    if "endpoint" not in scope:
        return "unmatched"
    names = {str(value): name for name, value in scope.get("path_params", {}).items()}
    return "/".join(f"{{{names[s]}}}" if s in names else s for s in scope["path"].split("/"))


def _outcome(scope: Scope, status: int) -> str:
    if status < 400:
        return "ok"
    code = scope.get("state", {}).get("problem_code")
    return str(code) if code else str(status)
