"""Everything one process needs, opened from the settings: store, accounts, read models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import Engine

from access.access_log import AccessLog
from access.accounts import Accounts
from access.audit import Audit
from access.daily_rates import DailyRates
from access.database import connect, startup_lock
from access.devices import Devices
from access.emergency_access import EmergencyAccess
from access.grants import Grants
from access.lockout import Lockout
from access.migrations import migrate
from access.oidc.role_mappings import RoleMappings
from access.patient_keys import MasterKeys, PatientKeys
from access.sessions import Sessions
from access.setup_links import SetupLinks
from boards.hospital.ingest import HospitalMessages
from boards.settings import Settings
from flow import checklist_file
from flow.application import Pasientflyt
from flow.store import store_env
from projections.bed_grid import BedGrid
from projections.figures.leader_figures import LeaderFigures
from projections.flow_cards import FlowCards
from projections.past import PastModels
from projections.projector import Projector
from projections.task_list import TaskList, flows_with_loops_due


@dataclass
class System:
    flows: Pasientflyt
    engine: Engine
    accounts: Accounts
    projector: Projector
    sessions: Sessions
    rates: DailyRates
    lockout: Lockout
    audit: Audit
    devices: Devices
    role_mappings: RoleMappings
    keys: PatientKeys
    access_log: AccessLog
    emergency: EmergencyAccess
    hospital_messages: HospitalMessages
    grants: Grants
    setup_links: SetupLinks

    def record_overdue_loops(self, at: datetime) -> int:
        """The deadline process: `TaskOverdue` once for each loop open past its due time.
        The task list must be up to date to say which; the read models take the marks
        when they next catch up, as after any command."""
        self.projector.catch_up(TaskList.name)
        return sum(
            self.flows.mark_overdue(flow_id, at=at)
            for flow_id in flows_with_loops_due(self.engine, at)
        )

    @cached_property
    def past(self) -> PastModels:
        """The boards' read models as of a past moment, from the log (`projections/past.py`)."""
        return PastModels(self.flows, self.engine)

    def close(self) -> None:
        self.flows.close()
        self.engine.dispose()


def open_system(settings: Settings, *, durable: bool = True) -> System:
    """The system on the settings' database; not `durable`, a simulation's: its own SQLite
    commits are not flushed one by one (`access.database.connect`)."""
    engine = connect(settings.database_url, durable=durable)
    migrate(engine)
    with startup_lock(engine):
        keys = PatientKeys(engine, MasterKeys(settings.master_keys_file))
        flows = Pasientflyt(
            env=store_env(settings.database_url, durable=durable),
            keys=keys,
            checklists=checklist_file.load(settings.checklists_file),
        )
        # In this order `pasientflyt rebuild` deals the models to two processes as about even
        # halves: flow cards and tasks, beds and figures (`boards.cli.rebuilding`).
        projector = Projector(
            flows,
            engine,
            [FlowCards(), BedGrid(), TaskList(), LeaderFigures()],
            retire_after=settings.retire_after.total_seconds(),
        )
        accounts = Accounts(engine)
        sessions = Sessions(
            engine, accounts, idle=settings.session_idle, lifetime=settings.session_lifetime
        )
        lockout = Lockout(engine)
        audit, devices = Audit(engine), Devices(engine)
        role_mappings = RoleMappings(engine)
        grants = Grants(engine, audit)
        setup_links = SetupLinks(engine, accounts)
        hospital_messages = HospitalMessages(engine, flows, projector)
        access_log = AccessLog(engine)
    return System(
        flows,
        engine,
        accounts,
        projector,
        sessions,
        DailyRates(engine, settings.daily_rates),
        lockout,
        audit,
        devices,
        role_mappings,
        keys,
        access_log,
        EmergencyAccess(engine, keys, settings.emergency_access_lasts),
        hospital_messages,
        grants,
        setup_links,
    )
