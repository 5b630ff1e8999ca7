"""May this user see this flow, and give this command? The care relations from the read models
judged by the policy; an emergency access shows one patient and gives no command."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from access.access_log import Basis
from access.accounts import User
from access.policy import Viewer, may_command, may_see, role_gives, viewer_of
from boards.services.system import System
from flow.errors import NotFoundError, NotPermittedError
from flow.vocabulary import Command
from projections.care_relations import care_relations


def flow_basis(
    system: System, user: User, flow_id: UUID, now: datetime, command: Command | None = None
) -> Basis | None:
    """Why the user may see the flow: None for the role's own rule (`basis_of`), or
    `EMERGENCY` for an emergency access of the user's that holds now. Emergency access
    shows the patient; it gives no command (403)."""
    try:
        authorise_flow(system, viewer_of(user), flow_id, now, command)
    except NotFoundError:
        if system.emergency.active(user, flow_id, now) is None:
            raise
        if command is not None:
            raise NotPermittedError("emergency_access_read_only") from None
        return Basis.EMERGENCY
    return None


def authorise_flow(
    system: System, viewer: Viewer, flow_id: UUID, now: datetime, command: Command | None = None
) -> None:
    """A flow the viewer may not see does not exist for it (404); a command its role may not
    give, or to a flow not tied to her place now, is refused (403). The read models must
    have caught up."""
    with system.engine.connect() as db:
        relations = care_relations(db, [flow_id]).get(flow_id)
    if relations is None or not may_see(viewer, relations, now):
        raise NotFoundError("not_found", thing="flow")
    if command is None or may_command(viewer, command, relations, now):
        return
    if role_gives(viewer.role, command):
        raise NotPermittedError("command_not_tied_here", command=command.value)
    raise NotPermittedError("command_not_for_role", command=command.value)
