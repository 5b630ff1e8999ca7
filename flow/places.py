"""What flows run through: a municipality, its short-term units and home-care zones with
their beds, and the checklists it writes for its flows' loops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from flow.actor import Actor
from flow.care_unit import CareUnit
from flow.checklist_file import parse
from flow.checklist_templates import ChecklistTemplates, checklist_templates_id
from flow.checklists import ChecklistCatalog
from flow.errors import IllegalTransitionError, NotFoundError, StaleVersionError
from flow.municipality import Municipality
from flow.personal_data import KeyRing
from flow.store import EventStore
from flow.views import ChecklistVersion, UnitView
from flow.vocabulary import UnitKind


@dataclass(frozen=True)
class RegisteredPlace:
    """A unit or zone as it was registered: what never changes about it."""

    municipality_id: UUID
    name: str
    kind: str


class Places(EventStore):
    """The use cases of municipalities, their places and their checklists."""

    def __init__(
        self, env: dict[str, str], keys: KeyRing, checklists: ChecklistCatalog | None = None
    ) -> None:
        """`checklists` are the templates in force where a municipality has written none of
        its own (without any, no task opens)."""
        super().__init__(env, keys)
        self.checklists = checklists or ChecklistCatalog([])
        self._own_checklists: dict[UUID, tuple[int, ChecklistCatalog]] = {}
        self._places: dict[UUID, RegisteredPlace] = {}
        self._municipality_names: dict[UUID, str] = {}

    # -- municipalities, units and zones ---------------------------------------------

    def register_municipality(self, number: str, name: str, *, by: Actor, at: datetime) -> UUID:
        municipality = Municipality.register(number, name, by=by, at=at)
        self._save(municipality)
        return municipality.id

    def has_municipality(self, municipality_id: UUID) -> bool:
        return municipality_id in self.repository

    def municipality_name(self, municipality_id: UUID) -> str:
        """The name it was registered with, loaded once: a municipality keeps its name."""
        name = self._municipality_names.get(municipality_id)
        if name is None:
            name = self._load(municipality_id, Municipality).name
            self._municipality_names[municipality_id] = name
        return name

    def register_unit(
        self, code: str, name: str, kind: UnitKind, beds: list[str], *, by: Actor, at: datetime
    ) -> UUID:
        municipality = self._load(by.municipality_id, Municipality)
        new_id = municipality.add_unit(code, by=by, at=at)
        unit = CareUnit.register(new_id, municipality.id, code, name, kind, beds, by=by, at=at)
        self._save(municipality, unit)
        return unit.id

    def units(self, by: Actor, *, zones: bool = False) -> list[UnitView]:
        """The municipality's short-term units, or its home-care zones."""
        municipality = self._load(by.municipality_id, Municipality)
        units = [self._load(unit_id, CareUnit) for unit_id in municipality.unit_ids]
        return [UnitView.of(u) for u in units if u.is_zone == zones]

    def unit(self, unit_id: UUID, by: Actor) -> UnitView:
        return UnitView.of(self._unit(unit_id, by))

    def block_bed(self, unit_id: UUID, bed: str, reason: str, *, by: Actor, at: datetime) -> int:
        unit = self._unit(unit_id, by)
        unit.block(bed, reason, by=by, at=at)
        self._save(unit)
        return unit.version

    def unblock_bed(self, unit_id: UUID, bed: str, *, by: Actor, at: datetime) -> int:
        unit = self._unit(unit_id, by)
        unit.unblock(bed, by=by, at=at)
        self._save(unit)
        return unit.version

    # -- checklist templates ----------------------------------------------------------------

    def checklists_in_force(self, municipality_id: UUID) -> tuple[int, ChecklistCatalog]:
        """The municipality's own templates and their version, or version 0 and the default.

        One indexed read per call, so a change made through another process counts at once.
        """
        templates_id = checklist_templates_id(municipality_id)
        last = self.recorder.select_events(templates_id, desc=True, limit=1)
        if not last:
            return 0, self.checklists
        version = last[0].originator_version
        known = self._own_checklists.get(municipality_id)
        if known is None or known[0] != version:
            templates = self._load(templates_id, ChecklistTemplates)
            known = version, parse(templates.text, "checklists")
            self._own_checklists[municipality_id] = known
        return known

    def write_checklists(
        self, text: str, *, based_on: int, by: Actor, at: datetime
    ) -> tuple[int, ChecklistCatalog]:
        """Put new templates in force for new tasks, if the text is valid and was edited
        from the version in force (`based_on`); tasks already open keep theirs."""
        catalog = parse(text, "checklists")
        version, in_force = self.checklists_in_force(by.municipality_id)
        if based_on != version:
            raise StaleVersionError("stale_checklists", version=version, based_on=based_on)
        if text == in_force.text:
            return version, in_force
        if version == 0:
            templates = ChecklistTemplates.write(text, by=by, at=at)
        else:
            templates = self._load(checklist_templates_id(by.municipality_id), ChecklistTemplates)
            templates.rewrite(text, by=by, at=at)
        self._save(templates)
        self._own_checklists[by.municipality_id] = templates.version, catalog
        return templates.version, catalog

    def checklist_versions(self, municipality_id: UUID) -> list[ChecklistVersion]:
        """Who wrote each version of the municipality's own templates, and when; newest first."""
        events = self.events.get(checklist_templates_id(municipality_id))
        return [ChecklistVersion.of(e) for e in reversed(list(events))]

    # -- helpers ------------------------------------------------------------------------

    def _unit(self, unit_id: UUID | None, by: Actor) -> CareUnit:
        return self._load(unit_id, CareUnit, by)

    def _check_zone(self, zone_id: UUID | None, by: Actor) -> None:
        zone = self._place(zone_id, by)
        if zone.kind != UnitKind.HOME_CARE_ZONE:
            raise IllegalTransitionError("not_a_zone", unit=zone.name)

    def _place(self, unit_id: UUID | None, by: Actor) -> RegisteredPlace:
        """What never changes about a unit or zone, read from its first event only.

        Deciding or planning names a place without touching its beds; loading the whole
        unit for that would replay every reservation since its last snapshot.
        """
        place = self._places.get(unit_id) if unit_id else None
        if place is None and unit_id is not None:
            first = next(iter(self.events.get(unit_id, lte=1)), None)
            if isinstance(first, CareUnit.Registered):
                facts: Any = first
                place = RegisteredPlace(facts.municipality_id, facts.name, facts.kind)
                self._places[unit_id] = place
        if place is None or place.municipality_id != by.municipality_id:
            raise NotFoundError("not_found", thing="unit")
        return place
