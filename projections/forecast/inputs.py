"""What a forecast starts from, read from the read models: the situation now (`Situation`:
the beds, who is in them and till when, who waits, who is in hospital) and the
municipality's own history (`History`: how long its stays last, how long from admission
to ready, how many of the ready go on to a stay of each kind, how many come from home).

No name, identity number or free text is read: a forecast counts, it shows no patient.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, and_, case, func, or_, select

from flow.payment_clock import WaitEnd, midnight, oslo_day
from flow.vocabulary import BedStatus, Phase, ServiceKind, Source, UnitKind
from projections.bed_grid import beds, units
from projections.figures.leader_figures import stays
from projections.flow_cards import cards
from projections.ready_periods import periods

#: How far back the lengths of stays and of hospital stays are taken.
HISTORY_DAYS = 365
#: How far back the daily rates of new patients are taken: recent, as the office knows it.
RATE_DAYS = 28


@dataclass(frozen=True)
class Unit:
    unit_id: UUID
    name: str
    kind: str
    beds: int
    free: int


@dataclass(frozen=True)
class Occupant:
    """A patient in a bed, or with one reserved (she comes, and stays from then)."""

    kind: str
    unit_id: UUID
    days_in: int
    plan_on: date | None


@dataclass(frozen=True)
class Waiting:
    """A patient decided for a stay of a kind, without a bed: needing it from `from_day`
    (ready in hospital now, or referred from home to start that day)."""

    flow_id: UUID
    kind: str
    from_day: date


@dataclass(frozen=True)
class InHospital:
    """A patient in hospital with no stay decided: admitted `days_in` days ago, or ready."""

    days_in: int
    ready: bool


@dataclass(frozen=True)
class Situation:
    today: date
    #: The part of today still to come (0 to 1): today's new patients are that part of a day's.
    day_left: float
    units: tuple[Unit, ...]
    occupants: tuple[Occupant, ...]
    waiting: tuple[Waiting, ...]
    in_hospital: tuple[InHospital, ...]


@dataclass(frozen=True)
class History:
    #: Per unit kind, the lengths in days of the stays that ended, sorted.
    stay_days: dict[str, tuple[int, ...]]
    #: Per unit kind, how many days before the end of those stays their discharge was
    #: planned (0: on the day, or never: a death, a readmission), sorted.
    plan_lead: dict[str, tuple[int, ...]]
    #: Days from admission to the ready notice, sorted.
    ready_days: tuple[int, ...]
    #: Ready notices per day, recently.
    ready_per_day: float
    #: Per unit kind, the share of ready notices followed by a stay of that kind.
    kind_share: dict[str, float]
    #: Per unit kind, stays begun from home per day, recently (a flow's card keeps no
    #: decision once closed, so the referrals are counted by the stays they came to; an
    #: acute patient who found every bed taken went to hospital and is not counted).
    home_per_day: dict[str, float]
    #: Per unit kind, days from a referral from home to the day its stay was to start, sorted.
    home_lead: dict[str, tuple[int, ...]]
    #: Monday to Sunday, how many ready notices and stays begun a day had, against the
    #: week's average (1.0 each before there is a history): fewer at weekends.
    weekday_weight: tuple[float, ...] = (1.0,) * 7


def read_situation(db: Connection, municipality_id: UUID, now: datetime) -> Situation:
    day = oslo_day(now)
    kinds = {uid: kind for uid, kind in db.execute(select(units.c.unit_id, units.c.kind))}
    return Situation(
        day,
        _day_left(now, day),
        _units(db, municipality_id),
        _occupants(db, municipality_id, kinds, day),
        *_waiting(db, municipality_id, kinds, day),
    )


def read_history(db: Connection, municipality_id: UUID, now: datetime) -> History:
    since, recent = now - timedelta(days=HISTORY_DAYS), now - timedelta(days=RATE_DAYS)
    kinds = {uid: kind for uid, kind in db.execute(select(units.c.unit_id, units.c.kind))}
    ended = (
        select(stays.c.unit_id, stays.c.arrived_at, stays.c.left_at, cards.c.plan_made_at)
        .join(cards, cards.c.flow_id == stays.c.flow_id)
        .where(stays.c.municipality_id == municipality_id, stays.c.left_at >= since)
    )
    lengths: defaultdict[str, list[int]] = defaultdict(list)
    leads: defaultdict[str, list[int]] = defaultdict(list)
    for unit_id, arrived, left, planned in db.execute(ended):
        lengths[kinds[unit_id]].append((oslo_day(left) - oslo_day(arrived)).days)
        # the card keeps the flow's latest plan: this stay's if made within it
        within_stay = planned is not None and arrived <= planned <= left
        leads[kinds[unit_id]].append(
            (oslo_day(left) - oslo_day(planned)).days if within_stay else 0
        )
    from_hospital, from_home = Counter[str](), Counter[str]()
    begun = (
        select(stays.c.unit_id, stays.c.number, cards.c.source)
        .join(cards, cards.c.flow_id == stays.c.flow_id)
        .where(stays.c.municipality_id == municipality_id, stays.c.arrived_at >= recent)
    )
    for unit_id, number, source in db.execute(begun):
        home = source == Source.HOME and number == 1
        (from_home if home else from_hospital)[kinds[unit_id]] += 1
    notices = int(
        db.scalar(
            select(func.count()).where(
                periods.c.municipality_id == municipality_id,
                periods.c.ready_at >= recent,
                or_(periods.c.ended_by.is_(None), periods.c.ended_by != WaitEnd.WITHDRAWAL),
            )
        )
        or 0
    )
    return History(
        {kind: tuple(sorted(days)) for kind, days in lengths.items()},
        {kind: tuple(sorted(days)) for kind, days in leads.items()},
        _ready_days(db, municipality_id, since),
        notices / RATE_DAYS,
        {kind: n / notices for kind, n in from_hospital.items()} if notices else {},
        {kind: n / RATE_DAYS for kind, n in from_home.items()},
        _home_lead(db, municipality_id, since, kinds),
        _weekday_weight(db, municipality_id, since, now),
    )


def _day_left(now: datetime, day: date) -> float:
    """The part of the Oslo day `day` after `now`."""
    left = midnight(day + timedelta(days=1)) - now
    return min(1.0, max(0.0, left / (midnight(day + timedelta(days=1)) - midnight(day))))


def _units(db: Connection, municipality_id: UUID) -> tuple[Unit, ...]:
    free = func.sum(case((beds.c.status == BedStatus.FREE.value, 1), else_=0))
    query = (
        select(units.c.unit_id, units.c.name, units.c.kind, units.c.beds, free)
        .join(beds, beds.c.unit_id == units.c.unit_id)
        .where(
            units.c.municipality_id == municipality_id,
            units.c.kind != UnitKind.HOME_CARE_ZONE.value,
        )
        .group_by(units.c.unit_id, units.c.name, units.c.kind, units.c.beds)
        .order_by(units.c.kind, units.c.name)
    )
    return tuple(Unit(*row[:4], int(row[4] or 0)) for row in db.execute(query))


def _occupants(
    db: Connection, municipality_id: UUID, kinds: dict[UUID, str], day: date
) -> tuple[Occupant, ...]:
    held = (
        select(beds.c.unit_id, cards.c.arrived_at, cards.c.plan_on, cards.c.phase)
        .join(cards, cards.c.flow_id == beds.c.flow_id)
        .where(
            cards.c.municipality_id == municipality_id,
            beds.c.status.in_([BedStatus.OCCUPIED.value, BedStatus.RESERVED.value]),
        )
    )
    found = []
    for unit_id, arrived, plan_on, phase in db.execute(held):
        days_in = (day - oslo_day(arrived)).days if phase == Phase.ON_STAY and arrived else 0
        found.append(Occupant(kinds[unit_id], unit_id, days_in, plan_on))
    return tuple(found)


def _waiting(
    db: Connection, municipality_id: UUID, kinds: dict[UUID, str], day: date
) -> tuple[tuple[Waiting, ...], tuple[InHospital, ...]]:
    """The patients with a stay decided and no bed, and those in hospital with none."""
    query = select(
        cards.c.flow_id,
        cards.c.phase,
        cards.c.admitted_at,
        cards.c.decision_service,
        cards.c.decision_unit,
        cards.c.decision_starts_on,
        cards.c.unit_id,
    ).where(
        cards.c.municipality_id == municipality_id,
        cards.c.phase.in_([Phase.REFERRED.value, Phase.IN_HOSPITAL.value, Phase.READY.value]),
    )
    waiting, in_hospital = [], []
    for flow_id, phase, admitted, service, unit, starts_on, bed_unit in db.execute(query):
        if bed_unit is not None:
            continue  # a bed is reserved: an occupant
        if service == ServiceKind.SHORT_TERM_STAY and unit is not None:
            start = day if phase == Phase.READY else max(day, starts_on or day)
            waiting.append(Waiting(flow_id, kinds[unit], start))
        elif service is None and phase != Phase.REFERRED:
            days_in = (day - oslo_day(admitted)).days if admitted else 0
            in_hospital.append(InHospital(days_in, phase == Phase.READY))
    return tuple(waiting), tuple(in_hospital)


def _ready_days(db: Connection, municipality_id: UUID, since: datetime) -> tuple[int, ...]:
    query = select(cards.c.admitted_at, cards.c.ready_at).where(
        cards.c.municipality_id == municipality_id,
        and_(cards.c.ready_at >= since, cards.c.ready_at >= cards.c.admitted_at),
    )
    return tuple(sorted((oslo_day(r) - oslo_day(a)).days for a, r in db.execute(query)))


def _home_lead(
    db: Connection, municipality_id: UUID, since: datetime, kinds: dict[UUID, str]
) -> dict[str, tuple[int, ...]]:
    query = select(cards.c.decision_unit, cards.c.opened_at, cards.c.decision_starts_on).where(
        cards.c.municipality_id == municipality_id,
        cards.c.source == Source.HOME.value,
        cards.c.decision_service == ServiceKind.SHORT_TERM_STAY.value,
        cards.c.opened_at >= since,
    )
    found: defaultdict[str, list[int]] = defaultdict(list)
    for unit_id, opened, starts in db.execute(query):
        if unit_id in kinds and starts is not None:
            found[kinds[unit_id]].append(max(0, (starts - oslo_day(opened)).days))
    return {kind: tuple(sorted(days)) for kind, days in found.items()}


def _weekday_weight(
    db: Connection, municipality_id: UUID, since: datetime, now: datetime
) -> tuple[float, ...]:
    """Per weekday, the ready notices and the stays begun on such a day, against the mean;
    flat before eight weeks of them."""
    moments = [
        *db.scalars(
            select(periods.c.ready_at).where(
                periods.c.municipality_id == municipality_id, periods.c.ready_at >= since
            )
        ),
        *db.scalars(
            select(stays.c.arrived_at).where(
                stays.c.municipality_id == municipality_id, stays.c.arrived_at >= since
            )
        ),
    ]
    counted = Counter(oslo_day(at).weekday() for at in moments if at <= now)
    weeks = (now - max(since, min(moments, default=now))).days / 7
    if weeks < 8 or not counted:
        return (1.0,) * 7
    mean = sum(counted.values()) / 7
    return tuple(counted.get(day, 0) / mean for day in range(7))
