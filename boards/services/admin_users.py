"""The administrators' use cases on users: add one (with a link where she sets her own
password), rename her, change her role and places, reset her password, disable or enable
her. A role that opens patient data is asked of a leader (access/grants.py); every change
writes an audit row in the same transaction as the change it describes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine

from access.accounts import NO_ROLE, OIDC_PREFIX, Account, AccountError, Accounts, Role, User
from access.audit import Audit
from access.grants import Asked, Grant, Grants
from access.sessions import Sessions
from access.setup_links import SetupLinks
from flow.application import Pasientflyt
from flow.errors import DuplicateError, IllegalTransitionError, NotFoundError, NotPermittedError
from flow.vocabulary import UnitKind


class UserAdmin:
    """The users' part of the admin service (`boards.services.admin.Admin`)."""

    flows: Pasientflyt
    engine: Engine
    accounts: Accounts
    sessions: Sessions
    audit: Audit
    grants: Grants
    links: SetupLinks

    def users(self, admin: User) -> list[Account]:
        check_admin(admin)
        return self.accounts.list_users(admin.municipality_id)

    def user(self, admin: User, user_id: UUID) -> Account:
        check_admin(admin)
        found = self.accounts.account(user_id)
        if found is None or found.user.municipality_id != admin.municipality_id:
            raise NotFoundError("not_found", thing="user")
        return found

    def add_user(
        self,
        admin: User,
        username: str,
        display_name: str,
        role: Role,
        unit_ids: list[UUID],
        at: datetime,
    ) -> tuple[User, str]:
        """A new user and the token of her setup link, where she sets her own password; a
        role that opens patient data waits for a leader's approval (access/grants.py)."""
        check_admin(admin)
        self._check_places(admin, role, unit_ids)
        details = {"username": username, "role": role.value, "unit_ids": _ids(unit_ids)}
        try:
            with self.engine.begin() as db:
                user = self.accounts.add_user(
                    admin.municipality_id, username, NO_ROLE, display_name, None, [], at=at, db=db
                )
                details["user_id"] = str(user.id)
                self._log(admin, "user.added", username, details, at, db)
                self.grants.ask(db, user, role, unit_ids, by=admin.id, at=at, asked=Asked.NEW_USER)
                token = self.links.issue(db, user.id, by=admin.id, at=at)
        except AccountError as error:
            raise DuplicateError(error.code, **error.params) from None
        found = self.accounts.get(user.id)
        assert found is not None
        return found, token

    def change_user(
        self,
        admin: User,
        user_id: UUID,
        at: datetime,
        *,
        role: Role | None = None,
        unit_ids: list[UUID] | None = None,
        display_name: str | None = None,
    ) -> Account:
        """Rename the user, or change her role and places: what narrows her access holds at
        once, what widens it waits for a leader (access/grants.py)."""
        before = self.user(admin, user_id).user
        if user_id == admin.id and role not in (None, Role.ADMIN):
            raise IllegalTransitionError("own_admin_role")
        waiting = self.grants.waiting_for(user_id)
        asked = waiting or before
        new_role = role or asked.role
        places = list(asked.unit_ids) if unit_ids is None else unit_ids
        if role is not None or unit_ids is not None:
            self._check_places(admin, new_role, places)
        with self.engine.begin() as db:
            if display_name is not None:
                self.accounts.rename(user_id, display_name, db)
            if role is not None or unit_ids is not None:
                now_user = self.accounts.account(user_id, db)
                assert now_user is not None
                self.grants.ask(
                    db, now_user.user, new_role, places, by=admin.id, at=at, asked=Asked.CHANGED
                )
            after = self.accounts.account(user_id, db)
            assert after is not None
            details = {
                "user_id": str(user_id),
                "before": _shown(before),
                "after": _shown(after.user),
                "asked": {"role": new_role, "unit_ids": _ids(places)},
            }
            self._log(admin, "user.changed", before.username, details, at, db)
        return self.user(admin, user_id)

    def reset_password(self, admin: User, user_id: UUID, at: datetime) -> tuple[Account, str]:
        """The user's password no longer opens the account; a new setup link does, and what
        her role opened of patient data waits for a leader again (whoever holds the link
        could be her)."""
        account = self.user(admin, user_id)
        if account.user.username.startswith(OIDC_PREFIX):
            raise IllegalTransitionError("oidc_user_has_no_password")
        with self.engine.begin() as db:
            self.accounts.forget_password(user_id, db)
            token = self.links.issue(db, user_id, by=admin.id, at=at)
            grant = self.grants.reset(db, account.user, by=admin.id, at=at)
            details = {"user_id": str(user_id), "waits": str(grant.id) if grant else None}
            self._log(admin, "user.password_reset", account.user.username, details, at, db)
        self.sessions.end_all(user_id)
        return self.user(admin, user_id), token

    def set_active(self, admin: User, user_id: UUID, active: bool, at: datetime) -> Account:
        """Enable or disable a user; disabling ends every session and revokes every token."""
        account = self.user(admin, user_id)
        if user_id == admin.id and not active:
            raise IllegalTransitionError("disable_self")
        if account.active == active:
            return account
        with self.engine.begin() as db:
            self.accounts.set_active(user_id, active, db=db)
            details: dict[str, Any] = {"user_id": str(user_id)}
            if not active:
                details["tokens_revoked"] = self.accounts.revoke_tokens(user_id, db=db)
            action = "user.enabled" if active else "user.disabled"
            self._log(admin, action, account.user.username, details, at, db)
        if not active:  # after the commit: a disabled user's sessions are refused already
            self.sessions.end_all(user_id)
        return self.user(admin, user_id)

    def waiting_grants(self, admin: User) -> dict[UUID, Grant]:
        """The users whose grant waits for a leader, and the grant."""
        check_admin(admin)
        return self.grants.waiting_in(admin.municipality_id)

    def _check_places(self, admin: User, role: str, unit_ids: list[UUID]) -> None:
        """A nurse belongs to short-term units, a home-care user to zones, others to none;
        every place must be the municipality's."""
        places = [self.flows.unit(unit_id, admin.actor) for unit_id in unit_ids]
        zones = [p for p in places if p.kind == UnitKind.HOME_CARE_ZONE]
        if role == Role.NURSE and zones:
            raise IllegalTransitionError("nurse_in_zone")
        if role == Role.HOMECARE and len(zones) != len(places):
            raise IllegalTransitionError("homecare_in_unit")
        if role not in (Role.NURSE, Role.HOMECARE) and places:
            raise IllegalTransitionError("role_has_no_units")

    def _log(
        self,
        admin: User,
        action: str,
        subject: str,
        details: dict[str, Any],
        at: datetime,
        db: Connection | None = None,
    ) -> None:
        self.audit.record(admin.municipality_id, admin.id, action, subject, details, at=at, db=db)


def check_admin(user: User) -> None:
    if user.role != Role.ADMIN:
        raise NotPermittedError("admin_only")


def _ids(unit_ids: list[UUID]) -> list[str]:
    return [str(u) for u in unit_ids]


def _shown(user: User) -> dict[str, Any]:
    return {"role": user.role, "unit_ids": _ids(user.unit_ids), "display_name": user.display_name}
