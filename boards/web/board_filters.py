"""A board's find and filters as its page's query keeps them (issue 24), so a reload or a
shared link shows the board as it was left: `sok` on every board; on the allocation board
also `enhet`, `sone`, `forfalt`, `mine`, `ventet` (more than N days) and `sorter`.

The page fills its form from them; `static/pasientflyt.js` applies them to the cards the page
already holds (only what the viewer may see), and again after every live update. A value the
board does not know (a unit of another municipality, a word for a sorting) is dropped, not
refused: a link outlives the places it named.

"Mine" is the flows whose next step is the allocation office's (a task it owns and has not
done, or one it receives, done, to confirm: the card's `office_loops`). Tasks belong to
parties, never to one caseworker, and every caseworker of an office sees the same board, so
"mine" is the office's work, the "Å gjøre" and "Til bekreftelse" lists' patients.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from projections.bed_grid import PlaceChoice

#: The orders of the ready column: as the board keeps it (the most waiting days when drawn,
#: a changed card on top), by waiting days, or by the earliest due time of its open loops.
SORTINGS = ("", "ventedogn", "frist")
#: A search longer than this is no patient's name or number.
MOST_SEARCHED = 100
#: A wait longer than this is no filter anyone means.
MOST_DAYS = 3650


@dataclass(frozen=True)
class BoardFilters:
    search: str = ""
    unit: UUID | None = None
    zone: UUID | None = None
    overdue: bool = False
    mine: bool = False
    waited_more_than: int | None = None
    sort: str = ""

    @classmethod
    def of_query(cls, query: Mapping[str, str], places: Iterable[PlaceChoice] = ()) -> BoardFilters:
        """The filters the query names, each kept only if the board knows it; a unit or
        zone only if it is one of `places`."""
        known = list(places)
        units = {p.id for p in known if not p.is_zone}
        zones = {p.id for p in known if p.is_zone}
        days = query.get("ventet", "").strip()
        waited = min(int(days), MOST_DAYS) if days.isascii() and days.isdigit() else None
        sort = query.get("sorter", "")
        return cls(
            search=" ".join(query.get("sok", "").split())[:MOST_SEARCHED],
            unit=_one_of(query.get("enhet", ""), units),
            zone=_one_of(query.get("sone", ""), zones),
            overdue=query.get("forfalt") == "1",
            mine=query.get("mine") == "1",
            waited_more_than=waited,
            sort=sort if sort in SORTINGS else "",
        )


def _one_of(text: str, ids: set[UUID]) -> UUID | None:
    try:
        found = UUID(text)
    except ValueError:
        return None
    return found if found in ids else None
