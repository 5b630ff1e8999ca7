"""The leaders' figures over whole months that are over, through the API on both stores:
`from` and `to` take a month (YYYY-MM) or, as the contract always had it, a date standing
for its month; the month in progress is never a column, in the figures or their export."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from support.admin_world import admin_world  # noqa: F401  (a fixture)
from support.world import World

#: Sunday 6 December 2026: November is the last month over.
NOW = datetime(2026, 12, 6, 18, tzinfo=UTC)


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    admin_world.clock.now = NOW
    return admin_world


def get(w: World, query: str) -> Any:
    return w.client.get(f"/api/v1/figures{query}", headers=w.headers("leder"))


def answer(w: World, query: str) -> dict[str, Any]:
    response = get(w, query)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_month_and_a_day_of_it_give_the_same_period(w: World) -> None:
    by_month = answer(w, "?from=2026-11")
    assert by_month == answer(w, "?from=2026-11-17") == answer(w, "?from=2026-11-30&to=2026-11-01")
    assert (by_month["start"], by_month["end"], by_month["months"]) == (
        "2026-11-01",
        "2026-11-30",
        ["2026-11"],
    )
    assert answer(w, "?from=2026-03&to=2026-05") == answer(w, "?from=2026-03-31&to=2026-05-02")


@pytest.mark.parametrize(
    "query", ["", "?from=2026-11&to=2026-12", "?to=2027-06", "?from=2026-06-15&to=2026-12-06"]
)
def test_the_month_in_progress_is_never_a_column(w: World, query: str) -> None:
    found = answer(w, query)
    assert found["months"] and "2026-12" not in found["months"]
    assert found["months"][-1] == "2026-11"
    assert [t["key"] for t in found["tables"] if "2026-12" in t["columns"]] == []


def test_the_last_twelve_months_over_by_default(w: World) -> None:
    found = answer(w, "")
    assert found["months"] == ["2025-12", *(f"2026-{m:02d}" for m in range(1, 12))]
    assert (found["start"], found["end"]) == ("2025-12-01", "2026-11-30")


def test_months_none_of_which_is_over_give_tables_with_no_month(w: World) -> None:
    found = answer(w, "?from=2026-12&to=2027-02")
    assert found["months"] == [] and (found["start"], found["end"]) == ("2026-12-01", "2027-02-28")
    assert {tuple(t["columns"]) for t in found["tables"]} == {(), ("Nå",)}
    assert all(row["values"] == [] for t in found["tables"] if t["key"] != "overdue_now"
               for row in t["rows"])  # fmt: skip


def test_the_export_holds_the_same_whole_months(w: World) -> None:
    response = w.client.get(
        "/api/v1/figures/export.xlsx?from=2026-11-17&to=2026-12-06", headers=w.headers("leder")
    )
    assert response.status_code == 200, response.text
    assert "ledertall-2026-11-2026-11.xlsx" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    by_day = book[book.sheetnames[-1]]
    header = next(by_day.iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[1] == "2026-11-01" and header[-1] == "2026-11-30" and len(header) == 31


@pytest.mark.parametrize(
    ("query", "code", "said"),
    [
        ("?from=1999-12", "invalid_request", "2000-01-01"),
        ("?to=2101-01", "invalid_request", "2100-12-31"),
        ("?from=2026-13", "invalid_request", "Skriv en måned"),
        ("?from=2026-02-30", "invalid_request", "Skriv en måned"),
        ("?from=november", "invalid_request", "Skriv en måned"),
        ("?from=2026-04&to=2026-03", "months_reversed", "Fra-måneden"),
        ("?from=2025-11", "period_too_long", "høyst ett år"),
    ],
)
def test_a_month_that_cannot_be_a_period_is_refused_with_a_sentence(
    w: World, query: str, code: str, said: str
) -> None:
    response = get(w, query)
    assert (response.status_code, response.json()["code"]) == (422, code), response.text
    assert said in response.text
