"""For load balancers and monitoring: `/helse/live`, `/helse/klar` (not ready while the
read models are behind the log) and `/metrics` (what happened, by route and outcome, with
no national id, name, user or flow in it), and the server's log lines as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx2
from sqlalchemy import update
from support.world import World, server_process

from fixtures.demo import synthetic_national_id
from flow.municipality import municipality_id
from projections.projector import positions

NATIONAL_ID = synthetic_national_id(__import__("random").Random("metrics"))
NAME = "Kari Målestokk"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_the_process_is_live_and_ready_without_a_login(world: World) -> None:
    assert world.client.get("/helse/live").json() == {"status": "ok"}
    world.system.projector.catch_up()
    ready = world.client.get("/helse/klar")
    assert ready.status_code == 200, ready.text


def test_read_models_far_behind_the_log_are_not_ready(world: World) -> None:
    """As after a rebuild begun, or a process that cannot keep up: out of rotation, 503."""
    world.system.projector.catch_up()
    world.client.app.state.settings.ready_lag_events = 2  # type: ignore[attr-defined]
    head = world.system.flows.recorder.max_notification_id()
    assert head is not None and head > 2
    with world.system.engine.begin() as db:
        db.execute(update(positions).values(position=0))
    answer = world.client.get("/helse/klar")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.json()["code"] == "read_models_behind"
    assert answer.json()["params"] == {"behind": head}


def test_the_metrics_count_what_happened_and_name_no_one(world: World) -> None:
    body = {
        "national_id": NATIONAL_ID,
        "name": NAME,
        "source": "hospital",
        "location": "Sykehuset",
        "need": "Korttid",
    }
    opened = world.client.post("/api/v1/flows", json=body, headers=world.headers())
    assert opened.status_code == 201
    flow_id = opened.json()["id"]
    refused = world.client.post(
        f"/api/v1/flows/{flow_id}/arrival", json={}, headers=world.headers()
    )
    assert refused.status_code == 409
    code = refused.json()["code"]
    assert world.client.get(f"/api/v1/flows/{flow_id}", headers=world.headers()).status_code == 200
    page = world.client.get("/logg-inn")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"username": "sykepleier", "password": "feil", "csrf_token": token.group(1)}
    assert world.client.post("/logg-inn", data=form).status_code == 401
    by = world.accounts.find("saksbehandler")
    assert by is not None
    _, device = world.system.devices.issue(
        municipality_id("9998"), world.unit("KORT"), "Korridor", by=by.id, at=world.clock()
    )
    screen = world.client.get(f"/skjerm/{device}", follow_redirects=False)
    assert screen.status_code == 303

    scraped = world.client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert 'pasientflyt_commands_total{outcome="ok",route="/api/v1/flows"} 1.0' in text
    route = "/api/v1/flows/{flow_id}/arrival"
    assert f'pasientflyt_commands_total{{outcome="{code}",route="{route}"}} 1.0' in text
    assert (
        'pasientflyt_http_request_duration_seconds_count{method="GET",'
        'route="/api/v1/flows/{flow_id}",status="200"} 1.0'
    ) in text
    assert 'pasientflyt_logins_total{outcome="failed"} 1.0' in text
    assert 'pasientflyt_read_model_lag_events{projection="flow_cards"}' in text
    assert "pasientflyt_open_streams 0.0" in text
    assert "pasientflyt_overdue_loops " in text
    assert 'route="/skjerm/{token}"' in text and device not in text, "a device's secret"
    for secret in (NATIONAL_ID, NATIONAL_ID[:6], NAME, "Målestokk", "sykepleier", flow_id):
        assert secret not in text
    assert UUID.search(text) is None, "no flow, user or municipality id"


def test_the_server_writes_json_lines_and_its_security_log(
    world: World, database_url: str, tmp_path: Path
) -> None:
    """`PASIENTFLYT_LOG_FORMAT=json`: every line one object; a login's line is written (the
    security log was lost at INFO before: no handler took it)."""
    log = tmp_path / "server.log"
    with server_process(database_url, log=log, log_format="json") as url:
        page = httpx2.get(f"{url}/logg-inn", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = {"username": "saksbehandler", "password": "feil", "csrf_token": token.group(1)}
        cookies = dict(page.cookies)
        assert (
            httpx2.post(f"{url}/logg-inn", data=form, cookies=cookies, timeout=10).status_code
            == 401
        )
        form["password"] = "pw-1"
        ok = httpx2.post(f"{url}/logg-inn", data=form, cookies=cookies, timeout=10)
        assert ok.status_code == 303, ok.text
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines() if line.strip()]
    assert lines, "nothing written"
    events = {line.get("event") for line in lines if line.get("logger") == "pasientflyt.access"}
    assert {"login failed", "login ok"} <= events
    requests = [line for line in lines if line.get("logger") == "uvicorn.access"]
    assert any("POST /logg-inn" in line["message"] for line in requests)
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)


def test_the_text_log_holds_the_security_log_and_every_line_its_moment(
    world: World, database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    with server_process(database_url, log=log) as url:
        page = httpx2.get(f"{url}/logg-inn", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = {"username": "saksbehandler", "password": "feil", "csrf_token": token.group(1)}
        httpx2.post(f"{url}/logg-inn", data=form, cookies=dict(page.cookies), timeout=10)
    lines = [line for line in log.read_text("utf-8").splitlines() if line.strip()]
    assert any("login failed" in line and 'who="saksbehandler"' in line for line in lines)
    assert any('"POST /logg-inn HTTP/1.1" 401' in line for line in lines)
    moment = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} ")
    assert all(moment.match(line) for line in lines), lines[:3]
