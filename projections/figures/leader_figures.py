"""`LeaderFigures`: what the leaders' figures count, kept from the log without identities.

No row here holds a name, an identity number or free text; flow ids are kept only to join a
flow's own events and never leave this module (`projections/figures/queries.py` reads the
tables). The waits in hospital after a ready notice are the flow cards' `ready_periods`
(`projections/ready_periods.py`), which the figures read by the payment clock.

* `figure_stays`: each stay on a short-term unit, arrival to leaving and how it left.
* `figure_homecomings`: each discharge home, from a stay or straight from hospital, and a
  readmission to hospital within 30 days of it.
* `figure_loops`: each closed-loop task: the event that opened it, when it was opened, due,
  closed or cancelled.
* `figure_flags`: each safety flag raised on a flow, when it was raised and cleared (the
  patient-safety figures, `projections/figures/safety.py`, join it to the stays).
* `figure_moves`: per municipality and day, the moves recorded and how many places were told
  of each (the allocation office and the units and zones the flow is tied to).
* `figure_flows`: what a flow's next event needs to know of it: where it is tied, what is open.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table, Uuid

from access.database import UTCDateTime
from flow.closed_loops import ClosedLoops
from flow.patient_flow import PatientFlow
from flow.rates import OSLO
from flow.vocabulary import HOSPITAL_PHASES, Destination, Phase, Source
from projections.projection import Handler, Projection
from projections.rows import Row, Rows
from projections.versions import table_name

metadata = MetaData()
#: The read model whose tables these are (`projections.versions`).
MODEL = "leader_figures"

#: A readmission this soon after a discharge home counts against that discharge.
READMISSION_WINDOW = timedelta(days=30)

flows = Table(
    table_name("figure_flows", MODEL),
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False),
    Column("phase", String(16), nullable=False),
    Column("stay", Integer, nullable=False),
    Column("stays", Integer, nullable=False),
    Column("homecomings", Integer, nullable=False),
    Column("reserved_unit", Uuid),
    Column("stay_unit", Uuid),
    Column("decision_zone", Uuid),
    Column("plan_home", Boolean, nullable=False),  # the discharge planned is home
    Column("plan_home_zone", Uuid),
    Column("home_zone", Uuid),
    Column("flags", JSON, nullable=False),  # per flag, how many times it was raised
)

stays = Table(
    table_name("figure_stays", MODEL),
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("unit_id", Uuid, nullable=False),
    Column("arrived_at", UTCDateTime, nullable=False),
    Column("left_at", UTCDateTime),
    Column("left_by", String(16)),  # discharge, readmission, closing
)

homecomings = Table(
    table_name("figure_homecomings", MODEL),
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("zone_id", Uuid),
    Column("discharged_at", UTCDateTime, nullable=False),
    Column("readmitted_at", UTCDateTime),
)

loops = Table(
    table_name("figure_loops", MODEL),
    metadata,
    Column("task_id", Uuid, primary_key=True),
    Column("flow_id", Uuid, nullable=False, index=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("key", String(64), nullable=False),
    Column("trigger", String(64), nullable=False),  # the event whose checklist opened it
    Column("title", String(200), nullable=False),
    Column("owner_unit", Uuid),
    Column("receiver_unit", Uuid),
    Column("has_receiver", Boolean, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("cancelled_at", UTCDateTime),
)

flags = Table(
    table_name("figure_flags", MODEL),
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("flag", String(32), primary_key=True),
    Column("number", Integer, primary_key=True),  # its raising on the flow: 1, 2 ...
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("cleared_at", UTCDateTime),
)

moves = Table(
    table_name("figure_moves", MODEL),
    metadata,
    Column("municipality_id", Uuid, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("moves", Integer, nullable=False),
    Column("told", Integer, nullable=False),  # places told, summed over the moves
)

_PHASE_AFTER = {
    "HospitalAdmissionNotified": Phase.IN_HOSPITAL,
    "ReadyForDischargeNotified": Phase.READY,
    "ReadyForDischargeWithdrawn": Phase.IN_HOSPITAL,
    "PatientArrived": Phase.ON_STAY,
    "PatientDischarged": Phase.DISCHARGED,
    "HomeCareStarted": Phase.HOME_CARE,
    "PatientReadmitted": Phase.IN_HOSPITAL,
    "FlowClosed": Phase.CLOSED,
}
_ENDS_STAY = {
    "PatientDischarged": "discharge",
    "PatientReadmitted": "readmission",
    "FlowClosed": "closing",
}
#: The flow events that are a move someone would otherwise have written into a list.
MOVES = (
    "FlowOpened",
    "HospitalAdmissionNotified",
    "ReadyForDischargeNotified",
    "ReadyForDischargeWithdrawn",
    "HospitalAnswered",
    "ServiceDecided",
    "BedReserved",
    "ReservationCancelled",
    "PatientArrived",
    "PatientMoved",
    "DischargePlanned",
    "PatientDischarged",
    "HomeCareStarted",
    "PatientReadmitted",
    "FlowClosed",
)


class LeaderFigures(Projection):
    name = MODEL
    retired = ("figure_ready",)  # the waits are the flow cards' ready_periods now
    tables = (flows, stays, homecomings, loops, flags, moves)
    by_originator = (
        flows.c.flow_id,
        stays.c.flow_id,
        homecomings.c.flow_id,
        flags.c.flow_id,
    )
    restated = by_originator
    by_task = (loops.c.task_id,)
    finished = {
        flows.name: lambda row: row["phase"] == Phase.CLOSED,
        stays.name: lambda row: row["left_at"] is not None,
        loops.name: lambda row: row["closed_at"] is not None or row["cancelled_at"] is not None,
        flags.name: lambda row: row["cleared_at"] is not None,
    }

    def handlers(self) -> dict[type, Handler]:
        handlers: dict[type, Handler] = {
            getattr(PatientFlow, name): self._flow_event for name in MOVES
        }
        handlers[PatientFlow.FlowOpened] = self._opened
        handlers[ClosedLoops.TaskOpened] = self._task_opened
        handlers[ClosedLoops.TaskCompleted] = self._task_completed
        handlers[ClosedLoops.TaskAcknowledged] = _task(closed=True)
        handlers[ClosedLoops.TaskRejected] = _task(closed=False)
        handlers[ClosedLoops.TaskCancelled] = _task(cancelled=True)
        handlers[PatientFlow.SafetyFlagRaised] = self._flag_raised
        handlers[PatientFlow.SafetyFlagCleared] = self._flag_cleared
        return handlers

    def _opened(self, rows: Rows, e: Any) -> None:
        phase = Phase.IN_HOSPITAL if e.source == Source.HOSPITAL else Phase.REFERRED
        flow: Row = {
            "flow_id": e.originator_id,
            "municipality_id": e.municipality_id,
            "phase": phase.value,
            **dict.fromkeys(("stay", "stays", "homecomings"), 0),
            "plan_home": False,
            "flags": {},
            **dict.fromkeys(
                ("reserved_unit", "stay_unit", "decision_zone", "plan_home_zone", "home_zone")
            ),
        }
        rows.put(flows, flow)
        _count_move(rows, flow, e.at, told=set())

    def _flow_event(self, rows: Rows, e: Any) -> None:
        flow = rows.get(flows, e.originator_id)
        if flow is None:
            return
        kind = type(e).__name__
        before = _tied(flow)
        if kind in _ENDS_STAY and flow["stay"]:
            rows.update(
                stays, flow["flow_id"], flow["stay"], left_at=e.at, left_by=_ENDS_STAY[kind]
            )
            flow["stay"] = 0
        _follow(rows, flow, kind, e)
        if kind in _PHASE_AFTER:
            flow["phase"] = _PHASE_AFTER[kind].value
        rows.changed(flows, e.originator_id)
        _count_move(rows, flow, e.at, told=before)

    def _task_opened(self, rows: Rows, e: Any) -> None:
        task = e.task
        rows.put(
            loops,
            {
                "task_id": task.id,
                "flow_id": e.originator_id,
                "municipality_id": e.by.municipality_id,
                "key": task.key,
                "trigger": task.trigger,
                "title": task.title,
                "owner_unit": task.owner.unit_id,
                "receiver_unit": task.receiver.unit_id if task.receiver else None,
                "has_receiver": task.receiver is not None,
                "opened_at": e.at,
                "due_at": task.due_at,
                "closed_at": None,
                "cancelled_at": None,
            },
        )

    def _flag_raised(self, rows: Rows, e: Any) -> None:
        flow = rows.get(flows, e.originator_id)
        if flow is None:
            return
        number = flow["flags"].get(e.flag, 0) + 1
        flow["flags"] = {**flow["flags"], e.flag: number}
        rows.changed(flows, e.originator_id)
        rows.put(
            flags,
            {
                "flow_id": e.originator_id,
                "flag": e.flag,
                "number": number,
                "municipality_id": flow["municipality_id"],
                "raised_at": e.at,
                "cleared_at": None,
            },
        )

    def _flag_cleared(self, rows: Rows, e: Any) -> None:
        flow = rows.get(flows, e.originator_id)
        if flow is not None and e.flag in flow["flags"]:
            rows.update(flags, e.originator_id, e.flag, flow["flags"][e.flag], cleared_at=e.at)

    def _task_completed(self, rows: Rows, e: Any) -> None:
        row = rows.get(loops, e.task_id)
        if row is not None and not row["has_receiver"]:
            rows.update(loops, e.task_id, closed_at=e.at)


def _follow(rows: Rows, flow: Row, kind: str, e: Any) -> None:
    """The flow's own state after the event: what it is tied to, what it has open."""
    flow_id, municipality_id = flow["flow_id"], flow["municipality_id"]
    if kind == "ServiceDecided":
        flow["decision_zone"] = e.decision.zone_id
    elif kind == "BedReserved":
        flow["reserved_unit"] = e.unit_id
        if flow["phase"] in HOSPITAL_PHASES:  # the bed replaces a plan
            flow["plan_home"], flow["plan_home_zone"] = False, None
    elif kind == "ReservationCancelled":
        flow["reserved_unit"] = None
    elif kind == "PatientArrived" and flow["reserved_unit"] is not None:
        flow["stays"] += 1
        flow["stay"] = flow["stays"]
        flow["stay_unit"], flow["reserved_unit"] = flow["reserved_unit"], None
        rows.put(
            stays,
            {
                "flow_id": flow_id,
                "number": flow["stay"],
                "municipality_id": municipality_id,
                "unit_id": flow["stay_unit"],
                "arrived_at": e.at,
                "left_at": None,
                "left_by": None,
            },
        )
    elif kind == "DischargePlanned":
        flow["plan_home"] = e.plan.destination == Destination.HOME
        flow["plan_home_zone"] = e.plan.zone_id if flow["plan_home"] else None
    elif kind == "PatientDischarged":
        if flow["plan_home"]:
            flow["homecomings"] += 1
            rows.put(
                homecomings,
                {
                    "flow_id": flow_id,
                    "number": flow["homecomings"],
                    "municipality_id": municipality_id,
                    "zone_id": flow["plan_home_zone"],
                    "discharged_at": e.at,
                    "readmitted_at": None,
                },
            )
        flow["stay_unit"] = None
    elif kind == "HomeCareStarted":
        flow["home_zone"] = flow["plan_home_zone"] or flow["decision_zone"]
    elif kind == "PatientReadmitted":
        last = rows.get(homecomings, flow_id, flow["homecomings"]) if flow["homecomings"] else None
        if last is not None and last["readmitted_at"] is None:
            if e.at - last["discharged_at"] <= READMISSION_WINDOW:
                rows.update(homecomings, flow_id, flow["homecomings"], readmitted_at=e.at)
        flow.update(_UNTIED)
    elif kind == "FlowClosed":
        flow.update(_UNTIED, decision_zone=None)


_UNTIED = {
    "stay_unit": None,
    "reserved_unit": None,
    "plan_home": False,
    "plan_home_zone": None,
    "home_zone": None,
}


def _tied(flow: Row) -> set[Any]:
    """The units and zones told of the flow's moves: where it is reserved, stays, is going
    home to or is at home in."""
    places = ("reserved_unit", "stay_unit", "decision_zone", "plan_home_zone", "home_zone")
    return {flow[p] for p in places if flow[p] is not None}


def _count_move(rows: Rows, flow: Row, at: datetime, told: set[Any]) -> None:
    """One more move on the day; the office and every place tied before or after are told.
    A flow's earlier events applied again for a correction are not moves again."""
    if rows.replaying:
        return
    day = at.astimezone(OSLO).date()
    key = (flow["municipality_id"], day)
    places = 1 + len(told | _tied(flow))
    row = rows.get(moves, *key)
    if row is None:
        rows.put(moves, {"municipality_id": key[0], "day": day, "moves": 1, "told": places})
    else:
        rows.update(moves, *key, moves=row["moves"] + 1, told=row["told"] + places)


def _task(**change: bool) -> Handler:
    def handle(rows: Rows, e: Any) -> None:
        values: dict[str, Any] = {}
        if "closed" in change:
            values["closed_at"] = e.at if change["closed"] else None
        if change.get("cancelled"):
            values["cancelled_at"] = e.at
        rows.update(loops, e.task_id, **values)

    return handle
