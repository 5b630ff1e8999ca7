"""The administrators' use cases: units and zones, beds, users and display devices.

Only an admin of the municipality may call them, and only on its own municipality's
users, places and devices (another's do not exist for it). Every change is an event (a
place registered, a bed blocked) or a row in the users' or devices' tables; each writes an
audit row too, in the same transaction as the row it describes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fastapi import Request
from sqlalchemy import Engine, select

from access.accounts import Accounts, Role, User
from access.audit import Audit, AuditEntry
from access.daily_rates import DailyRates, Rate
from access.devices import Device, Devices
from access.grants import Grants
from access.oidc.role_mappings import MappingError, RoleMapping, RoleMappings
from access.sessions import Sessions
from access.setup_links import SetupLinks
from boards.services.admin_users import UserAdmin, check_admin
from boards.services.system import System
from flow.application import Pasientflyt
from flow.checklists import ChecklistCatalog
from flow.errors import DuplicateError, IllegalTransitionError, NotFoundError
from flow.municipality import unit_id
from flow.views import ChecklistVersion, UnitView
from flow.vocabulary import UnitKind
from projections.bed_grid import beds as bed_grid
from projections.projector import Projector

#: What the audit log calls each action, in the words the audit page shows.
ACTION_TEXT = {
    "unit.registered": "Enhet opprettet",
    "zone.registered": "Sone opprettet",
    "bed.blocked": "Seng sperret",
    "bed.unblocked": "Seng åpnet",
    "user.added": "Bruker opprettet",
    "user.changed": "Bruker endret",
    "user.disabled": "Bruker deaktivert",
    "user.enabled": "Bruker aktivert",
    "user.password_reset": "Passord nullstilt, ny lenke",
    "access_grant.asked": "Tilgang bedt om",
    "access_grant.approved": "Tilgang godkjent av leder",
    "access_grant.declined": "Tilgang avslått av leder",
    "access_grant.withdrawn": "Tilgang som ventet, trukket",
    "user.added_at_console": "Bruker opprettet ved serverens konsoll",
    "device.issued": "Skjerm registrert",
    "device.revoked": "Skjerm tilbakekalt",
    "role_mapping.added": "Rolletilordning lagt til",
    "role_mapping.removed": "Rolletilordning fjernet",
    "checklists.written": "Sjekklister endret",
    "emergency_access.not_found": "Nødtilgang: ingen pasient med fødselsnummeret",
    "daily_rate.written": "Døgnpris satt",
}


@dataclass
class Admin(UserAdmin):
    flows: Pasientflyt
    engine: Engine
    accounts: Accounts
    sessions: Sessions
    audit: Audit
    devices: Devices
    projector: Projector
    mappings: RoleMappings
    rates: DailyRates
    grants: Grants
    links: SetupLinks

    @classmethod
    def open(cls, system: System) -> Admin:
        engine = system.engine
        return cls(
            system.flows,
            engine,
            system.accounts,
            system.sessions,
            system.audit,
            system.devices,
            system.projector,
            system.role_mappings,
            system.rates,
            system.grants,
            system.setup_links,
        )

    # -- units, zones and beds: events, and an audit row beside each ------------------------

    def places(self, admin: User) -> list[UnitView]:
        """The municipality's short-term units, then its zones."""
        check_admin(admin)
        by = admin.actor
        return self.flows.units(by) + self.flows.units(by, zones=True)

    def place(self, admin: User, unit_id: UUID) -> UnitView:
        check_admin(admin)
        return self.flows.unit(unit_id, admin.actor)

    def blocked_reasons(self, admin: User, unit_id: UUID) -> dict[str, str]:
        """Why each blocked bed of the unit is out of use, from the bed grid."""
        self.place(admin, unit_id)
        self.projector.catch_up()
        query = select(bed_grid.c.bed, bed_grid.c.blocked_reason).where(
            bed_grid.c.unit_id == unit_id, bed_grid.c.blocked_reason.is_not(None)
        )
        with self.engine.connect() as db:
            return {bed: reason for bed, reason in db.execute(query)}

    def register_unit(
        self, admin: User, code: str, name: str, kind: UnitKind, beds: list[str], at: datetime
    ) -> UnitView:
        check_admin(admin)
        if kind == UnitKind.HOME_CARE_ZONE:
            raise IllegalTransitionError("zone_registered_as_zone")
        unit_id = self.flows.register_unit(code, name, kind, beds, by=admin.actor, at=at)
        details = {"unit_id": str(unit_id), "code": code, "kind": kind.value, "beds": beds}
        self._log(admin, "unit.registered", name, details, at)
        return self.flows.unit(unit_id, admin.actor)

    def register_zone(self, admin: User, code: str, name: str, at: datetime) -> UnitView:
        check_admin(admin)
        zone = UnitKind.HOME_CARE_ZONE
        zone_id = self.flows.register_unit(code, name, zone, [], by=admin.actor, at=at)
        self._log(admin, "zone.registered", name, {"unit_id": str(zone_id), "code": code}, at)
        return self.flows.unit(zone_id, admin.actor)

    def block_bed(
        self, admin: User, unit_id: UUID, bed: str, reason: str, at: datetime
    ) -> UnitView:
        check_admin(admin)
        self.flows.block_bed(unit_id, bed, reason, by=admin.actor, at=at)
        unit = self.flows.unit(unit_id, admin.actor)
        details = {"unit_id": str(unit_id), "bed": bed, "reason": reason}
        self._log(admin, "bed.blocked", f"{unit.name}, seng {bed}", details, at)
        return unit

    def unblock_bed(self, admin: User, unit_id: UUID, bed: str, at: datetime) -> UnitView:
        check_admin(admin)
        self.flows.unblock_bed(unit_id, bed, by=admin.actor, at=at)
        unit = self.flows.unit(unit_id, admin.actor)
        details = {"unit_id": str(unit_id), "bed": bed}
        self._log(admin, "bed.unblocked", f"{unit.name}, seng {bed}", details, at)
        return unit

    # -- display devices --------------------------------------------------------------------

    def device_list(self, admin: User) -> list[Device]:
        check_admin(admin)
        return self.devices.list_for(admin.municipality_id)

    def issue_device(
        self, admin: User, unit_id: UUID, name: str, at: datetime
    ) -> tuple[Device, str]:
        """A device for one unit or zone, and its token, which is shown this once."""
        check_admin(admin)
        place = self.flows.unit(unit_id, admin.actor)
        with self.engine.begin() as db:
            device, token = self.devices.issue(
                admin.municipality_id, unit_id, name, by=admin.id, at=at, db=db
            )
            details = {"device_id": str(device.id), "unit_id": str(unit_id), "place": place.name}
            self._log(admin, "device.issued", name, details, at, db)
        return device, token

    def revoke_device(self, admin: User, device_id: UUID, at: datetime) -> Device:
        check_admin(admin)
        device = self.devices.get(device_id)
        if device is None or device.municipality_id != admin.municipality_id:
            raise NotFoundError("not_found", thing="display")
        with self.engine.begin() as db:
            if not self.devices.revoke(device_id, at=at, db=db):
                raise IllegalTransitionError("display_already_revoked", display=device.name)
            self._log(admin, "device.revoked", device.name, {"device_id": str(device_id)}, at, db)
        revoked = self.devices.get(device_id)
        assert revoked is not None
        return revoked

    # -- roles from the identity provider's claims ----------------------------------------

    def role_mappings(self, admin: User) -> list[RoleMapping]:
        check_admin(admin)
        return self.mappings.list_for(admin.municipality_id)

    def map_role(
        self, admin: User, claim: str, value: str, role: Role, unit_codes: list[str], at: datetime
    ) -> RoleMapping:
        """Users whose claim has this value get the role and the units (by code)."""
        check_admin(admin)
        known = {p.code for p in self.places(admin)}
        if unknown := [code for code in unit_codes if code not in known]:
            raise NotFoundError("no_place_with_code", code=unknown[0])
        try:
            mapping = self.mappings.add(
                admin.municipality_id, claim, value, role, unit_codes, at=at
            )
        except MappingError:
            # The mappings' own refusal (access/oidc.py) has no code: which one it was.
            if not claim.strip() or not value.strip():
                raise DuplicateError("role_mapping_incomplete") from None
            raise DuplicateError(
                "role_mapping_taken", claim=claim.strip(), value=value.strip()
            ) from None
        details = {"claim": claim, "value": value, "role": role.value, "units": unit_codes}
        subject = f"{mapping.claim} = {mapping.value}"
        places = [unit_id(admin.municipality_id, code) for code in mapping.unit_codes]
        with self.engine.begin() as db:
            self._log(admin, "role_mapping.added", subject, details, at, db)
            self.grants.ask_for_mapping(
                db, admin.municipality_id, mapping.id, subject, role, places, by=admin.id, at=at
            )
        return mapping

    def unmap_role(self, admin: User, mapping_id: UUID, at: datetime) -> None:
        check_admin(admin)
        found = [m for m in self.role_mappings(admin) if m.id == mapping_id]
        if not found or not self.mappings.remove(mapping_id, admin.municipality_id):
            raise NotFoundError("not_found", thing="role_mapping")
        mapping = found[0]
        details = {"claim": mapping.claim, "value": mapping.value, "role": mapping.role.value}
        with self.engine.begin() as db:
            self.grants.forget_mapping(db, mapping_id, by=admin.id, at=at)
            subject = f"{mapping.claim} = {mapping.value}"
            self._log(admin, "role_mapping.removed", subject, details, at, db)

    # -- what an admin reads ----------------------------------------------------------------

    def audit_log(self, admin: User, limit: int = 200) -> list[AuditEntry]:
        check_admin(admin)
        return self.audit.list_for(admin.municipality_id, limit)

    # -- checklist templates --------------------------------------------------------------

    def checklists(self, admin: User) -> tuple[int, ChecklistCatalog]:
        """The templates in force in the admin's municipality and their version (0: the
        default templates, none written here yet)."""
        check_admin(admin)
        return self.flows.checklists_in_force(admin.municipality_id)

    def checklist_versions(self, admin: User) -> list[ChecklistVersion]:
        check_admin(admin)
        return self.flows.checklist_versions(admin.municipality_id)

    def write_checklists(
        self, admin: User, text: str, based_on: int, at: datetime
    ) -> tuple[int, ChecklistCatalog]:
        check_admin(admin)
        version, catalog = self.flows.write_checklists(
            text, based_on=based_on, by=admin.actor, at=at
        )
        if version != based_on:
            details = {"version": version, "checklists": [c.key for c in catalog.checklists]}
            self._log(admin, "checklists.written", f"versjon {version}", details, at)
        return version, catalog

    # -- the daily rate of a hospital waiting day ------------------------------------------

    def daily_rates(self, admin: User) -> list[Rate]:
        check_admin(admin)
        return self.rates.table(admin.municipality_id)

    def write_daily_rate(self, admin: User, year: int, rate: int, at: datetime) -> None:
        """The year's rate for the admin's municipality, with its audit row."""
        check_admin(admin)
        with self.engine.begin() as db:
            self.rates.write(admin.municipality_id, year, rate, admin.id, at, db)
            self._log(admin, "daily_rate.written", str(year), {"year": year, "rate": rate}, at, db)


_opening = threading.Lock()


def admin_of(request: Request) -> Admin:
    """The app's admin service, opened with its tables on first use."""
    state = request.app.state
    found: Admin | None = getattr(state, "admin", None)
    if found is None:
        with _opening:
            found = getattr(state, "admin", None) or Admin.open(state.system)
            state.admin = found
    return found
