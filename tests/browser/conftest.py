"""A real server on loopback and a real Debian chromium, shared by a module's tests."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from boards.app import create_app, utc_now
from boards.services.system import System
from boards.settings import Settings
from fixtures import demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("PASIENTFLYT_SCREENSHOTS", "var/screenshots"))


@dataclass
class LiveServer:
    url: str
    system: System


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(database: Path, clock: Callable[[], datetime] = utc_now) -> Iterator[LiveServer]:
    """The demo municipalities, loaded now, served by uvicorn on a free loopback port with
    the app reading `clock`."""
    app = create_app(Settings(database_url=f"sqlite:///{database}"), clock=clock)
    system: System = app.state.system
    demo.load(system.flows, system.accounts, system.grants, utc_now())
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", system)
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo municipalities served by uvicorn on a free loopback port."""
    with served(tmp_path_factory.mktemp("browser") / "store.db") as live:
        yield live


@pytest.fixture(scope="module")
def server_a_month_on(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo, loaded now, served as it will be 31 days on: the leaders' figures count
    only months that are over, and the demo's weeks are then over whatever today's date."""
    with served(
        tmp_path_factory.mktemp("browser") / "store.db", lambda: utc_now() + timedelta(days=31)
    ) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("Debian chromium is missing: .ci/run installs it")
        pytest.skip("chromium not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


DEMO_PASSWORDS = {
    "saksbehandler": "demo-tildeling",
    "sykepleier": "demo-sykepleier",
    "hjemmesykepleier": "demo-hjemme",
    "leder": "demo-leder",
}


@pytest.fixture
def logged_in_at(browser: Browser) -> Iterator[Callable[[str, str], Page]]:
    """Open a page on the server at a base URL, logged in as a demo user; pages close after
    the test."""
    pages: list[Page] = []

    def open_as(base: str, username: str) -> Page:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        pages.append(page)
        page.goto(f"{base}/logg-inn")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORDS[username])
        page.click("button[type=submit]")
        page.wait_for_load_state("load")  # a live board keeps its stream open: never idle
        return page

    yield open_as
    for page in pages:
        page.close()


@pytest.fixture
def logged_in(
    logged_in_at: Callable[[str, str], Page], server: LiveServer
) -> Callable[[str], Page]:
    """Open a page on the module's server, logged in as a demo user."""
    return lambda username: logged_in_at(server.url, username)


def screenshot(page: Page, name: str) -> None:
    """Kept for a person to look at (CI keeps var/screenshots)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


@pytest.fixture
def take_screenshot() -> Callable[[Page, str], None]:
    return screenshot
