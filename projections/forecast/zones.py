"""Home care's next 14 days per zone: the patients coming home, and the first home visits
they bring (`first_home_visit` in fixtures/checklists.yaml: due within 24 hours of the
discharge home, so a homecoming's visit falls due that day or the next).

Homecomings are those planned (a discharge home to the zone on a day), and those not yet
planned, at the zone's recent daily rate, for the share of its past homecomings that were
planned no more than that many days ahead (or not at all). First visits due on a day are
the open ones due then, and those of the day before's homecomings. A day is marked when
its first visits are more than the zone had on nine days in ten of the last year: home
care's capacity is not known to the product, its usual load is; a zone with fewer than
`KNOWN_AFTER` homecomings that year has no usual load yet, and no day is marked.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, select

from flow.payment_clock import oslo_day
from flow.vocabulary import HOSPITAL_PHASES, Destination, Phase, UnitKind
from projections.bed_grid import units
from projections.figures.leader_figures import homecomings
from projections.flow_cards import cards
from projections.forecast.inputs import HISTORY_DAYS, RATE_DAYS
from projections.forecast.model import DAYS, DRAWS, Spread, poisson, within
from projections.task_list import LOOP_OPEN, tasks

FIRST_VISIT = "first_home_visit"
KNOWN_AFTER = 20


@dataclass(frozen=True)
class ZoneDay:
    day: date
    homecomings: Spread
    first_visits: Spread
    #: More first visits than on nine days in ten of the last year.
    busy: bool


@dataclass(frozen=True)
class ZoneForecast:
    zone_id: UUID
    name: str
    #: The first visits a day that nine days in ten of the last year did not exceed; None
    #: before the zone has a year's usual load to tell.
    usual: int | None
    #: Today first, then the next `DAYS` days.
    days: tuple[ZoneDay, ...]

    @property
    def ahead(self) -> tuple[ZoneDay, ...]:
        return self.days[1:]


@dataclass(frozen=True)
class ZoneInputs:
    zone_id: UUID
    name: str
    planned: Counter[int]  # homecomings planned, by days from today
    visits_due: Counter[int]  # open first visits, by days from today
    per_day: float  # homecomings a day, recently
    lead: tuple[int, ...]  # days a past homecoming was planned ahead, sorted (0: unplanned)
    daily: tuple[int, ...]  # homecomings on each day of the last year, sorted


def zone_forecasts(
    db: Connection, municipality_id: UUID, now: datetime, *, seed: int, draws: int = DRAWS
) -> list[ZoneForecast]:
    today = oslo_day(now)
    rng = random.Random(seed)
    return [zone_forecast(z, today, rng, draws) for z in read_zones(db, municipality_id, now)]


def zone_forecast(z: ZoneInputs, today: date, rng: random.Random, draws: int) -> ZoneForecast:
    horizon = DAYS + 1
    runs = []
    for _ in range(draws):
        home = [
            z.planned[t] + poisson(rng, z.per_day * within(z.lead, t - 1)) for t in range(horizon)
        ]
        visits = [z.visits_due[t] + (home[t - 1] if t else 0) for t in range(horizon)]
        runs.append((home, visits))
    usual = z.daily[int(0.9 * (len(z.daily) - 1))] if sum(z.daily) >= KNOWN_AFTER else None
    days = []
    for t in range(horizon):
        due = Spread.of([v[t] for _, v in runs])
        busy = usual is not None and due.mid > usual
        days.append(
            ZoneDay(today + timedelta(days=t), Spread.of([h[t] for h, _ in runs]), due, busy)
        )
    return ZoneForecast(z.zone_id, z.name, usual, tuple(days))


def read_zones(db: Connection, municipality_id: UUID, now: datetime) -> list[ZoneInputs]:
    today = oslo_day(now)
    since, recent = now - timedelta(days=HISTORY_DAYS), now - timedelta(days=RATE_DAYS)
    zones = db.execute(
        select(units.c.unit_id, units.c.name)
        .where(
            units.c.municipality_id == municipality_id,
            units.c.kind == UnitKind.HOME_CARE_ZONE.value,
        )
        .order_by(units.c.name)
    ).all()
    planned: dict[UUID, Counter[int]] = {z: Counter() for z, _ in zones}
    plans = select(cards.c.plan_zone, cards.c.plan_on).where(
        cards.c.municipality_id == municipality_id,
        cards.c.plan_destination == Destination.HOME.value,
        cards.c.phase.in_([Phase.ON_STAY.value, *(p.value for p in HOSPITAL_PHASES)]),
        cards.c.plan_on >= today,
    )
    for zone, on in db.execute(plans):
        if zone in planned:
            planned[zone][(on - today).days] += 1
    due: dict[UUID, Counter[int]] = {z: Counter() for z, _ in zones}
    visits = select(tasks.c.owner_unit, tasks.c.due_at).where(
        tasks.c.municipality_id == municipality_id,
        tasks.c.key == FIRST_VISIT,
        tasks.c.status.in_(LOOP_OPEN),
    )
    for zone, due_at in db.execute(visits):
        if zone in due:
            due[zone][max(0, (oslo_day(due_at) - today).days)] += 1
    came = db.execute(
        select(homecomings.c.zone_id, homecomings.c.discharged_at).where(
            homecomings.c.municipality_id == municipality_id,
            homecomings.c.discharged_at >= since,
        )
    ).all()
    lead = _lead(db, municipality_id, since)
    found = []
    for zone, name in zones:
        days = Counter(oslo_day(at) for z, at in came if z == zone)
        per_day = sum(1 for z, at in came if z == zone and at >= recent) / RATE_DAYS
        daily = [days.get(today - timedelta(days=n), 0) for n in range(1, HISTORY_DAYS + 1)]
        found.append(
            ZoneInputs(
                zone,
                name,
                planned[zone],
                due[zone],
                per_day,
                lead.get(zone, ()),
                tuple(sorted(daily)),
            )
        )
    return found


def _lead(db: Connection, municipality_id: UUID, since: datetime) -> dict[UUID, tuple[int, ...]]:
    """Per zone, how many days ahead its past homecomings were planned (0: not planned, or
    on the day)."""
    query = (
        select(homecomings.c.zone_id, cards.c.plan_made_at, homecomings.c.discharged_at)
        .join(cards, cards.c.flow_id == homecomings.c.flow_id)
        .where(
            homecomings.c.municipality_id == municipality_id,
            homecomings.c.discharged_at >= since,
        )
    )
    found: dict[UUID, list[int]] = {}
    for zone, made, left in db.execute(query):
        ahead = (oslo_day(left) - oslo_day(made)).days if made and made <= left else 0
        found.setdefault(zone, []).append(ahead)
    return {zone: tuple(sorted(days)) for zone, days in found.items()}
