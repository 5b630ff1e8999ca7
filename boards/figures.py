"""The leaders' figures as the API and the page read them: the period asked for, the
read models caught up, the uses of emergency access counted; never a patient."""

from __future__ import annotations

from datetime import date, datetime

from access.accounts import User
from boards import period
from boards.system import System
from projections.figures import EmergencyUse, Figures

#: The figures show the last twelve months unless asked otherwise.
DEFAULT_DAYS = 365


def figures_for(
    system: System, leader: User, start: date | None, end: date | None, now: datetime
) -> Figures:
    first, last = period.days(start, end, now, default=DEFAULT_DAYS)
    system.projector.catch_up()
    uses = [
        EmergencyUse(grant.granted_at, grant.reviewed_at is not None, grant.overdue(now))
        for grant in system.emergency.granted_between(
            leader.municipality_id, *period.moments(first, last)
        )
    ]
    return Figures.read(
        system.engine, leader.municipality_id, first, last, now, system.daily_rates, uses
    )
