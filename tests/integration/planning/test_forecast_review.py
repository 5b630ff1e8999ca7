"""The bed forecast against what happened (issue 29): the allocation board keeps the day's
first forecast, once a day however often it is drawn; the leaders' page lays each kept
forecast against the free beds found 1, 3 and 7 days later, beside "as today", per week; no
section before a forecast was kept."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from support.admin_world import ADMIN_PASSWORD, HERE, admin_world  # noqa: F401
from support.logins import log_in
from support.world import World

from access.forecast_log import KEPT_AHEAD, ForecastMade, made_between, record_first
from boards.services.forecast_review import weekly

MONDAY = date(2026, 11, 2)


def _kept(day: date, free_now: int, foreseen: int, kind: str = "rehab") -> ForecastMade:
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7)
    spread = (foreseen - 1, foreseen, foreseen + 1)
    return ForecastMade(day, kind, at, free_now, {h: spread for h in KEPT_AHEAD})


def test_the_board_keeps_the_first_forecast_of_each_day_once(admin_world: World) -> None:  # noqa: F811
    w = admin_world
    assert log_in(w.client).status_code == 303

    w.client.get("/tildeling").raise_for_status()
    w.clock.advance(minutes=30)  # made again after ten minutes: not kept again
    w.client.get("/tildeling").raise_for_status()
    day = w.clock().date()
    first = made_between(w.system.engine, HERE, day, day)
    w.clock.advance(days=1)
    assert log_in(w.client).status_code == 303  # a new day's session
    w.client.get("/tildeling").raise_for_status()

    assert sorted(m.kind for m in first) == ["assessment", "rehab"]
    assert {m.made_at for m in first} == {w.clock() - timedelta(days=1, minutes=30)}
    rehab = next(m for m in first if m.kind == "rehab")
    assert rehab.free_now == 4 and set(rehab.ahead) == set(KEPT_AHEAD)
    assert len(made_between(w.system.engine, HERE, day, day + timedelta(days=1))) == 4


def test_a_day_is_kept_once_whoever_comes_second(admin_world: World) -> None:  # noqa: F811
    engine = admin_world.system.engine
    assert record_first(engine, HERE, [_kept(MONDAY, 3, 2)])
    assert not record_first(engine, HERE, [_kept(MONDAY, 9, 9)])
    assert [m.free_now for m in made_between(engine, HERE, MONDAY, MONDAY)] == [3]


def test_each_week_lays_the_forecasts_against_the_free_beds_found_later(
    admin_world: World,  # noqa: F811
) -> None:
    engine = admin_world.system.engine
    # Monday: 5 free, 2 foreseen a day on; Tuesday found 2 (forecast right, as today 3 off).
    # Tuesday: 2 free, 4 foreseen; Wednesday found 6 (forecast 2 off, as today 4, outside).
    for day, free_now, foreseen in ((0, 5, 2), (1, 2, 4), (2, 6, 6)):
        record_first(engine, HERE, [_kept(MONDAY + timedelta(days=day), free_now, foreseen)])

    weeks = weekly(engine, HERE, MONDAY + timedelta(days=7))

    assert weeks[0].monday == MONDAY and weeks[0].days == 3
    one = weeks[0].scores[1]
    assert (one.pairs, one.forecast_error, one.as_today_error) == (2, 1.0, 3.5)
    assert one.within_range == 0.5
    assert 3 not in weeks[0].scores and 7 not in weeks[0].scores  # nothing found that late
    assert all(not w.scores for w in weeks[1:])


@pytest.fixture
def leader(admin_world: World) -> World:  # noqa: F811
    admin_world.clock.now = datetime(2026, 11, 12, 9, tzinfo=UTC)
    assert log_in(admin_world.client, "leder", ADMIN_PASSWORD).status_code == 303
    return admin_world


def test_the_leaders_page_shows_the_weeks_and_nothing_before_a_forecast_was_kept(
    leader: World,
) -> None:
    assert 'id="forecast-review"' not in leader.client.get("/leder/tall").text
    for day, free_now, foreseen in ((0, 5, 2), (1, 2, 4), (2, 6, 6)):
        record_first(
            leader.system.engine, HERE, [_kept(MONDAY + timedelta(days=day), free_now, foreseen)]
        )

    page = leader.client.get("/leder/tall").text

    section = re.search(r'<section class="figure forecast-review".*?</section>', page, re.S)
    assert section, page
    row = re.search(r"<th scope=\"row\">2\. nov\. 2026</th>(.*?)</tr>", section[0], re.S)
    assert row, section[0]
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td>(.*?)</td>", row[1], re.S)]
    assert cells == ["3", "1 / 3,5", "50 %", "–", "–", "–", "–"]
