"""Home care's next days per zone on hand-built inputs: a planned homecoming comes on its
day and brings its first visit due by the next; homecomings not yet planned come at the
zone's rate for the share of past ones planned less far ahead; a day is marked busy only
against a usual load the zone has."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from uuid import UUID

from projections.forecast.model import Spread
from projections.forecast.zones import KNOWN_AFTER, ZoneInputs, zone_forecast

TODAY = date(2026, 3, 2)
ZONE = UUID(int=9)


def inputs(**changed: object) -> ZoneInputs:
    values: dict[str, object] = {
        "zone_id": ZONE,
        "name": "Sone Nord",
        "planned": Counter(),
        "visits_due": Counter(),
        "per_day": 0.0,
        "lead": (),
        "daily": (0,) * 365,
    }
    values.update(changed)
    return ZoneInputs(**values)  # type: ignore[arg-type]


def test_a_planned_homecoming_comes_on_its_day_with_its_first_visit_due_by_the_next() -> None:
    zone = zone_forecast(
        inputs(planned=Counter({3: 2}), visits_due=Counter({0: 1})), TODAY, random.Random(1), 50
    )

    assert [d.homecomings.mid for d in zone.days[:5]] == [0, 0, 0, 2, 0]
    assert [d.first_visits.mid for d in zone.days[:5]] == [1, 0, 0, 0, 2]
    assert zone.days[4].first_visits == Spread(2, 2, 2)
    assert zone.usual is None and not any(d.busy for d in zone.days)  # no year behind it


def test_homecomings_not_yet_planned_come_for_the_share_planned_less_far_ahead() -> None:
    # Half the past homecomings were planned 5 days ahead, half not at all; 4 a day.
    zone = zone_forecast(
        inputs(per_day=4.0, lead=(0,) * 50 + (5,) * 50), TODAY, random.Random(2), 400
    )

    assert zone.days[0].homecomings.mid == 0  # today's are planned, none here
    assert 1 <= zone.days[3].homecomings.mid <= 3  # half of 4 still unplanned
    assert 3 <= zone.days[9].homecomings.mid <= 5  # beyond 5 days, none planned yet


def test_a_day_with_more_first_visits_than_nine_days_in_ten_is_marked() -> None:
    usual_year = (0,) * 200 + (1,) * 130 + (3,) * 35  # 9 days in 10 had at most 1
    assert sum(usual_year) >= KNOWN_AFTER
    zone = zone_forecast(
        inputs(daily=usual_year, planned=Counter({1: 1, 4: 2})), TODAY, random.Random(3), 50
    )

    assert zone.usual == 1
    assert [d.busy for d in zone.days[:6]] == [False, False, False, False, False, True]
