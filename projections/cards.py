"""A flow as every board shows it: the card, with its place names and loop counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from cachetools import LRUCache
from sqlalchemy import ColumnElement, Connection, Engine, and_, case, func, select

from flow.flow_rules import RULES
from flow.rates import OSLO, waiting_cost
from flow.vocabulary import Command, Phase
from projections.bed_grid import units
from projections.flow_cards import cards, initials
from projections.task_list import LOOP_OPEN, tasks


@dataclass(frozen=True, slots=True)
class FlowCard:
    flow_id: UUID
    version: int
    name: str
    initials: str
    national_id: str
    phase: str
    location: str
    need: str
    ready_at: datetime | None
    ready_estimate: bool
    days_waiting: int
    cost_so_far: int
    answer_can_receive: bool | None
    wait_reason: str | None
    decision_service: str | None
    unit_id: UUID | None
    unit_name: str | None
    bed: str | None
    arrived_at: datetime | None
    days_on_unit: int | None
    plan_on: date | None
    plan_estimate: bool
    plan_destination: str | None
    zone_id: UUID | None
    zone_name: str | None
    flags: tuple[str, ...]
    open_loops: int
    overdue_loops: int
    allowed: tuple[str, ...]

    @property
    def quick_commands(self) -> list[str]:
        """The commands a board offers as one click."""
        return [c for c in self.allowed if c in _QUICK]

    @property
    def more_commands(self) -> list[str]:
        """The commands that need a form."""
        return [c for c in self.allowed if c not in _QUICK]


_QUICK = {Command.ARRIVE.value, Command.DISCHARGE.value, Command.START_HOME_CARE.value}


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
    "answer_can_receive",
    "wait_reason",
    "decision_service",
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


def load_cards(
    db: Connection, where: ColumnElement[bool], now: datetime, rates: Mapping[int, int]
) -> list[FlowCard]:
    """The cards of the flows `where` selects, oldest referral first.

    A card is a function of its flow's row, its loop counts and the day, and the row's
    `version` changes with every event of the flow. So the flows are listed with their
    versions and counts first, and only the cards not made before are read and made.
    """
    counts = (
        select(
            tasks.c.flow_id,
            func.count().label("open_loops"),
            func.sum(case((tasks.c.overdue, 1), else_=0)).label("overdue_loops"),
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
    with_counts = cards.outerjoin(counts, counts.c.flow_id == cards.c.flow_id)
    listed = (
        select(cards.c.flow_id, cards.c.version, open_loops, overdue_loops)
        .select_from(with_counts)
        .where(where)
    )
    rates_key = tuple(sorted(rates.items()))
    day = today(now)
    keys = [
        (flow_id, version, open_count, overdue_count, day, rates_key)
        for flow_id, version, open_count, overdue_count in db.execute(
            listed.order_by(cards.c.opened_at)
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
        shown = select(*(cards.c[name] for name in _SHOWN), open_loops, overdue_loops).select_from(
            with_counts
        )
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            for row in db.execute(shown.where(cards.c.flow_id.in_(chunk))).mappings():
                card = _card(row, names, now, rates)
                fresh[card.flow_id] = card
                key = (card.flow_id, card.version, card.open_loops, card.overdue_loops)
                made[(*key, day, rates_key)] = card
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


def _card(
    row: Mapping[Any, Any],
    names: Mapping[UUID | None, str],
    now: datetime,
    rates: Mapping[int, int],
) -> FlowCard:
    waiting = (0, 0)
    if row["phase"] == Phase.READY and row["ready_at"] is not None:
        waiting = waiting_cost(row["ready_at"], now, rates)
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
        ready_at=row["ready_at"],
        ready_estimate=bool(row["ready_estimate"]),
        days_waiting=waiting[0],
        cost_so_far=waiting[1],
        answer_can_receive=row["answer_can_receive"],
        wait_reason=row["wait_reason"],
        decision_service=row["decision_service"],
        unit_id=row["unit_id"],
        unit_name=names.get(row["unit_id"] or left),
        bed=row["bed"],
        arrived_at=arrived,
        days_on_unit=_days_between(arrived, now) if on_unit else None,
        plan_on=row["plan_on"],
        plan_estimate=bool(row["plan_estimate"]),
        plan_destination=row["plan_destination"],
        zone_id=zone,
        zone_name=names.get(zone),
        flags=tuple(row["flags"]),
        open_loops=row["open_loops"],
        overdue_loops=row["overdue_loops"],
        allowed=allowed_commands(row),
    )


def allowed_commands(row: Mapping[Any, Any]) -> tuple[str, ...]:
    """The commands the domain's own rules allow, judged from the card's row."""
    if row["phase"] == Phase.CLOSED:
        return ()
    held = row["unit_id"] is not None and row["phase"] != Phase.ON_STAY
    return _allowed(
        row["phase"],
        row["admitted_at"] is not None,
        held,
        row["decision_service"],
        row["plan_on"] is not None,
        row["discharged_to"],
        bool(row["flags"]),
    )


@cache
def _allowed(
    phase: str,
    admitted: bool,
    held: bool,
    service: str | None,
    planned: bool,
    discharged_to: str | None,
    flagged: bool,
) -> tuple[str, ...]:
    """`RULES` on the few facts they look at; a board has few distinct combinations."""
    state = SimpleNamespace(
        phase=phase,
        admitted_at=True if admitted else None,
        reservation=True if held else None,
        decision=SimpleNamespace(service=service) if service else None,
        discharge_plan=True if planned else None,
        discharged_to=discharged_to,
        safety_flags=flagged,
    )
    return tuple(command.value for command, rule in RULES.items() if rule(state))  # type: ignore[arg-type]


def _days_between(start: datetime, now: datetime) -> int:
    return (now.astimezone(OSLO).date() - start.astimezone(OSLO).date()).days


def today(now: datetime) -> date:
    """The board's day is the day in Oslo."""
    return now.astimezone(OSLO).date()
