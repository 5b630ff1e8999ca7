"""Four eyes on access: a role that opens patient data takes effect when a leader approves it.

Normen (Norm for informasjonssikkerhet og personvern i helse- og omsorgstjenesten, ehelse.no),
read for this module:

- Faktaark 14 «Tilgangsstyring» (https://www.ehelse.no/normen/faktaark/faktaark-14-tilgangsstyring):
  access to health data is given only by need of service (tjenstlig behov); the data
  controller (databehandlingsansvarlig) answers for access being granted, administered,
  checked and removed so. Here the municipality's leader acts for it: an admin asks, a leader
  of the same municipality approves or declines with a reason, and no one approves her own.
- Faktaark 47 «Autorisasjonsregister» (https://www.ehelse.no/normen/faktaark/faktaark-47-autorisasjonsregister):
  a register of the accesses and roles a person has *and has had*, the ground for checking
  access. This table is that register: a grant is written, decided once, and never removed;
  the leaders' page shows the last 90 days of it, the table keeps all.
- «Veileder for tilgang til helse- og personopplysninger», v2.0, approved by Normen's steering
  group 17 March 2022 (https://www.ehelse.no/normen/normen-dokumenter/veileder-for-tilgang-til-helse-og-personopplysninger):
  access control as authorisation (autorisering), authentication and control; its first
  version («Veileder for tilgangsstyring» v1.0, 8 June 2017) has sections on authorisation
  for access, IT staff (IKT-personell), self-authorisation (selvautorisering), the register,
  and handing out the means of authentication. Our reading of them, not a quote: whoever
  administers accounts does not authorise access to patients, and the means of
  authentication is the user's own. So an admin never learns a password that opens patient
  data (access/setup_links.py), and a password reset by an admin puts that access back to
  waiting. (Read: the fact sheets' text and the guides' summaries and contents.)

Where our documents differ, Normen is followed: the approving role is itself a power over
patient data, so granting `leader` waits for another leader too (the first leaders come from
the console or the demo), and the register keeps decided grants for ever, not 90 days.

The `users` table holds the role in force, which is all the policy and the session or bearer
resolution see; a grant that waits changes nothing in it until approved. Narrowing takes
effect at once. The operator at the console (`pasientflyt users add`) holds the database and
its key file, which no approval protects against: what the console creates is in force,
recorded as such. Users in force when this table came (its creation is the migration) keep
their access, each recorded as approved then (access/migrations/versions/0001_*.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Connection, select, update

from access.accounts import NO_ROLE, Role, User, users
from access.grant_register import (
    CONSOLE,
    REASON_LIMIT,
    Asked,
    Grant,
    Register,
    State,
    access_grants,
    grant_of,
)
from flow.errors import IllegalTransitionError, NotFoundError, NotPermittedError

__all__ = ["CONSOLE", "REASON_LIMIT", "WAITING_ROLES", "Asked", "Grant", "Grants", "State"]

#: Roles that see patients, and the role that approves them: each waits for a leader.
WAITING_ROLES = frozenset({Role.ALLOCATION, Role.NURSE, Role.HOMECARE, Role.LEADER})


class Grants(Register):
    """The one way a role that waits is asked for and decided, on the register."""

    # -- asking ---------------------------------------------------------------------------

    def ask(
        self,
        db: Connection,
        user: User,
        role: str,
        unit_ids: Sequence[UUID],
        *,
        by: UUID,
        at: datetime,
        asked: Asked,
    ) -> Grant | None:
        """Give `user` the role and places as an admin asks: what narrows her access holds
        at once, what widens it waits for a leader (the grant returned) while her access in
        force stays; a grant that waited is withdrawn unless asked for again as it was."""
        waiting = self.waiting_for(user.id, db)
        wanted = set(unit_ids)
        if waiting and waiting.role == role and set(waiting.unit_ids) == wanted:
            return waiting
        if waiting:
            self._withdraw(db, waiting, by, at)
        if role not in WAITING_ROLES:
            _set_in_force(db, user.id, role, list(unit_ids))
            return None
        if role == user.role:
            _set_in_force(db, user.id, role, [u for u in user.unit_ids if u in wanted])
            if wanted <= set(user.unit_ids):
                return None
        return self._insert(
            db, user.municipality_id, (user.id, None, user.username), role, unit_ids, by, at, asked
        )

    def reset(self, db: Connection, user: User, *, by: UUID, at: datetime) -> Grant | None:
        """An admin reset the user's password: what her role opened waits for a leader again,
        since whoever holds the new setup link could be her."""
        waiting = self.waiting_for(user.id, db)
        if waiting:
            self._withdraw(db, waiting, by, at)
        role, places = (waiting.role, waiting.unit_ids) if waiting else (user.role, user.unit_ids)
        if user.role in WAITING_ROLES:
            _set_in_force(db, user.id, NO_ROLE, [])
        if role not in WAITING_ROLES:
            return None
        for_user = (user.id, None, user.username)
        return self._insert(
            db, user.municipality_id, for_user, role, places, by, at, Asked.PASSWORD_RESET
        )

    def ask_for_mapping(
        self,
        db: Connection,
        municipality: UUID,
        mapping_id: UUID,
        subject: str,
        role: Role,
        unit_ids: Sequence[UUID],
        *,
        by: UUID,
        at: datetime,
    ) -> Grant | None:
        """An OIDC role mapping of a role that waits is used at sign-in once approved."""
        if role not in WAITING_ROLES:
            return None
        for_mapping = (None, mapping_id, subject)
        return self._insert(
            db, municipality, for_mapping, role.value, unit_ids, by, at, Asked.ROLE_MAPPING
        )

    def forget_mapping(self, db: Connection, mapping_id: UUID, *, by: UUID, at: datetime) -> None:
        """A removed mapping's grant that waited is withdrawn."""
        query = select(access_grants).where(
            access_grants.c.mapping_id == mapping_id, access_grants.c.state == State.WAITING
        )
        for row in db.execute(query).mappings().all():
            self._withdraw(db, grant_of(row), by, at)

    def in_force(
        self,
        db: Connection,
        user: User,
        *,
        by: UUID | None,
        at: datetime,
        asked: Asked,
    ) -> Grant | None:
        """Record that the user's role is in force without an admin's asking: created at the
        console (`by` None) or by the demo (its leader)."""
        if user.role not in WAITING_ROLES:
            return None
        grant = Grant(
            uuid4(),
            user.municipality_id,
            user.id,
            None,
            user.username,
            user.role,
            tuple(user.unit_ids),
            asked,
            CONSOLE,
            at,
            State.APPROVED,
            by or CONSOLE,
            at,
            None,
        )
        self._write(db, grant, CONSOLE, None)
        return grant

    # -- deciding -------------------------------------------------------------------------

    def approve(self, leader: User, grant_id: UUID, at: datetime) -> Grant:
        """The leader authorises the access: the grant's role and places are in force now."""
        with self.engine.begin() as db:
            grant = self._decidable(db, leader, grant_id)
            decided = self._decide(db, grant, State.APPROVED, leader.id, at, None)
            if grant.user_id is not None:
                _set_in_force(db, grant.user_id, grant.role, list(grant.unit_ids))
        return decided

    def decline(self, leader: User, grant_id: UUID, reason: str, at: datetime) -> Grant:
        """The leader declines, saying why; the user's access in force stays as it was."""
        with self.engine.begin() as db:
            grant = self._decidable(db, leader, grant_id)
            return self._decide(db, grant, State.DECLINED, leader.id, at, reason)

    def _decidable(self, db: Connection, leader: User, grant_id: UUID) -> Grant:
        if leader.role != Role.LEADER:
            raise NotPermittedError("leaders_only_access")
        row = db.execute(select(access_grants).where(access_grants.c.id == grant_id)).first()
        if row is None or row._mapping["municipality_id"] != leader.municipality_id:
            raise NotFoundError("not_found", thing="access_grant")
        grant = grant_of(row._mapping)
        if grant.user_id == leader.id:
            raise NotPermittedError("own_access_grant")
        if grant.state != State.WAITING:
            raise IllegalTransitionError("access_grant_decided")
        return grant

    # -- writing --------------------------------------------------------------------------

    def _insert(
        self,
        db: Connection,
        municipality: UUID,
        subject: tuple[UUID | None, UUID | None, str],
        role: str,
        unit_ids: Sequence[UUID],
        by: UUID,
        at: datetime,
        asked: Asked,
    ) -> Grant:
        """A grant that waits, for a user or an OIDC role mapping (`subject`: the user's id,
        the mapping's id, and who it names)."""
        user_id, mapping_id, named = subject
        grant = Grant(
            uuid4(),
            municipality,
            user_id,
            mapping_id,
            named,
            role,
            tuple(unit_ids),
            asked,
            by,
            at,
            State.WAITING,
            None,
            None,
            None,
        )
        self._write(db, grant, by, "access_grant.asked")
        return grant


def _set_in_force(db: Connection, user_id: UUID, role: str, unit_ids: list[UUID]) -> None:
    db.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(role=role, unit_ids=[str(u) for u in unit_ids])
    )
