"""A correction in the read models (`flow/corrections.py`): the corrected flow's rows are made
again from its events, without the events corrected, by the handlers that made them. Every
model then reads the flow as if the command had never been given — its card, its wait in
hospital (the payment clock), its stays in the leaders' figures — and a rebuild from the log
gives the same rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Column, Table

from flow.corrections import Corrections
from projections.rows import Rows

Handler = Callable[[Rows, Any], None]

#: A flow's events up to and with a version, as the log has them.
FlowHistory = Callable[[UUID, int], list[Any]]

#: Stored under the class that declares it, as the closed loops' task events are.
CORRECTED = Corrections.CommandCorrected


def RESTATED(rows: Rows, e: Any) -> None:  # noqa: N802 (a marker, named as the constant it is)
    """The handler a model that restates flows has for a correction (`restate` runs instead)."""
    raise AssertionError("restated, never called")


def restate(
    rows: Rows,
    corrected: Any,
    history: FlowHistory,
    handlers: Mapping[type, Handler],
    restated: Sequence[Column[Any]],
) -> None:
    """The flow's rows made again from its events up to the correction, without the
    events corrected and the corrections: as if the command had never been given. Its
    task events are not applied again (their rows are the task's, and no correction
    changes what a task's event did); nor are counts of what happened (`Rows.replaying`)."""
    flow_id = corrected.originator_id
    for column in restated:
        table = column.table
        assert isinstance(table, Table)
        keys = [c.name for c in table.primary_key.columns]
        for row in rows.where(column, flow_id):
            rows.delete(table, *(row[k] for k in keys))
    earlier = history(flow_id, corrected.originator_version)
    voided = {cast(Any, e).corrects for e in earlier if type(e) is CORRECTED}
    rows.replaying = True
    try:
        for e in earlier:
            handler = handlers.get(type(e))
            if handler in (None, RESTATED) or e.originator_version in voided:
                continue
            if not type(e).__name__.startswith("Task"):
                handler(rows, e)
    finally:
        rows.replaying = False
