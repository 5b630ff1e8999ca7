"""The leaders' review of access grants: who asked for which role and places for whom, and
whether the user has set her own password yet; approve, or decline with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from access.accounts import OIDC_PREFIX, Role, User
from access.grants import CONSOLE, Asked, Grant
from boards.services.system import System
from flow.errors import NotPermittedError
from projections.bed_grid import places

#: Grants recorded in force, not asked for by an admin.
UNASKED = frozenset({Asked.CONSOLE, Asked.DEMO, Asked.IN_FORCE_BEFORE})
#: How far back the list shows grants given and declined (the register keeps them all).
DECIDED_SHOWN = timedelta(days=90)


@dataclass(frozen=True)
class GrantRow:
    """A grant as a leader reads it: names where the register holds ids."""

    grant: Grant
    who: str
    asked_by: str
    decided_by: str | None
    places: tuple[str, ...]
    password_set_at: datetime | None
    #: The user signs in through the municipality's provider and has no password here.
    by_provider: bool
    #: In force without an admin's asking (console, demo, before grants): its password was
    #: not set through a link.
    in_force_unasked: bool


def check_leader(user: User) -> None:
    if user.role != Role.LEADER:
        raise NotPermittedError("leaders_only_access")


def grant_rows(system: System, leader: User, now: datetime) -> list[GrantRow]:
    """The grants that wait, oldest first, then those decided in the last 90 days."""
    check_leader(leader)
    municipality = leader.municipality_id
    grants = system.grants.listing(municipality, now - DECIDED_SHOWN)
    names = {
        a.user.id: f"{a.user.display_name} ({a.user.username})"
        for a in system.accounts.list_users(municipality)
    }
    names[CONSOLE] = "serverens konsoll"
    system.projector.catch_up()
    place_names = {p.id: p.name for p in places(system.engine, municipality)}
    user_ids = [g.user_id for g in grants if g.user_id]
    password_set = system.setup_links.password_set_at(user_ids)
    return [
        GrantRow(
            g,
            names.get(g.user_id, g.subject) if g.user_id else g.subject,
            names.get(g.asked_by, str(g.asked_by)),
            names.get(g.decided_by, str(g.decided_by)) if g.decided_by else None,
            tuple(place_names.get(u, str(u)) for u in g.unit_ids),
            password_set.get(g.user_id) if g.user_id else None,
            g.user_id is None or g.subject.startswith(OIDC_PREFIX),
            g.asked in UNASKED,
        )
        for g in grants
    ]


def approve(system: System, leader: User, grant_id: UUID, at: datetime) -> GrantRow:
    system.grants.approve(leader, grant_id, at)
    return _row(system, leader, grant_id, at)


def decline(system: System, leader: User, grant_id: UUID, reason: str, at: datetime) -> GrantRow:
    system.grants.decline(leader, grant_id, reason, at)
    return _row(system, leader, grant_id, at)


def _row(system: System, leader: User, grant_id: UUID, at: datetime) -> GrantRow:
    return next(r for r in grant_rows(system, leader, at) if r.grant.id == grant_id)
