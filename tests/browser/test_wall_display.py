"""The corridor screen at 1920×1080, as a nurse opens it for her unit: status words a corridor
reads (40 px), the counts over the beds, and, when the server has been gone for more than
10 s, "Ikke oppdatert siden HH:MM" across the screen until the stream is back."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from support import command_line
from support.world import free_port, server_pid, server_process


def test_the_wall_reads_from_the_corridor_and_says_when_it_is_stale(
    logged_in_at: Callable[[str, str], Page],
    take_screenshot: Callable[[Page, str], None],
    tmp_path: Path,
) -> None:
    database_url, port = f"sqlite:///{tmp_path / 'store.db'}", free_port()
    keys = {"master_keys_file": str(tmp_path / "master.keys")}
    loaded = command_line.run(
        database_url, "demo", env={"PASIENTFLYT_MASTER_KEYS_FILE": keys["master_keys_file"]}
    )
    assert loaded.returncode == 0, loaded.stderr
    with server_process(database_url, port=port, **keys) as url:
        page = logged_in_at(url, "sykepleier")
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(url + str(page.locator("a[href$='/vegg']").first.get_attribute("href")))
        _reads_from_the_corridor(page)
        take_screenshot(page, "wall-display")
        expect(page.locator("#stale")).to_be_hidden()
        os.kill(server_pid(url), signal.SIGKILL)  # the server is gone, as in a crash
    stale = page.locator("#stale")
    page.wait_for_timeout(8_000)
    expect(stale).to_be_hidden()  # not before 10 s
    expect(stale).to_be_visible(timeout=10_000)
    expect(stale).to_contain_text(re.compile(r"Ikke oppdatert siden \d\d:\d\d"))
    box = stale.bounding_box()
    assert box is not None and box["width"] >= 1900  # across the screen
    take_screenshot(page, "wall-display-stale")
    with server_process(database_url, port=port, **keys):
        expect(stale).to_be_hidden(timeout=45_000)  # the stream is back


def _reads_from_the_corridor(page: Page) -> None:
    statuses = page.locator(".wall-beds .bed-status")
    assert statuses.count() > 0
    size = page.evaluate(  # the page's element now: a stream's part may have replaced it
        "parseFloat(getComputedStyle(document.querySelector('.wall-beds .bed-status')).fontSize)"
    )
    assert size >= 40
    free = page.locator(".wall-beds .bed.status-free").count()
    expect(page.locator("#wall-summary .count-free strong")).to_have_text(str(free))
    beds = page.locator(".wall-beds .bed")
    last = beds.nth(beds.count() - 1).bounding_box()
    assert last is not None and last["y"] + last["height"] <= 1080  # every bed on the screen
    expect(page.locator("[data-clock]")).to_have_text(re.compile(r"^\d\d:\d\d$"))
