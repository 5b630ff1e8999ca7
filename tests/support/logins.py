"""Logging in through the login page as a browser does, and the CSRF token a page carries."""

from __future__ import annotations

import re

import httpx2 as httpx
from fastapi.testclient import TestClient

from boards.web import sessions

#: The password the test world gives the caseworker `saksbehandler`.
PASSWORD = "pw-1"
#: The password the test world gives the nurse `sykepleier`.
NURSE_PASSWORD = "pw-2"


def log_in(
    client: TestClient, username: str = "saksbehandler", password: str = PASSWORD
) -> httpx.Response:
    client.get("/logg-inn").raise_for_status()
    token = client.cookies[sessions.LOGIN_CSRF_COOKIE]
    return client.post(
        "/logg-inn",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def csrf_token_of(client: TestClient, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found is not None
    return found.group(1)
