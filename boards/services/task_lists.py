"""The viewer's three lists of tasks (`projections/task_lists.py`), one way for the JSON read,
the allocation board's panel and its stream: the party's lists, with only the flows the
viewer may see, and the name of whoever sent a task back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from access.policy import Viewer, has_tasks, may_see
from boards.services.system import System
from flow.errors import NotPermittedError
from projections.care_relations import care_relations
from projections.task_lists import TaskLists, TaskRow


def viewer_tasks(
    system: System, viewer: Viewer, now: datetime, *, caught_up: bool = False
) -> TaskLists:
    """The lists of the viewer's party: the office's, or her units' and zones' (403 for a
    role that has no tasks)."""
    if not has_tasks(viewer):
        raise NotPermittedError("no_tasks_for_role")
    if not caught_up:
        system.projector.catch_up()
    party = None if viewer.role == "allocation" else viewer.unit_ids
    municipality = viewer.municipality_id
    with system.engine.connect() as db:
        lists = TaskLists.read(db, municipality, party, viewer.role, viewer.unit_ids)
        relations = care_relations(db, {row.flow_id for row in lists.rows})
    seen = {flow_id for flow_id, r in relations.items() if may_see(viewer, r, now)}
    return with_names(system, lists.only(seen), viewer)


def with_names(system: System, lists: TaskLists, viewer: Viewer) -> TaskLists:
    """Who sent each returned task back, by name (the user's id if no longer known)."""
    if not any(row.returned for row in lists.rows):
        return lists
    names = {
        str(a.user.id): a.user.display_name
        for a in system.accounts.list_users(viewer.municipality_id)
    }

    def named(row: TaskRow) -> TaskRow:
        if row.returned is None:
            return row
        by_name = names.get(row.returned.by, row.returned.by)
        return replace(row, returned=replace(row.returned, by_name=by_name))

    return lists.map(named)
