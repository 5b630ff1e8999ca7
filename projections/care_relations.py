"""The care relations of flows, read from the flow cards and the task list, for the policy."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from sqlalchemy import Connection, RowMapping, or_, select

from access.policy import CareRelations
from flow.vocabulary import HOSPITAL_PHASES, Phase
from projections.flow_cards import cards
from projections.task_list import LOOP_OPEN, tasks


def care_relations(db: Connection, flow_ids: Collection[UUID]) -> dict[UUID, CareRelations]:
    """The relations of each of the flows that exists, by flow id."""
    found = db.execute(select(cards).where(cards.c.flow_id.in_(list(flow_ids)))).mappings()
    rows = {row["flow_id"]: row for row in found}
    task_units: dict[UUID, set[UUID]] = {flow_id: set() for flow_id in rows}
    open_tasks = select(tasks.c.flow_id, tasks.c.owner_unit, tasks.c.receiver_unit).where(
        tasks.c.flow_id.in_(list(rows)),
        tasks.c.status.in_(LOOP_OPEN),
        or_(tasks.c.owner_unit.is_not(None), tasks.c.receiver_unit.is_not(None)),
    )
    for flow_id, owner, receiver in db.execute(open_tasks):
        task_units[flow_id].update(unit for unit in (owner, receiver) if unit is not None)
    return {
        flow_id: CareRelations(
            municipality_id=row["municipality_id"],
            present=frozenset(_present(row)),
            left_unit=row["left_unit"],
            left_unit_at=row["left_unit_at"],
            open_task_units=frozenset(task_units[flow_id]),
        )
        for flow_id, row in rows.items()
    }


def _present(row: RowMapping) -> set[UUID]:
    """Reserved to or placed in a unit; coming home to (or cared for at home by) a zone."""
    if row["phase"] == Phase.CLOSED:
        return set()
    places = [row["unit_id"], row["decision_zone"]]
    if row["phase"] in HOSPITAL_PHASES | {Phase.ON_STAY, Phase.DISCHARGED}:
        places.append(row["plan_zone"])
    if row["phase"] == Phase.HOME_CARE:
        places.append(row["home_care_zone"])
    return {place for place in places if place is not None}
