"""An arrival or a discharge given in the browser as its user gives it: the command's button
asks once more (`boards/templates/_confirm.html`), and the confirming button, which has the
focus, gives it."""

from __future__ import annotations

from playwright.sync_api import Locator, expect


def asked(place: Locator, verb: str) -> Locator:
    """Press the command's button in `place` ("Registrere ankomst"); the confirming button,
    focused, is returned unpressed (a test timing the command presses it)."""
    place.locator("button.ask", has_text=verb).click()
    confirm = place.locator(".confirm [data-confirm]")
    expect(confirm).to_be_focused()
    return confirm


def given(place: Locator, verb: str) -> None:
    """Press the command's button in `place`, then confirm."""
    asked(place, verb).click()
