"""A flow as every board shows it: the card, with its place names and loop counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from cachetools import LRUCache
from sqlalchemy import ColumnElement, Connection, Engine, and_, case, func, or_, select

from flow.flow_rules import allowed_commands
from flow.flow_values import BedRef, DischargePlan
from flow.payment_clock import Clock
from flow.rates import OSLO
from flow.vocabulary import Phase, TaskStatus
from projections.bed_grid import units
from projections.flow_cards import cards, initials, notices
from projections.ready_periods import period_of, periods
from projections.task_list import LOOP_OPEN, tasks


@dataclass(frozen=True, slots=True)
class CardNotice:
    """What the hospital's latest message about the flow said: who sent it, where the
    patient is, whom to call (`flow/hospital_notices.py`)."""

    kind: str
    dispatch: str
    happened_at: datetime
    hospital: str
    department: str
    ward: str
    contact_name: str
    contact_phone: str
    contact_hpr: str
    remark: str
    discharged_to: str


_NOTICE = tuple(name for name in CardNotice.__dataclass_fields__)
#: What the card reads of its wait's period (`projections/ready_periods.py`).
_PERIOD = ("ready_at", "estimate", "answers", "ended_at", "ended_by")


@dataclass(frozen=True, slots=True)
class FlowCard:
    """A flow as a board shows it. It has the facts the domain's rules read of a flow
    (`flow.flow_rules.FlowFacts`), so the commands it offers are the flow's own."""

    flow_id: UUID
    version: int
    name: str
    initials: str
    national_id: str
    phase: str
    location: str
    need: str
    admitted_at: datetime | None
    ready_at: datetime | None
    ready_estimate: bool
    #: The waiting days the municipality pays for so far, and what they cost: the payment
    #: clock's (`flow/payment_clock.py`) of the wait in hospital, while the patient is ready.
    days_waiting: int
    cost_so_far: int
    clock: Clock | None
    wait_reason: str | None
    decision_service: str | None
    decision_unit_id: UUID | None
    unit_id: UUID | None
    unit_name: str | None
    bed: str | None
    arrived_at: datetime | None
    days_on_unit: int | None
    plan_on: date | None
    plan_estimate: bool
    plan_destination: str | None
    plan_zone: UUID | None
    discharged_to: str | None
    zone_id: UUID | None
    zone_name: str | None
    flags: tuple[str, ...]
    open_loops: int
    overdue_loops: int
    #: Of the open loops, those whose next step is the allocation office's (a task it owns
    #: and has not done, or one it receives, done, to confirm); the rest are others'.
    office_loops: int
    notice: CardNotice | None = None
    #: The earliest due time of its open loops (None: none open); a board sorts by it.
    next_due: datetime | None = None
    #: The commands the domain's rules allow the flow, judged on the card itself; made once
    #: with the card (cards are kept), read on every showing of it.
    allowed: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed", tuple(c.value for c in allowed_commands(self)))

    @property
    def reservation(self) -> BedRef | None:
        """The bed held for the patient outside a stay."""
        if self.unit_id is None or self.bed is None or self.phase == Phase.ON_STAY:
            return None
        return BedRef(self.unit_id, self.bed)

    @property
    def discharge_plan(self) -> DischargePlan | None:
        """The plan for leaving, as the flow holds it."""
        on, destination = self.plan_on, self.plan_destination
        if on is None or destination is None:
            return None
        return DischargePlan(on, self.plan_estimate, destination, self.plan_zone)

    @property
    def safety_flags(self) -> tuple[str, ...]:
        """The flags, by the name the rules read them."""
        return self.flags


#: The columns of `flow_cards` a card is made from.
_SHOWN = (
    "flow_id",
    "version",
    "name",
    "national_id",
    "phase",
    "location",
    "need",
    "admitted_at",
    "ready_at",
    "ready_estimate",
    "wait_reason",
    "decision_service",
    "decision_unit",
    "unit_id",
    "bed",
    "arrived_at",
    "plan_on",
    "plan_estimate",
    "plan_destination",
    "plan_zone",
    "left_unit",
    "discharged_to",
    "home_care_zone",
    "flags",
)


#: A loop whose next step is the allocation office's: it owns it and has not done it, or it
#: receives it, done, to confirm (the office is the party of no unit).
_OFFICE_STEP = or_(
    and_(tasks.c.owner_unit.is_(None), tasks.c.status == TaskStatus.OPEN.value),
    and_(
        tasks.c.has_receiver,
        tasks.c.receiver_unit.is_(None),
        tasks.c.status == TaskStatus.COMPLETED.value,
    ),
)


def load_cards(
    db: Connection, where: ColumnElement[bool], now: datetime, rates: Mapping[int, int]
) -> list[FlowCard]:
    """The cards of the flows `where` selects, oldest referral first (the flow's id between
    two opened at the same moment: the same order on every store, in a past board's private
    database and after a rebuild).

    A card is a function of its flow's row, its loop counts and the day, and the row's
    `version` changes with every event of the flow. So the flows are listed with their
    versions and counts first, and only the cards not made before are read and made.
    """
    counts = (
        select(
            tasks.c.flow_id,
            func.count().label("open_loops"),
            func.sum(case((tasks.c.overdue, 1), else_=0)).label("overdue_loops"),
            func.sum(case((_OFFICE_STEP, 1), else_=0)).label("office_loops"),
            func.min(tasks.c.due_at).label("next_due"),
        )
        .where(
            tasks.c.status.in_(LOOP_OPEN),
            tasks.c.flow_id.in_(select(cards.c.flow_id).where(where)),  # the shown flows only
        )
        .group_by(tasks.c.flow_id)
        .subquery()
    )
    open_loops = func.coalesce(counts.c.open_loops, 0).label("open_loops")
    overdue_loops = func.coalesce(counts.c.overdue_loops, 0).label("overdue_loops")
    office_loops = func.coalesce(counts.c.office_loops, 0).label("office_loops")
    with_counts = cards.outerjoin(counts, counts.c.flow_id == cards.c.flow_id)
    listed = (
        select(cards.c.flow_id, cards.c.version, open_loops, overdue_loops, office_loops)
        .select_from(with_counts)
        .where(where)
    )
    rates_key = tuple(sorted(rates.items()))
    day = today(now)
    keys = [
        (flow_id, version, open_count, overdue_count, office_count, day, rates_key)
        for flow_id, version, open_count, overdue_count, office_count in db.execute(
            listed.order_by(cards.c.opened_at, cards.c.flow_id)
        ).all()
    ]
    made = _made.setdefault(db.engine, LRUCache(maxsize=_MAX_CARDS))
    known = [made.get(key) for key in keys]
    missing = [key[0] for key, card in zip(keys, known, strict=True) if card is None]
    fresh: dict[UUID, FlowCard] = {}  # made now, whatever changed since the listing
    if missing:
        names: dict[UUID | None, str] = dict(
            db.execute(select(units.c.unit_id, units.c.name)).all()
        )
        said = (notices.c[name].label(f"notice_{name}") for name in _NOTICE)
        waited = (periods.c[name].label(f"period_{name}") for name in _PERIOD)
        this_period = and_(
            periods.c.flow_id == cards.c.flow_id, periods.c.number == cards.c.ready_period
        )
        shown = select(
            *(cards.c[name] for name in _SHOWN),
            *said,
            *waited,
            open_loops,
            overdue_loops,
            office_loops,
            counts.c.next_due,
        ).select_from(
            with_counts.outerjoin(notices, notices.c.flow_id == cards.c.flow_id).outerjoin(
                periods, this_period
            )
        )
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            for row in db.execute(shown.where(cards.c.flow_id.in_(chunk))).mappings():
                card = card_from_row(row, names, now, rates)
                fresh[card.flow_id] = card
                key = (card.flow_id, card.version, card.open_loops, card.overdue_loops)
                made[(*key, card.office_loops, day, rates_key)] = card
    found = (card or fresh.get(key[0]) for key, card in zip(keys, known, strict=True))
    return [card for card in found if card is not None]


#: The cards made so far, per database; a card is looked up by what it is made of.
_made: WeakKeyDictionary[Engine, LRUCache[tuple[Any, ...], FlowCard]] = WeakKeyDictionary()
_MAX_CARDS = 100_000


def forget_made_cards() -> None:
    """Drop every card made so far, as a restart does."""
    _made.clear()


def load_card(
    engine: Engine, municipality_id: UUID, flow_id: UUID, now: datetime, rates: Mapping[int, int]
) -> FlowCard | None:
    """One flow's card, if the flow is the municipality's."""
    mine = and_(cards.c.flow_id == flow_id, cards.c.municipality_id == municipality_id)
    with engine.connect() as db:
        found = load_cards(db, mine, now, rates)
    return found[0] if found else None


def flow_of_patient(
    engine: Engine, municipality_id: UUID, national_id: str, *, closed: bool = True
) -> UUID | None:
    """The patient's flow in the municipality: the newest still open, else (if `closed`)
    the newest closed one."""
    query = (
        select(cards.c.flow_id)
        .where(cards.c.municipality_id == municipality_id, cards.c.national_id == national_id)
        .order_by(cards.c.closed_at.is_not(None), cards.c.opened_at.desc())
        .limit(1)
    )
    if not closed:
        query = query.where(cards.c.closed_at.is_(None))
    with engine.connect() as db:
        flow_id: UUID | None = db.scalar(query)
    return flow_id


def card_from_row(
    row: Mapping[Any, Any],
    names: Mapping[UUID | None, str],
    now: datetime,
    rates: Mapping[int, int],
) -> FlowCard:
    """The card of a `flow_cards` row with its loop counts (`open_loops`, `overdue_loops`),
    its places named from `names`, on the day of `now`."""
    clock = None
    if row["phase"] == Phase.READY and row.get("period_ready_at") is not None:
        period = period_of({name: row[f"period_{name}"] for name in _PERIOD})
        clock = period.clock(today(now), rates)
    arrived = row["arrived_at"]
    on_unit = row["phase"] == Phase.ON_STAY and arrived is not None
    zone = row["plan_zone"] or row["home_care_zone"]
    left = row["left_unit"] if row["phase"] == Phase.DISCHARGED else None
    return FlowCard(
        flow_id=row["flow_id"],
        version=row["version"],
        name=row["name"],
        initials=initials(row["name"]),
        national_id=row["national_id"],
        phase=row["phase"],
        location=row["location"],
        need=row["need"],
        admitted_at=row["admitted_at"],
        ready_at=row["ready_at"],
        ready_estimate=bool(row["ready_estimate"]),
        days_waiting=clock.days if clock else 0,
        cost_so_far=clock.cost if clock else 0,
        clock=clock,
        wait_reason=row["wait_reason"],
        decision_service=row["decision_service"],
        decision_unit_id=row["decision_unit"],
        unit_id=row["unit_id"],
        unit_name=names.get(row["unit_id"] or left),
        bed=row["bed"],
        arrived_at=arrived,
        days_on_unit=_days_between(arrived, now) if on_unit else None,
        plan_on=row["plan_on"],
        plan_estimate=bool(row["plan_estimate"]),
        plan_destination=row["plan_destination"],
        plan_zone=row["plan_zone"],
        discharged_to=row["discharged_to"],
        zone_id=zone,
        zone_name=names.get(zone),
        flags=tuple(row["flags"]),
        open_loops=row["open_loops"],
        overdue_loops=row["overdue_loops"],
        office_loops=row["office_loops"],
        notice=_notice(row),
        next_due=row.get("next_due"),
    )


def _notice(row: Mapping[Any, Any]) -> CardNotice | None:
    if row.get("notice_kind") is None:
        return None
    return CardNotice(**{name: row[f"notice_{name}"] for name in _NOTICE})


def _days_between(start: datetime, now: datetime) -> int:
    return (now.astimezone(OSLO).date() - start.astimezone(OSLO).date()).days


def today(now: datetime) -> date:
    """The board's day is the day in Oslo."""
    return now.astimezone(OSLO).date()
