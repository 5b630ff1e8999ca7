"""Checklist templates: which tasks an event opens, and when they are due.

A template names, for a trigger event, the tasks to open: title, owner, optional
receiver and due time. The application hands the templates in force to the flow,
which records the concrete tasks in `TaskOpened` events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


class PartyRole(StrEnum):
    """Who owns or receives a task, relative to the flow."""

    ALLOCATION = "allocation"
    UNIT = "unit"
    ZONE = "zone"


class Anchor(StrEnum):
    TRIGGER = "trigger"
    PLANNED_DATE = "planned_date"


class Condition(StrEnum):
    FROM_HOSPITAL = "from_hospital"
    DESTINATION_HOME = "destination_home"
    #: Both: the patient goes home straight from hospital, with no short-term stay between.
    FROM_HOSPITAL_HOME = "from_hospital_home"


@dataclass(frozen=True)
class TaskTemplate:
    key: str
    title: str
    title_en: str
    owner: PartyRole
    receiver: PartyRole | None
    anchor: Anchor
    hours: int
    end_of_day: bool
    done_by: str | None

    def due_at(self, trigger_at: datetime, planned: date | None) -> datetime:
        """When the loop must be closed; a planned date counts from its midnight in Oslo."""
        start = trigger_at
        if self.anchor == Anchor.PLANNED_DATE and planned is not None:
            start = datetime.combine(planned, time(0), OSLO)
        due = start + timedelta(hours=self.hours)
        if self.end_of_day:
            local = due.astimezone(OSLO)
            due = datetime.combine(local.date(), time(23, 59, 59), OSLO)
        return due.astimezone(trigger_at.tzinfo)


@dataclass(frozen=True)
class Checklist:
    key: str
    trigger: str
    when: Condition | None
    tasks: tuple[TaskTemplate, ...]


class ChecklistCatalog:
    """Templates in force, with the text they were read from; never read by a replay."""

    def __init__(self, checklists: list[Checklist], text: str = "") -> None:
        self.checklists = tuple(checklists)
        self.text = text

    def for_trigger(self, trigger: str) -> list[Checklist]:
        return [c for c in self.checklists if c.trigger == trigger]
