"""`ready_periods`: each period a patient waited in hospital after being declared ready,
with every answer the municipality gave in it and how it ended: what the payment clock
(`flow/payment_clock.py`) reads, for the card, the waiting-day statement and the leaders'
figures alike. Part of the flow cards' read model (`projections/flow_cards.py`), which
follows it in the same batch as the card, so a card never shows a clock older than itself.

No row holds a name, an identity number or free text: the hospital is the sender's name
and HER-id as its message gave them, and a flow opened by hand has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Index, Integer, MetaData, String, Table, Uuid

from access.database import UTCDateTime
from flow.payment_clock import Answer, ReadyPeriod, WaitEnd
from flow.vocabulary import ClosingReason, Phase
from projections.rows import Row, Rows
from projections.versions import table_name

metadata = MetaData()
#: The read model whose tables these are (`projections.versions`).
MODEL = "flow_cards"

periods = Table(
    table_name("ready_periods", MODEL),
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("number", Integer, primary_key=True),  # the flow's first period is 1
    Column("municipality_id", Uuid, nullable=False),
    Column("hospital", String(200), nullable=False),  # "" when not known
    Column("hospital_her", String(40), nullable=False),
    Column("ready_at", UTCDateTime, nullable=False),
    Column("estimate", Boolean, nullable=False),
    Column("answers", JSON, nullable=False),  # in the order told, as `_answer` writes them
    Column("ended_at", UTCDateTime),
    Column("ended_by", String(16)),  # a `WaitEnd`
    Index(table_name("ready_periods", MODEL) + "_by_day", "municipality_id", "ready_at"),
)

#: The flow events that end a wait in hospital, if one is open.
_ENDS = {
    "ReadyForDischargeWithdrawn": WaitEnd.WITHDRAWAL,
    "PatientArrived": WaitEnd.ARRIVAL,
    "PatientDischarged": WaitEnd.DISCHARGE,
    "PatientReadmitted": WaitEnd.READMISSION,
    "FlowClosed": WaitEnd.CLOSING,
}
#: The flow events this table follows.
FOLLOWED = ("ReadyForDischargeNotified", "HospitalAnswered", "HospitalMessageNoted", *_ENDS)


def follow(rows: Rows, card: Row, notice: Row | None, e: Any) -> None:
    """The flow's periods after the event; `card` is the flow's card before the event
    changes it (its phase, its latest period's number, which this keeps)."""
    kind = type(e).__name__
    flow_id, number = card["flow_id"], card["ready_period"]
    waiting = card["phase"] == Phase.READY and number
    if kind == "ReadyForDischargeNotified":
        if waiting:  # the hospital changed the day of the same wait
            rows.update(periods, flow_id, number, ready_at=e.ready_at, estimate=e.estimate)
            return
        card["ready_period"] = number + 1
        rows.put(
            periods,
            {
                "flow_id": flow_id,
                "number": number + 1,
                "municipality_id": card["municipality_id"],
                "hospital": notice["hospital"] if notice else "",
                "hospital_her": notice["hospital_her"] if notice else "",
                "ready_at": e.ready_at,
                "estimate": e.estimate,
                "answers": [],
                "ended_at": None,
                "ended_by": None,
            },
        )
    elif not waiting:
        return
    elif kind == "HospitalAnswered":
        period = rows.get(periods, flow_id, number)
        if period is not None:
            period["answers"] = [*period["answers"], _answer(e)]
            rows.changed(periods, flow_id, number)
    elif kind == "HospitalMessageNoted":
        period = rows.get(periods, flow_id, number)
        if period is not None and not period["hospital"] and isinstance(e.said, dict):
            rows.update(
                periods, flow_id, number, hospital=e.said["hospital"], hospital_her=e.hospital_her
            )
    elif kind in _ENDS:
        died = kind == "FlowClosed" and e.reason == ClosingReason.DIED
        ended_by = WaitEnd.DEATH if died else _ENDS[kind]
        rows.update(periods, flow_id, number, ended_at=e.at, ended_by=ended_by.value)


def _answer(e: Any) -> dict[str, Any]:
    return {
        "told_at": e.at.isoformat(),
        "can_receive": e.can_receive,
        "offer_from": e.offer_from.isoformat() if e.offer_from else None,
        "expected_on": e.expected_on.isoformat() if e.expected_on else None,
    }


def period_of(row: Mapping[str, Any]) -> ReadyPeriod:
    """The payment clock's period of a `ready_periods` row."""
    return ReadyPeriod(
        ready_at=row["ready_at"],
        estimate=bool(row["estimate"]),
        answers=tuple(
            Answer(
                told_at=datetime.fromisoformat(a["told_at"]),
                can_receive=a["can_receive"],
                offer_from=_day(a["offer_from"]),
                expected_on=_day(a["expected_on"]),
            )
            for a in row["answers"]
        ),
        ended_at=row["ended_at"],
        ended_by=row["ended_by"],
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
