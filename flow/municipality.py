"""`Municipality`: the tenant. It owns its units and zones; all data belongs to one."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from flow.actor import Actor
from flow.errors import DuplicateError

_NAMESPACE = uuid5(NAMESPACE_URL, "https://pasientflyt.no/")


def municipality_id(number: str) -> UUID:
    """A municipality's id follows from its four-digit municipality number."""
    return uuid5(_NAMESPACE, f"kommune/{number}")


def unit_id(municipality: UUID, code: str) -> UUID:
    """A unit's id follows from its municipality and its short code."""
    return uuid5(municipality, f"enhet/{code}")


class Municipality(Aggregate):
    if TYPE_CHECKING:  # the event classes @event makes, named for the type checker
        Registered: ClassVar[type[Aggregate.Created]]
        UnitAdded: ClassVar[type[Aggregate.Event]]

    @event("Registered")
    def __init__(self, number: str, name: str, by: Actor, at: datetime) -> None:
        self.number = number
        self.name = name
        self.unit_ids: list[UUID] = []

    @classmethod
    def register(cls, number: str, name: str, *, by: Actor, at: datetime) -> Municipality:
        return cls._create(
            cls.Registered,
            id=municipality_id(number),
            number=number,
            name=name,
            by=by,
            at=at,
        )

    def add_unit(self, code: str, *, by: Actor, at: datetime) -> UUID:
        new_id = unit_id(self.id, code)
        if new_id in self.unit_ids:
            raise DuplicateError("unit_code_taken", municipality=self.name, code=code)
        self._unit_added(unit_id=new_id, code=code, by=by, at=at)
        return new_id

    @event("UnitAdded")
    def _unit_added(self, unit_id: UUID, code: str, by: Actor, at: datetime) -> None:
        self.unit_ids.append(unit_id)
