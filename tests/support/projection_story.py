"""A municipality on a real SQLite file, a clock, and short ways to tell a flow's story.

Histories are built through the application service; the read models are read back as
plain rows after the projector has caught up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Table, select

from access.accounts import Role
from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.municipalities import MunicipalitySpec, UnitSpec, ZoneSpec, install
from flow.actor import Actor
from flow.application import Pasientflyt
from flow.flow_values import Decision, DischargePlan
from flow.municipality import unit_id
from flow.vocabulary import Destination, ServiceKind, Source, UnitKind
from projections.bed_grid import beds
from projections.flow_cards import cards
from projections.ready_periods import periods
from projections.task_list import tasks

#: Monday 2 March 2026, 09:00 in Oslo (UTC+1 until the end of March).
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
KARI = ("01018012371", "Kari Nordmann")
OLA = ("15898912342", "Ola Johan Hansen")
INGRID = ("29528912395", "Ingrid Berg")
KNUT = ("69898912353", "Knut Dahl")

SPEC = MunicipalitySpec(
    number="9996",
    name="Projeksjonskommune",
    units=[
        UnitSpec(code="KORT", name="Korttid Fjellheim", kind=UnitKind.REHAB, beds=3),
        UnitSpec(code="UTRED", name="Utredning Sjøsiden", kind=UnitKind.ASSESSMENT, beds=3),
    ],
    zones=[ZoneSpec(code="NORD", name="Sone Nord"), ZoneSpec(code="SOR", name="Sone Sør")],
    users=[],
)


@dataclass
class Story:
    """Projeksjonskommune: units KORT and UTRED with beds 1-3, zones NORD and SOR."""

    system: System
    now: datetime = field(default=T0)

    @classmethod
    def on(cls, database_url: str) -> Story:
        system = open_system(Settings(database_url=database_url))
        install(system.flows, system.accounts, system.grants, SPEC, T0)
        return cls(system)

    # -- who and where -----------------------------------------------------------------

    @property
    def flows(self) -> Pasientflyt:
        return self.system.flows

    @property
    def municipality(self) -> UUID:
        return SPEC.id

    @property
    def office(self) -> Actor:
        return Actor("saksbehandler", Role.ALLOCATION.value, SPEC.id)

    @property
    def nurse(self) -> Actor:
        return Actor("sykepleier", Role.NURSE.value, SPEC.id)

    @property
    def home_nurse(self) -> Actor:
        return Actor("hjemmesykepleier", Role.HOMECARE.value, SPEC.id)

    def place(self, code: str) -> UUID:
        return unit_id(SPEC.id, code)

    @property
    def unit(self) -> UUID:
        return self.place("KORT")

    @property
    def other_unit(self) -> UUID:
        return self.place("UTRED")

    @property
    def zone(self) -> UUID:
        return self.place("NORD")

    @property
    def other_zone(self) -> UUID:
        return self.place("SOR")

    def tick(self, **delta: float) -> datetime:
        self.now += timedelta(**(delta or {"minutes": 10}))
        return self.now

    def today(self, days: int = 0) -> date:
        return T0.date() + timedelta(days=days)

    # -- histories ------------------------------------------------------------------------

    def opened(self, patient: tuple[str, str] = KARI, source: Source = Source.HOSPITAL) -> UUID:
        national_id, name = patient
        return self.flows.open_flow(
            national_id, name, source, "St. Olavs hospital", "Rehabilitering etter brudd",
            by=self.office, at=self.now,
        )  # fmt: skip

    def ready(self, patient: tuple[str, str] = KARI, ready_at: datetime | None = None) -> UUID:
        flow_id = self.opened(patient)
        self.flows.notify_ready_for_discharge(
            flow_id, ready_at or self.now, False, by=self.office, at=self.tick()
        )
        return flow_id

    def short_term(self, unit: UUID | None = None, starts_on: date | None = None) -> Decision:
        return Decision(
            ServiceKind.SHORT_TERM_STAY.value,
            unit or self.unit,
            None,
            starts_on or self.today(1),
            None,
        )

    def reserved(
        self,
        bed: str = "1",
        patient: tuple[str, str] = KARI,
        unit: UUID | None = None,
        starts_on: date | None = None,
    ) -> UUID:
        flow_id = self.opened(patient)
        decision = self.short_term(unit, starts_on)
        self.flows.decide_service(flow_id, decision, by=self.office, at=self.tick())
        self.flows.reserve_bed(flow_id, decision.unit_id, bed, by=self.office, at=self.tick())
        return flow_id

    def on_stay(
        self, bed: str = "1", patient: tuple[str, str] = KARI, unit: UUID | None = None
    ) -> UUID:
        flow_id = self.reserved(bed, patient, unit)
        self.flows.arrive(flow_id, by=self.nurse, at=self.tick())
        return flow_id

    def going_home(
        self, on: date, zone: UUID | None = None, estimate: bool = False
    ) -> DischargePlan:
        return DischargePlan(on, estimate, Destination.HOME.value, zone or self.zone)

    def planned_home(
        self,
        on: date,
        bed: str = "1",
        patient: tuple[str, str] = KARI,
        zone: UUID | None = None,
        unit: UUID | None = None,
    ) -> UUID:
        flow_id = self.on_stay(bed, patient, unit)
        plan = self.going_home(on, zone)
        self.flows.plan_discharge(flow_id, plan, by=self.office, at=self.tick())
        return flow_id

    def discharged_home(
        self,
        on: date,
        bed: str = "1",
        patient: tuple[str, str] = KARI,
        zone: UUID | None = None,
        unit: UUID | None = None,
    ) -> UUID:
        flow_id = self.planned_home(on, bed, patient, zone, unit)
        self.flows.discharge(flow_id, by=self.nurse, at=self.tick())
        return flow_id

    def planned_home_from_hospital(
        self,
        on: date,
        patient: tuple[str, str] = KARI,
        zone: UUID | None = None,
        ready_at: datetime | None = None,
    ) -> UUID:
        """Ready in hospital, home care decided, the discharge home planned from there."""
        flow_id = self.ready(patient, ready_at)
        home_care = Decision(ServiceKind.HOME_CARE.value, None, zone or self.zone, on, None)
        self.flows.decide_service(flow_id, home_care, by=self.office, at=self.tick())
        plan = self.going_home(on, zone)
        self.flows.plan_discharge(flow_id, plan, by=self.office, at=self.tick())
        return flow_id

    def discharged_home_from_hospital(
        self, on: date, patient: tuple[str, str] = KARI, zone: UUID | None = None
    ) -> UUID:
        flow_id = self.planned_home_from_hospital(on, patient, zone)
        self.flows.discharge(flow_id, by=self.office, at=self.tick())
        return flow_id

    # -- the read models ------------------------------------------------------------------

    def rows(self, table: Table, *where: Any) -> list[dict[str, Any]]:
        self.system.projector.catch_up()
        with self.system.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(select(table).where(*where))]

    def card(self, flow_id: UUID) -> dict[str, Any]:
        (row,) = self.rows(cards, cards.c.flow_id == flow_id)
        return row

    def periods(self, flow_id: UUID) -> list[dict[str, Any]]:
        """The flow's waits in hospital after a ready notice, first first."""
        rows = self.rows(periods, periods.c.flow_id == flow_id)
        return sorted(rows, key=lambda r: r["number"])

    def beds(self, unit: UUID | None = None) -> dict[str, tuple[str, UUID | None]]:
        rows = self.rows(beds, beds.c.unit_id == (unit or self.unit))
        return {row["bed"]: (row["status"], row["flow_id"]) for row in rows}

    def tasks(self, flow_id: UUID) -> dict[str, dict[str, Any]]:
        """The flow's task rows by key; the latest opened wins when a key repeats."""
        rows = self.rows(tasks, tasks.c.flow_id == flow_id)
        return {row["key"]: row for row in sorted(rows, key=lambda r: r["opened_at"])}

    def rows_of_checklist(self, flow_id: UUID, checklist: str) -> list[dict[str, Any]]:
        return self.rows(tasks, tasks.c.flow_id == flow_id, tasks.c.checklist == checklist)

    def version(self, flow_id: UUID) -> int:
        return self.flows.flow(flow_id, self.office).version
