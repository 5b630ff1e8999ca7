"""`ChecklistTemplates`: a municipality's own checklist templates, as its administrator wrote them.

Each version is an event holding the whole text, so who changed what and when stays in the
log. A municipality that has written none works with the templates of the setting
`checklists_file`.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from flow.actor import Actor


@lru_cache(maxsize=1024)  # asked on every command's save (`Places.checklists_in_force`)
def checklist_templates_id(municipality_id: UUID) -> UUID:
    return uuid5(municipality_id, "sjekklister")


class ChecklistTemplates(Aggregate):
    if TYPE_CHECKING:  # the event classes @event makes, named for the type checker
        Written: ClassVar[type[Aggregate.Created]]
        Rewritten: ClassVar[type[Aggregate.Event]]

    @event("Written")
    def __init__(self, municipality_id: UUID, text: str, by: Actor, at: datetime) -> None:
        self.municipality_id = municipality_id
        self.text = text

    @classmethod
    def write(cls, text: str, *, by: Actor, at: datetime) -> ChecklistTemplates:
        return cls._create(
            cls.Written,
            id=checklist_templates_id(by.municipality_id),
            municipality_id=by.municipality_id,
            text=text,
            by=by,
            at=at,
        )

    @event("Rewritten")
    def rewrite(self, text: str, by: Actor, at: datetime) -> None:
        self.text = text
