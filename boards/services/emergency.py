"""Emergency access as pages and API use it: open one patient by identity number, and what
a leader reviews — the uses, and what one user looked at, without any patient's identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from access.access_log import Basis, Look
from access.accounts import User
from access.emergency_access import MAY_USE, EmergencyReason, Grant
from access.policy import viewer_of
from boards.services.flow_access import authorise_flow
from boards.services.system import System
from flow.errors import IllegalTransitionError, NotFoundError, NotPermittedError
from projections.cards import flow_of_patient

#: How far back the review list shows uses already reviewed (those not, it shows all).
REVIEWED_SHOWN = timedelta(days=30)


def open_emergency_access(
    system: System, user: User, national_id: str, reason: EmergencyReason, note: str, at: datetime
) -> Grant:
    """Open the patient's flow to the user for a while. A patient the user already sees
    needs no emergency access (409). A search that finds no patient is kept in the audit
    log, so nobody can probe for who is a patient here without a trace."""
    if user.role not in MAY_USE:
        raise NotPermittedError("emergency_access_not_for_role")
    system.projector.catch_up()
    flow_id = flow_of_patient(system.engine, user.municipality_id, national_id)
    if flow_id is None:
        system.audit.record(
            user.municipality_id, user.id, "emergency_access.not_found", "", {}, at=at
        )
        raise NotFoundError("no_patient_with_number")
    try:
        authorise_flow(system, viewer_of(user), flow_id, at)
    except NotFoundError:
        return system.emergency.grant(user, flow_id, reason, note, at)
    raise IllegalTransitionError("emergency_access_not_needed")


@dataclass(frozen=True)
class UserLook:
    """One look as a leader sees it: the patient as a number within the listing only."""

    at: datetime
    view: str
    basis: Basis
    patient: int


def pseudonymous(looks: list[Look]) -> list[UserLook]:
    """Looks with each patient numbered by first appearance, oldest first: a leader sees
    how often and how the user looked, never at whom."""
    numbers: dict[UUID, int] = {}
    ordered = sorted(looks, key=lambda look: look.at)
    return [
        UserLook(look.at, look.view, look.basis, numbers.setdefault(look.flow_id, len(numbers) + 1))
        for look in ordered
    ]
