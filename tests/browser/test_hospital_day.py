"""The allocation office's day with the hospital's messages, in a real browser: the day's
messages come in over HTTP as the hospital sends them, the board shows what they said, and
what the flows could not take waits on the follow-up list until a caseworker handles it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2 as httpx
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

DAY = Path(__file__).resolve().parents[2] / "fixtures" / "hospital_messages"
Screenshot = Callable[[Page, str], None]


def send_the_day(server: LiveServer) -> list[int]:
    token = server.system.accounts.issue_token("sykehus", at=datetime.now(UTC))
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        return [
            client.post("/api/v1/hospital-messages", content=path.read_bytes()).status_code
            for path in sorted(DAY.iterdir())
        ]


def test_the_office_sees_what_the_hospital_said_and_follows_up_what_it_could_not_take(
    server: LiveServer, logged_in: Callable[[str], Page], take_screenshot: Screenshot
) -> None:
    statuses = send_the_day(server)
    assert sorted(set(statuses)) == [200, 201, 409, 422], statuses

    page = logged_in("saksbehandler")
    card = page.locator("article.card", has_text="Gunvor Bakke")
    expect(card).to_contain_text("Post 2 Sør")  # the ward, as the change said
    expect(card).to_contain_text("Sykehuset Demo HF")
    expect(card.get_by_role("link", name=re.compile(r"^\+47"))).to_have_attribute(
        "href", re.compile("^tel:")
    )
    take_screenshot(page, "tildelingstavle-sykehusmeldinger")

    page.get_by_role("link", name=re.compile("må følges opp")).click()
    rows = page.locator("#hospital-messages tbody tr")
    expect(rows).to_have_count(3)
    broken = rows.filter(has_text="Ugyldig XML")
    expect(broken).to_contain_text("Sykehuset Demo HF")  # its envelope was whole
    take_screenshot(page, "sykehusmeldinger-til-oppfolging")

    broken.get_by_role("button", name="Marker som behandlet").click()
    expect(rows).to_have_count(2)
