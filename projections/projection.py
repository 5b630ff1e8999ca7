"""A read model as the projector feeds it: its tables, its handler for each event class it
needs, and how a batch of events changes its rows (`projections/projector.py` runs the batches)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any, ClassVar

from sqlalchemy import Column, Connection, Table

from projections.restating import CORRECTED, RESTATED, FlowHistory, restate
from projections.rows import Row, Rows
from projections.versions import VERSIONS, position_key

Handler = Callable[[Rows, Any], None]


class Projection:
    """A read model: tables of its own, and a handler per event class it needs."""

    name: ClassVar[str]
    tables: ClassVar[Sequence[Table]]

    def handlers(self) -> dict[type, Handler]:
        raise NotImplementedError

    @property
    def key(self) -> str:
        """Its row in `projection_positions`, for its version (`projections.versions`;
        a model not listed there is in its first)."""
        return position_key(self.name, VERSIONS.get(self.name, 1))

    #: Columns holding the id of the aggregate whose events change their rows: a batch
    #: reads those rows of all its aggregates at once.
    by_originator: ClassVar[Sequence[Column[Any]]] = ()

    #: Columns holding the task id of the task events that change their rows: a batch reads
    #: the rows of its tasks at once, not those of every task of its flows.
    by_task: ClassVar[Sequence[Column[Any]]] = ()

    #: Tables (by the name without version) an earlier version of the model had and this one
    #: does not: dropped with that version (`Projector.retire_unkept`).
    retired: ClassVar[Sequence[str]] = ()

    #: Per table, when a row is finished: no event changes it again, so a rebuild lets it
    #: go. A wrong guess costs one read of the row back, never a wrong row.
    finished: ClassVar[Mapping[str, Callable[[Row], bool]]] = {}

    #: Columns holding the flow id of rows that the flow's own events make and nothing else
    #: changes: a correction (`flow/corrections.py`) makes them again from the flow's events
    #: without those it corrected (`projections/restating.py`), as if never given.
    restated: ClassVar[Sequence[Column[Any]]] = ()

    def changes(
        self,
        db: Connection,
        domain_events: Iterable[Any],
        kept: Rows | None = None,
        history: FlowHistory | None = None,
    ) -> Rows:
        """The rows the events change, changed in memory; `kept` is the rebuild's rows, if
        rebuilding; `history` reads a flow's events up to a version, for a correction.
        Nothing is written: `write` does that, in the batch's transaction."""
        handled = [(h, e) for e in domain_events if (h := self._handlers.get(type(e)))]
        rows = kept or Rows(db)
        rows.db = db
        if kept is None:
            originators = {e.originator_id for _, e in handled}
            for column in self.by_originator:
                rows.prefetch(column, originators)
            task_ids = {e.task_id for _, e in handled if hasattr(e, "task_id")}
            for column in self.by_task:
                rows.prefetch(column, task_ids)
        for handler, domain_event in handled:
            if handler is RESTATED:
                assert history is not None, "a correction is restated from the flow's events"
                restate(rows, domain_event, history, self._handlers, self.restated)
                self.corrected(rows, domain_event)
            else:
                handler(rows, domain_event)
        return rows

    def corrected(self, rows: Rows, e: Any) -> None:
        """What the correction itself changes, once its flow's rows are made again
        (`projections/restating.py`)."""

    def handles(self, event_class: type) -> bool:
        """Whether it needs the events of this class: a batch decodes only those some
        model of it needs (the task list, catching up alone, decodes no flow's moves)."""
        return event_class in self._handlers

    def write(self, rows: Rows) -> None:
        rows.flush()
        if rows.kept:
            rows.release(self.finished)

    @cached_property
    def _handlers(self) -> dict[type, Handler]:
        handlers = self.handlers()
        if self.restated:
            handlers[CORRECTED] = RESTATED
        return handlers
