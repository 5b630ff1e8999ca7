"""Headers and dates outside their ranges are refused with 422 and a sentence, never 500: a
superscript digit or too many digits in `If-Match` or `Last-Event-ID` (`str.isdigit` takes
"²", `int` does not), and a date query parameter outside the plausible days."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx2 as httpx
import pytest
from support.erasure_story import with_admin

from boards.shapes import ascii_number
from flow.national_id import with_check_digits

if TYPE_CHECKING:
    from support.world import World

API = "/api/v1"


def raw(value: str) -> bytes:
    """A header's bytes as a client may send them: Latin-1 where it can (so the server
    reads "²" as "²"), else UTF-8."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


def problem_of(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["code"]


def field_messages(answer: httpx.Response) -> list[str]:
    return [field["msg"] for field in answer.json()["detail"]]


def a_flow(world: World) -> str:
    referral = {
        "national_id": with_check_digits("018180123"), "name": "Kari Nordmann",
        "source": "home", "location": "Hjemme", "need": "Korttid",
    }  # fmt: skip
    answer = world.client.post(f"{API}/flows", json=referral, headers=world.headers())
    assert answer.status_code == 201, answer.text
    flow_id: str = answer.json()["id"]
    return flow_id


@pytest.mark.parametrize("value", ["²", "¹²", "1²", '"²"', 'W/"1²"', "٣", "1" * 10])
def test_an_if_match_that_is_no_version_is_refused_with_a_sentence(
    world: World, value: str
) -> None:
    headers = {**world.headers(), "If-Match": raw(value)}
    path = f"{API}/flows/{a_flow(world)}/closing"
    answer = world.client.post(path, json={"reason": "other"}, headers=headers)

    assert problem_of(answer) == (422, "if_match_not_a_version"), answer.text
    assert answer.json()["detail"] == "If-Match må være et versjonsnummer."


def test_an_if_match_of_the_flows_version_is_taken(world: World) -> None:
    headers = {**world.headers(), "If-Match": 'W/"1"'}
    path = f"{API}/flows/{a_flow(world)}/closing"
    answer = world.client.post(path, json={"reason": "other"}, headers=headers)

    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("value", ["²", "1²", "9" * 5000, "-1", "abc"])
def test_a_last_event_id_that_is_no_position_is_refused_with_a_sentence(
    world: World, value: str
) -> None:
    headers = {**world.headers(), "Last-Event-ID": raw(value), "Accept-Language": "en"}
    answer = world.client.get(f"{API}/stream", headers=headers)

    assert problem_of(answer) == (422, "last_event_id_not_a_position"), answer.text
    assert answer.json()["detail"] == (
        "Last-Event-ID must be the number of an event the stream has sent."
    )


@pytest.mark.parametrize(
    "path",
    [
        "/figures?from=0001-01-01",
        "/figures?to=9999-12-31",
        "/figures/export.csv?from=0001-01-01",
        "/users/{leader}/looks?to=9999-12-31",
        "/users/{leader}/looks?from=0001-01-01",
    ],
)
def test_a_day_outside_the_plausible_days_is_refused_with_a_sentence(
    world: World, path: str
) -> None:
    w = with_admin(world)
    leader = w.accounts.find("leder")
    assert leader is not None
    answer = w.client.get(API + path.format(leader=leader.id), headers=w.headers("leder"))

    assert problem_of(answer) == (422, "invalid_request"), answer.text
    assert any("2000-01-01" in message for message in field_messages(answer))


def test_a_header_number_is_ascii_digits_of_a_sane_length() -> None:
    assert ascii_number("0042", 9) == 42
    assert [ascii_number(text, 9) for text in ("²", "٣", "1" * 10, "", " 1", "+1")] == [None] * 6
