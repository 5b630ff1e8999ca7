"""The board's find and filters as the page's query keeps them: what the board knows is kept,
anything else dropped, never refused (a shared link outlives the places it named)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from boards.web.board_filters import MOST_DAYS, MOST_SEARCHED, BoardFilters
from flow.vocabulary import UnitKind
from projections.bed_grid import PlaceChoice

UNIT = PlaceChoice(uuid4(), "Solsiden korttid", UnitKind.REHAB, ("1",))
ZONE = PlaceChoice(uuid4(), "Sone Nord", UnitKind.HOME_CARE_ZONE, ())
PLACES = [UNIT, ZONE]


def test_every_filter_is_read_from_its_word() -> None:
    query = {
        "sok": "  010180   12371 ",
        "enhet": str(UNIT.id),
        "sone": str(ZONE.id),
        "forfalt": "1",
        "mine": "1",
        "ventet": "3",
        "sorter": "frist",
    }
    assert BoardFilters.of_query(query, PLACES) == BoardFilters(
        search="010180 12371",
        unit=UNIT.id,
        zone=ZONE.id,
        overdue=True,
        mine=True,
        waited_more_than=3,
        sort="frist",
    )


def test_no_query_is_no_filter() -> None:
    assert BoardFilters.of_query({}, PLACES) == BoardFilters()


@pytest.mark.parametrize(
    "query",
    [
        {"enhet": str(ZONE.id)},  # a zone is no unit
        {"sone": str(UNIT.id)},  # nor a unit a zone
        {"enhet": str(uuid4())},  # another municipality's, or gone
        {"enhet": "Solsiden"},
        {"forfalt": "ja"},
        {"mine": "on"},
        {"ventet": "-2"},
        {"ventet": "²"},  # a digit to str.isdigit, no number to int
        {"ventet": "tre"},
        {"sorter": "navn"},
    ],
)
def test_a_value_the_board_does_not_know_is_dropped(query: dict[str, str]) -> None:
    assert BoardFilters.of_query(query, PLACES) == BoardFilters()


def test_a_unit_is_known_only_among_the_places_given() -> None:
    assert BoardFilters.of_query({"enhet": str(UNIT.id)}).unit is None


def test_the_search_and_the_days_are_bounded() -> None:
    found = BoardFilters.of_query({"sok": "x" * 500, "ventet": "99999999"}, PLACES)
    assert found.search == "x" * MOST_SEARCHED
    assert found.waited_more_than == MOST_DAYS
