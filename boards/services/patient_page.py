"""The patient's page as its viewer may see it: the flow's card (where, the payment clock,
decision, reservation, plan, flags), every task with its history from the flow's own events,
the flow's history, and for the allocation office the hospital messages received for it and
who saw it. The same page for a nurse or a home-care user while a care relation lets her see
the flow, with the commands she may give it; never for a leader or an admin (404, as the
flow's JSON read answers). It works for flows that left the boards (home, closed) too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from access.access_log import Basis
from access.accounts import Role, User
from access.policy import has_tasks, may_command, role_gives, viewer_of
from boards.hospital.follow_up import ReceivedMessage
from boards.services.flow_access import flow_basis
from boards.services.readers import NamedLook, named_looks, reader_names
from boards.services.system import System
from flow.closed_loops import TaskState
from flow.corrections import CORRECTION_WINDOW
from flow.errors import NotFoundError
from flow.views import CorrectableView, FlowView, HistoryEntry
from flow.vocabulary import Command, TaskAction
from projections.cards import FlowCard, load_card
from projections.care_relations import care_relations

#: The page's name in the access log.
VIEW = "pasientside"


@dataclass(frozen=True)
class TaskStep:
    """One event of a task: opened, done, sent back (with the reason), confirmed, ..."""

    event: str
    at: datetime
    by: str  # the reader's name, or the role's where the accounts do not hold it
    role: str
    text: str  # the note given when done, or the reason it was sent back or cancelled


@dataclass(frozen=True)
class TaskStory:
    state: TaskState
    steps: list[TaskStep]
    #: What the viewer may do to the task now, as her board's lists offer it.
    actions: tuple[TaskAction, ...] = ()


@dataclass(frozen=True)
class Shown:
    """A flow as one viewer may see it: its card, why she sees it, what she may give it."""

    card: FlowCard
    basis: Basis | None  # None: the role's own rule; EMERGENCY: the user's emergency access
    #: The commands the flow's state allows and the policy lets her give it now.
    commands: tuple[str, ...]


@dataclass(frozen=True)
class Correction:
    """The flow's last command, which this user may correct now (`flow/corrections.py`)."""

    last: CorrectableView
    #: Not her own within the window: the office corrects, and says why.
    needs_reason: bool


@dataclass(frozen=True)
class PatientPage:
    shown: Shown
    view: FlowView  # the flow's state: decision, reservation, stay, plan
    history: list[HistoryEntry]
    tasks: list[TaskStory]
    #: Who did what, by user id as the events keep it.
    names: dict[str, str]
    #: The allocation office's alone: the hospital's messages and who saw the patient.
    messages: list[ReceivedMessage] | None
    looks: list[NamedLook] | None
    correction: Correction | None


def shown_flow(system: System, user: User, flow_id: UUID, now: datetime) -> Shown:
    """The flow's card, if the user may see it (404 where the flow's JSON read answers 404,
    leaders and admins always), and the commands she may give it (none by emergency access).
    Its look is the caller's to log, with `basis`."""
    system.projector.catch_up()
    basis = flow_basis(system, user, flow_id, now)
    municipality = user.municipality_id
    card = load_card(system.engine, municipality, flow_id, now, system.rates.of(municipality))
    if card is None:
        raise NotFoundError("not_found", thing="flow")
    return Shown(card, basis, _commands(system, user, card, now) if basis is None else ())


def patient_page(system: System, user: User, flow_id: UUID, now: datetime) -> PatientPage:
    shown = shown_flow(system, user, flow_id, now)
    municipality = user.municipality_id
    history = system.flows.history(flow_id, user.actor)
    view = system.flows.flow(flow_id, user.actor)
    names = reader_names(system, municipality)
    office = user.role == Role.ALLOCATION
    return PatientPage(
        shown=shown,
        view=view,
        history=history,
        tasks=task_stories(view.tasks, history, names, _acting(user, shown)),
        names=names,
        messages=system.hospital_messages.received_for(municipality, flow_id) if office else None,
        looks=named_looks(system, municipality, flow_id) if office else None,
        correction=_correction(user, shown, view.correctable, now),
    )


def _correction(
    user: User, shown: Shown, last: CorrectableView | None, now: datetime
) -> Correction | None:
    """Her own last command within the window, or any for the office (with a reason); never
    by emergency access, nor for a role that gives no such command."""
    if last is None or shown.basis is not None or not role_gives(user.role, Command.CORRECT):
        return None
    own = last.user_id == user.actor.user_id and now - last.at <= CORRECTION_WINDOW
    if not own and user.role != Role.ALLOCATION:
        return None
    return Correction(last, needs_reason=not own)


def _commands(system: System, user: User, card: FlowCard, now: datetime) -> tuple[str, ...]:
    with system.engine.connect() as db:
        relations = care_relations(db, [card.flow_id]).get(card.flow_id)
    if relations is None:
        return ()
    viewer = viewer_of(user)
    return tuple(c for c in card.allowed if may_command(viewer, Command(c), relations, now))


def _acting(user: User, shown: Shown) -> Callable[[TaskState], tuple[TaskAction, ...]]:
    """The task actions the user may take here: her office's, unit's or zone's, by the task's
    rule (owner or receiver), as on her board; none by emergency access."""
    if shown.basis is not None or not has_tasks(viewer_of(user)):
        return lambda state: ()
    return lambda state: state.actions(user.role, user.unit_ids)


def task_stories(
    states: list[TaskState],
    history: list[HistoryEntry],
    names: dict[str, str],
    acting: Callable[[TaskState], tuple[TaskAction, ...]],
) -> list[TaskStory]:
    """Each task (in the flow's order: due, then key) with its events, oldest first, and
    what the viewer may do to it."""
    steps: dict[str, list[TaskStep]] = {}
    for entry in history:
        if not entry.event.startswith("Task"):
            continue
        data = entry.data
        task_id = str(data["task"]["id"] if entry.event == "TaskOpened" else data["task_id"])
        text = str(data.get("note") or data.get("reason") or "")
        by = names.get(entry.user_id, "")
        steps.setdefault(task_id, []).append(TaskStep(entry.event, entry.at, by, entry.role, text))
    return [TaskStory(state, steps.get(str(state.task.id), []), acting(state)) for state in states]
