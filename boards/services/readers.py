"""Who saw a patient, by name: the access log's looks at one flow, each with the reader's
name and role as the municipality's accounts hold them (never a bare user id)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from access.access_log import Look
from access.accounts import ROLE_TEXT
from boards.services.system import System

#: A reader the municipality's accounts no longer hold.
UNKNOWN_READER = "ukjent bruker"


@dataclass(frozen=True)
class NamedLook:
    """One look, with its reader: "Kari Sykepleier (kari)", "sykepleier"."""

    look: Look
    reader: str
    role_text: str


def reader_names(system: System, municipality_id: UUID) -> dict[str, str]:
    """The municipality's users by id (as text, as events keep it): "Kari (kari)"."""
    accounts = system.accounts.list_users(municipality_id)
    return {str(a.user.id): f"{a.user.display_name} ({a.user.username})" for a in accounts}


def named_looks(system: System, municipality_id: UUID, flow_id: UUID) -> list[NamedLook]:
    """Who saw the flow, newest first, named (`AccessLog.of_flow`)."""
    looks = system.access_log.of_flow(municipality_id, flow_id)
    names = reader_names(system, municipality_id)
    roles = ROLE_TEXT
    return [
        NamedLook(
            look, names.get(str(look.user_id), UNKNOWN_READER), roles.get(look.role, look.role)
        )
        for look in looks
    ]
