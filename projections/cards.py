"""A flow as every board shows it: the card, with its place names and loop counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from flow.patient_flow import RULES
from flow.rates import OSLO, waiting_cost
from flow.vocabulary import Phase
from projections.bed_grid import units
from projections.flow_cards import cards, initials
from projections.task_list import LOOP_OPEN, tasks


@dataclass(frozen=True)
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
    flags: list[str]
    open_loops: int
    overdue_loops: int
    allowed: list[str]


def load_cards(
    db: Connection, where: ColumnElement[bool], now: datetime, rates: Mapping[int, int]
) -> list[FlowCard]:
    """The cards of the flows `where` selects, oldest referral first."""
    rows = db.execute(select(cards).where(where).order_by(cards.c.opened_at)).all()
    if not rows:
        return []
    flow_ids = [row.flow_id for row in rows]
    names: dict[UUID | None, str] = dict(db.execute(select(units.c.unit_id, units.c.name)).all())
    loops = _loop_counts(db, flow_ids)
    return [
        _card(dict(row._mapping), names, loops.get(row.flow_id, (0, 0)), now, rates) for row in rows
    ]


def _loop_counts(db: Connection, flow_ids: list[UUID]) -> dict[UUID, tuple[int, int]]:
    open_loop = tasks.c.status.in_(LOOP_OPEN)
    query = (
        select(
            tasks.c.flow_id,
            func.count(),
            func.sum(case((tasks.c.overdue, 1), else_=0)),
        )
        .where(and_(open_loop, tasks.c.flow_id.in_(flow_ids)))
        .group_by(tasks.c.flow_id)
    )
    return {flow_id: (count, int(overdue or 0)) for flow_id, count, overdue in db.execute(query)}


def _card(
    row: Mapping[str, Any],
    names: Mapping[UUID | None, str],
    loops: tuple[int, int],
    now: datetime,
    rates: Mapping[int, int],
) -> FlowCard:
    waiting = (0, 0)
    if row["phase"] == Phase.READY and row["ready_at"] is not None and row["ready_at"] <= now:
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
        flags=list(row["flags"]),
        open_loops=loops[0],
        overdue_loops=loops[1],
        allowed=allowed_commands(row),
    )


def allowed_commands(row: Mapping[str, Any]) -> list[str]:
    """The commands the domain's own rules allow, judged from the card's row."""
    if row["phase"] == Phase.CLOSED:
        return []
    held = row["unit_id"] is not None and row["phase"] != Phase.ON_STAY
    state = SimpleNamespace(
        phase=row["phase"],
        admitted_at=row["admitted_at"],
        reservation=(row["unit_id"], row["bed"]) if held else None,
        decision=SimpleNamespace(service=row["decision_service"])
        if row["decision_service"]
        else None,
        discharge_plan=row["plan_on"],
        discharged_to=row["discharged_to"],
        safety_flags=row["flags"],
    )
    return [command.value for command, rule in RULES.items() if rule(state)]  # type: ignore[arg-type]


def _days_between(start: datetime, now: datetime) -> int:
    return (now.astimezone(OSLO).date() - start.astimezone(OSLO).date()).days


def today(now: datetime) -> date:
    """The board's day is the day in Oslo."""
    return now.astimezone(OSLO).date()
