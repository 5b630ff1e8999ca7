"""`FlowCards`: one row per flow with what every board shows of it.

The boards are queries over these rows (with the bed grid and the task list), so a
patient looks the same on every screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)

from access.database import UTCDateTime
from flow.closed_loops import ClosedLoops
from flow.hospital_notices import SAID, HospitalNotices
from flow.patient_flow import PatientFlow
from flow.vocabulary import ERASED, HOSPITAL_PHASES, Phase, ServiceKind, Source
from projections.projection import Handler, Projection
from projections.ready_periods import FOLLOWED, follow, periods
from projections.rows import Row, Rows
from projections.versions import table_name

metadata = MetaData()
#: The read model whose tables these are (`projections.versions`).
MODEL = "flow_cards"

cards = Table(
    table_name("flow_cards", MODEL),
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("municipality_id", Uuid, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("national_id", String(11), nullable=False),
    Column("phase", String(16), nullable=False, index=True),
    Column("source", String(16), nullable=False),
    Column("location", String(200), nullable=False),
    Column("need", String(2000), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("admitted_at", UTCDateTime),
    Column("ready_at", UTCDateTime),
    Column("ready_estimate", Boolean),
    Column("ready_period", Integer, nullable=False),  # the latest's number (ready_periods)
    Column("wait_reason", String(32)),
    Column("decision_service", String(32)),
    Column("decision_unit", Uuid),
    Column("decision_zone", Uuid),
    Column("decision_starts_on", Date),
    Column("unit_id", Uuid, index=True),
    Column("bed", String(20)),
    Column("reserved_at", UTCDateTime),
    Column("arrived_at", UTCDateTime),
    Column("plan_on", Date),
    Column("plan_estimate", Boolean),
    Column("plan_destination", String(32)),
    Column("plan_zone", Uuid, index=True),
    Column("plan_made_at", UTCDateTime),
    Column("left_unit", Uuid, index=True),
    Column("left_unit_at", UTCDateTime),
    Column("discharged_at", UTCDateTime),
    Column("discharged_to", String(32)),
    Column("home_care_zone", Uuid, index=True),
    Column("home_care_started_at", UTCDateTime),
    Column("flags", JSON, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("closing_reason", String(32)),
    Column("changed_at", UTCDateTime, nullable=False),
    # Hospital messages find the patient's flow by number (boards/hospital/ingest.py).
    Index(table_name("flow_cards", MODEL) + "_patient", "municipality_id", "national_id"),
)

#: What the hospital's latest message about a flow said (`flow/hospital_notices.py`).
notices = Table(
    table_name("hospital_notices", MODEL),
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("message_id", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("dispatch", String(16), nullable=False),
    Column("happened_at", UTCDateTime, nullable=False),
    Column("hospital", String(200), nullable=False),
    Column("hospital_her", String(40), nullable=False),
    Column("department", String(200), nullable=False),
    Column("department_her", String(40), nullable=False),
    Column("ward", String(200), nullable=False),
    Column("contact_name", String(200), nullable=False),
    Column("contact_hpr", String(40), nullable=False),
    Column("contact_phone", String(40), nullable=False),
    Column("remark", String(2000), nullable=False),
    Column("discharged_to", String(8), nullable=False),
)

_NOT_READY = {"ready_at": None, "ready_estimate": None, "wait_reason": None}
_NO_BED = {"unit_id": None, "bed": None, "reserved_at": None}
_NO_PLAN = {
    "plan_made_at": None,
    "plan_on": None,
    "plan_estimate": None,
    "plan_destination": None,
    "plan_zone": None,
}


def initials(name: str) -> str:
    """What a corridor may show of a name: "Kari Nordmann" becomes "K.N."."""
    return "".join(f"{part[0].upper()}." for part in name.split() if part[:1].isalpha())


class FlowCards(Projection):
    name = MODEL
    tables = (cards, notices, periods)
    by_originator = (cards.c.flow_id, notices.c.flow_id, periods.c.flow_id)
    restated = by_originator
    finished = {
        cards.name: lambda row: row["phase"] == Phase.CLOSED,
        periods.name: lambda row: row["ended_at"] is not None,
    }

    def _card_handlers(self) -> dict[type, Handler]:
        f = PatientFlow
        loops = (
            ClosedLoops.TaskOpened,
            ClosedLoops.TaskCompleted,
            ClosedLoops.TaskAcknowledged,
            ClosedLoops.TaskRejected,
            ClosedLoops.TaskOverdue,
            ClosedLoops.TaskCancelled,
        )
        return {
            **dict.fromkeys(loops, _task_event),
            f.FlowOpened: self._opened,
            f.HospitalAdmissionNotified: _change(
                lambda e, _: {
                    "phase": Phase.IN_HOSPITAL.value,
                    "location": e.hospital,
                    "admitted_at": e.admitted_at,
                }
            ),
            f.ReadyForDischargeNotified: _change(
                lambda e, _: {
                    **_NOT_READY,
                    "phase": Phase.READY.value,
                    "ready_at": e.ready_at,
                    "ready_estimate": e.estimate,
                }
            ),
            f.ReadyForDischargeWithdrawn: _change(
                lambda e, _: {**_NOT_READY, "phase": Phase.IN_HOSPITAL.value}
            ),
            f.HospitalAnswered: _change(lambda e, _: {}),
            f.WaitReasonRecorded: _change(lambda e, _: {"wait_reason": e.reason}),
            f.ServiceDecided: _change(
                lambda e, _: {
                    "decision_service": e.decision.service,
                    "decision_unit": e.decision.unit_id,
                    "decision_zone": e.decision.zone_id,
                    "decision_starts_on": e.decision.starts_on,
                }
            ),
            f.BedReserved: _change(_reserved),
            f.ReservationCancelled: _change(lambda e, _: _NO_BED),
            f.PatientArrived: _change(
                lambda e, _: {
                    **_NOT_READY,
                    **_NO_PLAN,
                    "phase": Phase.ON_STAY.value,
                    "arrived_at": e.at,
                    "reserved_at": None,
                }
            ),
            f.PatientMoved: _change(lambda e, _: {"bed": e.bed}),
            f.DischargePlanned: _change(
                lambda e, _: {
                    "plan_made_at": e.at,
                    "plan_on": e.plan.on,
                    "plan_estimate": e.plan.estimate,
                    "plan_destination": e.plan.destination,
                    "plan_zone": e.plan.zone_id,
                }
            ),
            f.PatientDischarged: _change(_discharged),
            f.HomeCareStarted: _change(
                lambda e, row: {
                    "phase": Phase.HOME_CARE.value,
                    "home_care_zone": row["plan_zone"],
                    "home_care_started_at": e.at,
                }
            ),
            f.PatientReadmitted: _change(
                lambda e, row: {
                    **_NOT_READY,
                    **_NO_BED,
                    **_NO_PLAN,
                    **_left(e, row),
                    "phase": Phase.IN_HOSPITAL.value,
                    "location": e.hospital,
                    "admitted_at": e.at,
                }
            ),
            f.SafetyFlagRaised: _change(lambda e, row: {"flags": sorted({*row["flags"], e.flag})}),
            f.SafetyFlagCleared: _change(
                lambda e, row: {"flags": [flag for flag in row["flags"] if flag != e.flag]}
            ),
            f.IdentityErased: self._erased,
            HospitalNotices.HospitalMessageNoted: self._noted,
            f.FlowClosed: _change(
                lambda e, row: {
                    **_NO_BED,
                    **_left(e, row),
                    "phase": Phase.CLOSED.value,
                    "closed_at": e.at,
                    "closing_reason": e.reason,
                }
            ),
        }

    def handlers(self) -> dict[type, Handler]:
        """Each flow event with the card's own handler, and those of a wait in hospital
        with the ready periods' too, before it: they read the card as it was."""
        handlers = self._card_handlers()
        for event_class in [c for c in handlers if c.__name__ in FOLLOWED]:
            handlers[event_class] = _with_periods(handlers[event_class])
        return handlers

    def corrected(self, rows: Rows, e: Any) -> None:
        _task_event(rows, e)  # the card's version and time

    def _noted(self, rows: Rows, e: Any) -> None:
        """The latest message's notice replaces the one before; the card's version moves."""
        said = e.said if isinstance(e.said, dict) else dict.fromkeys(SAID, ERASED)
        notice = {
            "flow_id": e.originator_id,
            "message_id": e.message_id,
            "kind": e.kind,
            "dispatch": e.dispatch,
            "happened_at": e.happened_at,
            "hospital_her": e.hospital_her,
            "department_her": e.department_her,
            "discharged_to": e.discharged_to,
            **{name: said[name] for name in SAID},
        }
        rows.put(notices, notice)
        _task_event(rows, e)

    def _erased(self, rows: Rows, e: Any) -> None:
        erased = {"name": ERASED, "national_id": "", "location": ERASED, "need": ERASED}
        _change(lambda e, _: erased)(rows, e)
        if rows.get(notices, e.originator_id) is not None:
            rows.update(notices, e.originator_id, **dict.fromkeys(SAID, ERASED))

    def _opened(self, rows: Rows, e: Any) -> None:
        in_hospital = e.source == Source.HOSPITAL
        rows.put(
            cards,
            {
                "flow_id": e.originator_id,
                "municipality_id": e.municipality_id,
                "version": e.originator_version,
                "name": e.patient.name,
                "national_id": e.patient.national_id,
                "phase": (Phase.IN_HOSPITAL if in_hospital else Phase.REFERRED).value,
                "source": e.source,
                "location": e.location,
                "need": e.need,
                "opened_at": e.at,
                "flags": [],
                "ready_period": 0,
                "changed_at": e.at,
            },
        )


def _reserved(e: Any, row: Row) -> dict[str, Any]:
    """A bed reserved in hospital is the way out of it: a discharge planned there is void."""
    in_hospital = row["phase"] in HOSPITAL_PHASES
    return {
        **(_NO_PLAN if in_hospital else {}),
        "unit_id": e.unit_id,
        "bed": e.bed,
        "reserved_at": e.at,
    }


def _discharged(e: Any, row: Row) -> dict[str, Any]:
    # .get: a flow discharged straight from hospital may never have had a decision.
    short_term = row.get("decision_service") == ServiceKind.SHORT_TERM_STAY
    decision = (
        dict.fromkeys(("decision_service", "decision_unit", "decision_zone", "decision_starts_on"))
        if short_term
        else {}
    )
    return {
        **_NOT_READY,  # out of hospital, if discharged from there: the clock stops
        **_NO_BED,
        **decision,
        **_left(e, row),
        "phase": Phase.DISCHARGED.value,
        "discharged_at": e.at,
        "discharged_to": row["plan_destination"],
    }


def _left(e: Any, row: Row) -> dict[str, Any]:
    """A patient who leaves a unit stays its patient for 72 hours (the care relation)."""
    if row["phase"] != Phase.ON_STAY:
        return {}
    return {"left_unit": row["unit_id"], "left_unit_at": e.at}


def _with_periods(handler: Handler) -> Handler:
    def handle(rows: Rows, e: Any) -> None:
        card = rows.get(cards, e.originator_id)
        if card is not None:
            follow(rows, card, rows.get(notices, e.originator_id), e)
        handler(rows, e)

    return handle


def _task_event(rows: Rows, e: Any) -> None:
    """A task's event changes nothing on the card but its version and time; six in ten
    events of a log are a task's."""
    rows.update(cards, e.originator_id, version=e.originator_version, changed_at=e.at)


def _change(values: Callable[[Any, Row], dict[str, Any]]) -> Handler:
    """A handler that sets columns of the flow's row from the event (and the row)."""

    def handle(rows: Rows, e: Any) -> None:
        row = rows.get(cards, e.originator_id)
        if row is not None:
            row.update(values(e, row), version=e.originator_version, changed_at=e.at)
            rows.changed(cards, e.originator_id)

    return handle
