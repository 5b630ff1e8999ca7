"""The production-like hosting in docker/, checked without Docker: the compose services, the
Caddy configuration (parsed, with its imports expanded and its routing followed for a path)
and the Dockerfile, and the compose file against the Compose Specification's schema."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from flow.store import store_env

ROOT = Path(__file__).resolve().parents[3]
DOCKER = ROOT / "docker"
COMPOSE_FILE = DOCKER / "compose.yaml"
COMPOSE_SCHEMA = Path(__file__).with_name("compose-spec.json")
DOCKERFILE = DOCKER / "Dockerfile"
CADDYFILE = DOCKER / "Caddyfile"
APPS = ("app1", "app2")
APP_PORT = 8000
LONG_RUNNING = ("db", *APPS, "proxy")
STREAM_PATHS = (
    "/api/v1/stream",
    "/api/v1/boards/units/abc/stream",
    "/tavle/sone/1/stream",
    "/tildeling/strom",
    "/enheter/abc/strom",
    "/enheter/abc/vegg/strom",
    "/soner/abc/strom",
    "/skjerm/strom",
)
PLAIN_PATHS = ("/", "/logg-inn", "/api/v1/flows", "/api/v1/streams", "/stream-info", "/enheter/abc")


# -- compose: loading and variable interpolation ----------------------------------------

_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<default>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$`, from `env`."""
    env = env or {}

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, default = match.group("op"), match.group("default") or ""
        if op == ":-":
            return env.get(name) or default
        if op == "-":
            return env.get(name, default)
        return env.get(name, "")

    return _VARIABLE.sub(replace, value)


def variables_in(text: str) -> set[str]:
    return {
        m.group("braced") or m.group("bare") for m in _VARIABLE.finditer(text) if m.group(0) != "$$"
    }


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict, interpolated with the defaults (empty .env)."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value)) for key, value in raw.items()}


def healthcheck_text(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


# -- the Caddyfile: a small parser ------------------------------------------------------


@dataclass
class Directive:
    args: list[str]
    block: list[Directive] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.args[0] if self.args else ""

    def all(self, name: str) -> list[Directive]:
        return [child for child in self.block if child.name == name]

    def one(self, name: str) -> Directive:
        found = self.all(name)
        assert len(found) == 1, f"expected one {name!r} in {self.args}, found {len(found)}"
        return found[0]

    def walk(self) -> list[Directive]:
        return [d for child in self.block for d in (child, *child.walk())]


def parse_caddyfile(text: str) -> list[Directive]:
    """Directives by line, `{ ... }` blocks nested, comments dropped, snippets imported."""
    root = Directive(["<root>"])
    stack = [root]
    for number, line in enumerate(text.splitlines(), 1):
        tokens = shlex.split(line, comments=True)
        if not tokens:
            continue
        if tokens == ["}"]:
            stack.pop()
            assert stack, f"line {number}: unbalanced }}"
            continue
        assert "}" not in tokens[:-1], f"line {number}: unsupported layout {line!r}"
        opens = tokens[-1] == "{"
        directive = Directive(tokens[:-1] if opens else tokens)
        stack[-1].block.append(directive)
        if opens:
            stack.append(directive)
    assert stack == [root], "unbalanced { in the Caddyfile"
    snippets = {
        d.name[1:-1]: d.block for d in root.block if d.name.startswith("(") and d.name[-1] == ")"
    }

    def expand(block: list[Directive]) -> list[Directive]:
        out: list[Directive] = []
        for d in block:
            if d.name == "import":
                assert d.args[1] in snippets, f"import of unknown snippet {d.args[1]}"
                out.extend(expand(snippets[d.args[1]]))
            else:
                out.append(Directive(d.args, expand(d.block)))
        return out

    return [d for d in expand(root.block) if d.name not in {f"({s})" for s in snippets}]


def caddy_path_matches(pattern: str, path: str) -> bool:
    """Caddy's `path` matcher: exact, `prefix*`, `*suffix`, `*substring*`, else a glob."""
    pattern, path = pattern.lower(), path.lower()
    if pattern.startswith("*") and pattern.endswith("*") and len(pattern) > 1:
        return pattern[1:-1] in path
    if pattern.startswith("*") and "*" not in pattern[1:]:
        return path.endswith(pattern[1:])
    if pattern.endswith("*") and "*" not in pattern[:-1]:
        return path.startswith(pattern[:-1])
    if "*" in pattern:
        return fnmatch.fnmatchcase(path, pattern)
    return path == pattern


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(duration: str) -> float:
    parts = _DURATION.findall(duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"bad duration {duration}"
    return sum(float(n) * _SECONDS[u] for n, u in parts)


@pytest.fixture(scope="module")
def caddy() -> list[Directive]:
    return parse_caddyfile(CADDYFILE.read_text(encoding="utf-8"))


def site(caddy: list[Directive], port: int) -> Directive:
    found = [d for d in caddy if d.args and d.args[0] in {f":{port}", f"http://:{port}"}]
    assert len(found) == 1, f"expected one site block on :{port}"
    return found[0]


def global_options(caddy: list[Directive]) -> Directive:
    found = [d for d in caddy if not d.args]
    return found[0] if found else Directive([])


def route(site_block: Directive, path: str) -> Directive:
    """The `reverse_proxy` that serves `path`."""
    return handle_of(site_block, path).one("reverse_proxy")


def handle_of(site_block: Directive, path: str) -> Directive:
    """The `handle` block that serves `path`: `handle` blocks are mutually exclusive, those
    with a matcher tried first, the one without a matcher last."""
    matchers: dict[str, list[str]] = {}
    for d in site_block.block:
        if d.name.startswith("@"):
            assert d.args[1] == "path", f"only path matchers are followed here: {d.args}"
            matchers[d.name] = d.args[2:]
    handles = site_block.all("handle")
    assert handles, "the site routes with handle blocks"
    for handle in sorted(handles, key=lambda h: len(h.args) == 1):
        if len(handle.args) == 1 or any(
            caddy_path_matches(p, path) for p in matchers[handle.args[1]]
        ):
            return handle
    raise AssertionError(f"no handle block serves {path}")


def upstreams(proxy: Directive) -> set[str]:
    return set(proxy.args[1:]) | {a for d in proxy.all("to") for a in d.args[1:]}


def proxy_site(caddy: list[Directive], services: dict[str, dict[str, Any]]) -> Directive:
    container_port = int(interpolate(str(services["proxy"]["ports"][0])).rsplit(":", 1)[1])
    return site(caddy, container_port)


# -- the Dockerfile: instructions by stage ----------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per build stage; continuation lines joined, comments dropped,
    global ARG defaults substituted into FROM."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line.strip())
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation line"
    args: dict[str, str] = {}
    stages: list[list[tuple[str, str]]] = []
    for entry in logical:
        keyword, _, rest = entry.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "ARG" and not stages and "=" in rest:
            name, value = rest.split("=", 1)
            args[name] = value
        elif keyword == "FROM":
            stages.append([("FROM", interpolate(rest, args))])
        elif stages:
            stages[-1].append((keyword, rest))
    return stages


def instructions(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [rest for kw, rest in stage if kw == keyword]


@pytest.fixture(scope="module")
def stages() -> list[list[tuple[str, str]]]:
    return dockerfile_stages()


# -- compose -------------------------------------------------------------------------


def test_the_four_services_exist(services: dict[str, dict[str, Any]]) -> None:
    assert set(LONG_RUNNING) <= set(services)
    assert services["db"]["image"].startswith("postgres:16")
    assert services["proxy"]["image"] == "caddy:2"


def test_both_app_processes_run_the_same_build(services: dict[str, dict[str, Any]]) -> None:
    first, second = (services[name] for name in APPS)
    assert first["build"] == second["build"]
    assert first["image"] == second["image"]
    assert first.get("command") == second.get("command")
    build = first["build"]
    context = (DOCKER / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE


def test_the_apps_store_their_events_in_the_db_service(
    services: dict[str, dict[str, Any]],
) -> None:
    db = environment(services["db"])
    for name in APPS:
        url = environment(services[name])["PASIENTFLYT_DATABASE_URL"]
        parts = urlsplit(url)
        assert parts.scheme == "postgresql"
        assert (parts.hostname, parts.port) == ("db", 5432)
        assert parts.username == db["POSTGRES_USER"]
        assert parts.password == db["POSTGRES_PASSWORD"]
        assert parts.path == f"/{db['POSTGRES_DB']}"
        # The app's own reading of the URL picks the PostgreSQL store on the db service.
        store = store_env(url)
        assert store["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        assert store["POSTGRES_HOST"] == "db"
        assert store["POSTGRES_DBNAME"] == db["POSTGRES_DB"]


def test_every_app_process_reads_the_same_master_keys_from_one_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    """Keys wrapped by one process must unwrap in the other: one file, on a shared volume
    that the image prepares for its user (a fresh named volume copies that ownership)."""
    for name in (*APPS, "demo"):
        keys_file = environment(services[name])["PASIENTFLYT_MASTER_KEYS_FILE"]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in services[name]["volumes"]}
        assert mounts[str(PurePosixPath(keys_file).parent)] == "keys", name
    assert "keys" in compose["volumes"]
    assert "mkdir -p /app/var/keys" in DOCKERFILE.read_text()


def test_the_apps_trust_the_proxys_forwarded_headers(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in APPS:
        assert environment(services[name])["FORWARDED_ALLOW_IPS"]
        assert "ports" not in services[name], "the apps are reached through the proxy only"


def test_the_apps_start_after_the_db_is_healthy(services: dict[str, dict[str, Any]]) -> None:
    for name in (*APPS, "demo"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in APPS:
        assert services["proxy"]["depends_on"][name]["condition"] == "service_healthy"


def test_every_long_running_service_has_a_healthcheck(
    services: dict[str, dict[str, Any]],
) -> None:
    long_running = {
        name
        for name, service in services.items()
        if not service.get("profiles") and service.get("restart", "no") != "no"
    }
    assert long_running == set(LONG_RUNNING)
    for name in long_running:
        check = services[name]["healthcheck"]
        assert not check.get("disable"), name
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name
    assert "pg_isready" in healthcheck_text(services["db"])
    for name in APPS:
        assert f"127.0.0.1:{APP_PORT}/helse/live" in healthcheck_text(services[name])


def test_the_demo_is_a_one_shot_against_the_same_db(
    services: dict[str, dict[str, Any]],
) -> None:
    demo = services["demo"]
    assert demo["profiles"] == ["demo"]
    assert demo["command"] == ["pasientflyt", "demo"]
    assert demo["restart"] == "no"
    assert demo["build"] == services["app1"]["build"]
    assert (
        environment(demo)["PASIENTFLYT_DATABASE_URL"]
        == environment(services["app1"])["PASIENTFLYT_DATABASE_URL"]
    )


def test_the_env_example_lists_every_variable_compose_reads() -> None:
    example: dict[str, str] = {}
    for line in (DOCKER / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), line
            example[key] = value
    used = variables_in(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert used <= set(example), f"missing from .env.example: {sorted(used - set(example))}"
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= used
    # The example's values are compose's defaults: copying it changes nothing by itself.
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert interpolate(text, example) == interpolate(text)


def test_the_health_paths_are_real_get_routes() -> None:
    from boards.api.health import router

    paths = {
        route.path
        for route in router.routes
        if "GET" in getattr(route, "methods", set()) and hasattr(route, "path")
    }
    assert {"/helse/live", "/helse/klar", "/metrics"} <= paths


# -- the proxy -----------------------------------------------------------------------


def test_the_metrics_are_not_served_to_the_outside(
    services: dict[str, dict[str, Any]], caddy: list[Directive]
) -> None:
    """Prometheus scrapes each app on the inner network; the proxy answers 404."""
    metrics = handle_of(proxy_site(caddy, services), "/metrics")
    assert metrics.one("respond").args[1:] == ["404"]
    assert not metrics.all("reverse_proxy")


def test_the_proxy_publishes_a_port_its_caddyfile_listens_on(
    services: dict[str, dict[str, Any]], caddy: list[Directive]
) -> None:
    proxy = services["proxy"]
    assert len(proxy["ports"]) == 1
    host, container = interpolate(str(proxy["ports"][0])).rsplit(":", 1)
    assert host == "8080"
    site(caddy, int(container))
    source, target, *_ = proxy["volumes"][0].split(":")
    assert (DOCKER / source).resolve() == CADDYFILE
    assert target == "/etc/caddy/Caddyfile"


def test_the_proxy_healthcheck_has_a_listener(
    services: dict[str, dict[str, Any]], caddy: list[Directive]
) -> None:
    url = urlsplit(services["proxy"]["healthcheck"]["test"][-1])
    health_site = site(caddy, url.port)
    respond = health_site.one("respond")
    assert respond.args[1:] == [url.path, "ok", "200"]
    published = int(interpolate(str(services["proxy"]["ports"][0])).rsplit(":", 1)[1])
    assert url.port != published, "the proxy's own health check is not published"


def test_every_path_is_balanced_over_both_apps(
    services: dict[str, dict[str, Any]], caddy: list[Directive]
) -> None:
    main = proxy_site(caddy, services)
    for path in (*STREAM_PATHS, *PLAIN_PATHS):
        proxy = route(main, path)
        assert upstreams(proxy) == {f"{name}:{APP_PORT}" for name in APPS}, path
        assert proxy.one("lb_policy").args[1:] == ["round_robin"]
        assert proxy.one("health_uri").args[1:] == ["/helse/klar"]


def test_streams_are_not_buffered_and_may_stay_quiet_long(
    services: dict[str, dict[str, Any]], caddy: list[Directive]
) -> None:
    main = proxy_site(caddy, services)
    for path in STREAM_PATHS:
        proxy = route(main, path)
        assert proxy.one("flush_interval").args[1:] == ["-1"], path
        read_timeout = proxy.one("transport").one("read_timeout").args[1]
        assert seconds(read_timeout) >= 10 * 60, path
    for path in PLAIN_PATHS:
        assert not route(main, path).all("flush_interval"), path
    assert not main.all("encode"), "compression would buffer event streams"


def test_nothing_cuts_a_long_response_or_drops_forwarded_headers(
    caddy: list[Directive],
) -> None:
    for timeouts in (d for d in global_options(caddy).walk() if d.name == "timeouts"):
        names = {d.name for d in timeouts.block}
        assert not names & {"read_body", "write"}, "these would end event streams"
    for directive in (d for block in caddy for d in block.walk()):
        if directive.name in {"header_up", "request_header"}:
            assert not any(a.lstrip("-").lower().startswith("x-forwarded") for a in directive.args)


def test_the_caddy_path_matcher_model() -> None:
    assert caddy_path_matches("*/stream", "/api/v1/boards/units/1/stream")
    assert not caddy_path_matches("*/stream", "/api/v1/streams")
    assert caddy_path_matches("/api/*", "/api/v1/flows")
    assert caddy_path_matches("/api/v1/stream", "/API/v1/stream")
    assert seconds("1h30m") == 5400


# -- the Dockerfile ------------------------------------------------------------------


def test_the_image_is_multi_stage_on_python_slim(stages: list[list[tuple[str, str]]]) -> None:
    assert len(stages) >= 2
    for stage in stages:
        assert stage[0][1].split()[0] == "python:3.11-slim"
    build_stage = stages[0][0][1].split()[-1]
    assert any(f"--from={build_stage}" in copy for copy in instructions(stages[-1], "COPY"))


def test_the_image_installs_the_package_without_dev_extras(
    stages: list[list[tuple[str, str]]],
) -> None:
    runs = [run for stage in stages for run in instructions(stage, "RUN")]
    assert any(re.search(r"pip install (?:\S+ )*\.(?:\s|$)", run) for run in runs)
    assert "[dev]" not in DOCKERFILE.read_text(encoding="utf-8")
    copied = {
        Path(part).name
        for stage in stages[:-1]
        for copy in instructions(stage, "COPY")
        for part in copy.split()[:-1]
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    needed = packages | {"pyproject.toml", project["project"]["readme"]}
    assert needed <= copied, f"not copied into the build: {sorted(needed - copied)}"
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    if "**" in ignore:  # everything excluded, then the build's inputs let back in
        let_in = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
        assert needed <= let_in, f"excluded from the context: {sorted(needed - let_in)}"


def test_the_image_runs_as_a_non_root_user(stages: list[list[tuple[str, str]]]) -> None:
    final = stages[-1]
    users = instructions(final, "USER")
    assert users, "the final stage sets USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    keywords = [kw for kw, _ in final]
    assert keywords.index("USER") < keywords.index("CMD")


def test_the_image_exposes_checks_and_serves_the_app_port(
    stages: list[list[tuple[str, str]]],
) -> None:
    final = stages[-1]
    assert str(APP_PORT) in instructions(final, "EXPOSE")[-1].split()
    (healthcheck,) = instructions(final, "HEALTHCHECK")
    assert " CMD " in f" {healthcheck} "
    assert f"127.0.0.1:{APP_PORT}/helse/live" in healthcheck
    (cmd,) = instructions(final, "CMD")
    assert json.loads(cmd) == [
        "pasientflyt",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        str(APP_PORT),
    ]


# -- Docker itself, where it is installed ----------------------------------------------


def test_the_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    """`docker compose` is not on these machines; the Compose Specification's own JSON
    schema (compose-spec/compose-spec, Apache-2.0, vendored beside this test) is."""
    schema = json.loads(COMPOSE_SCHEMA.read_text("utf-8"))
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(compose)
    ]
    assert problems == []
