"""A board as it stood at a past moment (`?per=2026-11-20T14:32`, issue 28), one way for every
page and JSON read: the moment read and checked, the read models as of it from the log
(`projections/past.py`), the board read from them as the live board is read, and nothing in
it that commands (no card offers a command, no task an action).

The rules are the board's today, applied as of now: a user sees the past of a board she may
see now (the allocation office its municipality's; a nurse her unit's, with the patients on
its beds then, which is what the staff could see when they decided), and a patient's page as
of a moment only while the patient is hers to see now (`boards/services/patient_page.py`'s
rule): a nurse whose unit no longer has a relation to the patient is refused his past too.
Each past view is logged with its own view name, which carries the moment asked for
(`Past.view`)."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from access.accounts import User
from access.policy import Viewer, may_see
from boards.services.board_reads import authorise_board
from boards.services.patient_page import PatientPage, Shown, shown_flow, task_stories
from boards.services.readers import reader_names
from boards.services.system import System
from boards.services.task_lists import with_names
from flow.errors import NotFoundError, UnusableTextError
from flow.patient_flow import PatientFlow
from flow.views import FlowView
from projections.allocation_board import AllocationBoard
from projections.cards import FlowCard, load_card
from projections.care_relations import care_relations
from projections.home_care_board import HomeCareBoard
from projections.past import OSLO, event_at
from projections.task_lists import TaskLists, TaskRow
from projections.unit_board import UnitBoard
from projections.wall_display import WallDisplay

T = TypeVar("T")

#: What a past view's name starts with in the access log; the moment follows `@`.
PAST = "per"


@dataclass(frozen=True)
class Past:
    """The moment a past view shows, in Oslo's time."""

    moment: datetime

    @property
    def text(self) -> str:
        """As the query writes it: 2026-11-20T14:32."""
        return self.moment.strftime("%Y-%m-%dT%H:%M")

    def view(self, name: str) -> str:
        """The view's name in the access log: `per/tildeling@2026-11-20T14:32`."""
        return f"{PAST}/{name}@{self.text}"


def past_of(system: System, municipality_id: UUID, text: str, now: datetime) -> Past:
    """The moment of `?per=`: Oslo's local time to the minute (422 if it is not one, or has
    not passed; 404 before the municipality was registered)."""
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise UnusableTextError("moment_malformed") from None
    if local.tzinfo is not None or "T" not in text:
        raise UnusableTextError("moment_malformed")
    moment = local.replace(tzinfo=OSLO)
    if moment > now:
        raise UnusableTextError("moment_in_future")
    registered = list(system.flows.repository.event_store.get(municipality_id, lte=1))
    if not registered or moment < event_at(registered[0]):
        raise NotFoundError("moment_before_start")
    return Past(moment)


def allocation_board(system: System, viewer: Viewer, past: Past) -> AllocationBoard:
    authorise_board(viewer, None)
    municipality = viewer.municipality_id
    rates = system.rates.of(municipality)
    with system.past.as_of(past.moment) as state:
        board = AllocationBoard.read(state.engine, municipality, past.moment, rates)
    return read_only(board)


def allocation_tasks(system: System, viewer: Viewer, past: Past, now: datetime) -> TaskLists:
    """The office's lists as they stood, of the flows it may see now."""
    authorise_board(viewer, None)
    with system.past.as_of(past.moment) as state, state.engine.connect() as db:
        lists = TaskLists.read(db, viewer.municipality_id, None, "", ())
    return read_only(with_names(system, lists.only(_seen_now(system, viewer, lists, now)), viewer))


def unit_board(system: System, viewer: Viewer, unit_id: UUID, past: Past) -> UnitBoard:
    """A unit's board as it stood: the viewer's own unit now (403), of its municipality (404)."""
    authorise_board(viewer, unit_id)
    municipality = viewer.municipality_id
    rates = system.rates.of(municipality)
    with system.past.as_of(past.moment) as state:
        board = UnitBoard.read(state.engine, municipality, unit_id, past.moment, rates)
    return read_only(board)


def unit_wall(system: System, viewer: Viewer, unit_id: UUID, past: Past) -> WallDisplay:
    authorise_board(viewer, unit_id)
    with system.past.as_of(past.moment) as state:
        return WallDisplay.read(state.engine, viewer.municipality_id, unit_id, past.moment)


def zone_board(system: System, viewer: Viewer, zone_id: UUID, past: Past) -> HomeCareBoard:
    authorise_board(viewer, zone_id)
    municipality = viewer.municipality_id
    rates = system.rates.of(municipality)
    with system.past.as_of(past.moment) as state:
        board = HomeCareBoard.read(state.engine, municipality, zone_id, past.moment, rates)
    return read_only(board)


def flow_card(system: System, municipality_id: UUID, flow_id: UUID, past: Past) -> FlowCard:
    """A flow's card as it stood (404 before it was opened); the caller has checked that the
    viewer may see the flow now."""
    rates = system.rates.of(municipality_id)
    with system.past.as_of(past.moment) as state:
        card = load_card(state.engine, municipality_id, flow_id, past.moment, rates)
    if card is None:
        raise NotFoundError("not_found", thing="flow")
    return read_only(card)


def _seen_now(system: System, viewer: Viewer, lists: TaskLists, now: datetime) -> set[UUID]:
    with system.engine.connect() as db:
        relations = care_relations(db, {row.flow_id for row in lists.rows})
    return {flow_id for flow_id, r in relations.items() if may_see(viewer, r, now)}


def read_only(value: T) -> T:
    """`value` with nothing that commands: no card offers a command, no task an action."""
    if isinstance(value, list):
        return [read_only(item) for item in value]  # type: ignore[return-value]
    if isinstance(value, FlowCard):
        card = copy.copy(value)
        object.__setattr__(card, "allowed", ())
        return card
    if isinstance(value, TaskRow):
        return dataclasses.replace(value, actions=())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.init and (isinstance(item, list) or dataclasses.is_dataclass(item)):
                changes[f.name] = read_only(item)
        return dataclasses.replace(value, **changes) if changes else value
    return value


def patient_page(
    system: System, user: User, flow_id: UUID, past: Past, now: datetime
) -> PatientPage:
    """The patient's page as it stood: only while the patient is the user's to see now
    (404 otherwise, as today); the card from the past read models, the flow, its tasks and
    history from its events up to the moment's; no command, no correction, no action."""
    shown = shown_flow(system, user, flow_id, now)
    card = flow_card(system, user.municipality_id, flow_id, past)
    entries = system.flows.history(flow_id, user.actor)
    upto = next((n for n, e in enumerate(entries) if e.at > past.moment), len(entries))
    history = entries[:upto]
    if not history:
        raise NotFoundError("not_found", thing="flow")
    flow: PatientFlow = system.flows.repository.get(flow_id, version=history[-1].version)
    view = FlowView.of(flow)
    names = reader_names(system, user.municipality_id)
    return PatientPage(
        shown=Shown(card, shown.basis, ()),
        view=view,
        history=history,
        tasks=task_stories(view.tasks, history, names, lambda state: ()),
        names=names,
        messages=None,
        looks=None,
        correction=None,
    )
