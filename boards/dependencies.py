"""What every route needs: the application, the acting user, the clock, If-Match."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from access.accounts import User
from boards.system import System
from flow.actor import Actor
from flow.application import Pasientflyt

_bearer = HTTPBearer(auto_error=False, description="Token fra `pasientflyt users token`.")


def get_system(request: Request) -> System:
    system: System = request.app.state.system
    return system


def get_flows(system: Annotated[System, Depends(get_system)]) -> Pasientflyt:
    return system.flows


def get_now(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


def get_user(
    system: Annotated[System, Depends(get_system)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    user = system.accounts.user_for_token(credentials.credentials) if credentials else None
    if user is None:
        raise HTTPException(
            status_code=401,
            detail="Logg inn, eller send en gyldig «Authorization: Bearer <token>».",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def get_actor(user: Annotated[User, Depends(get_user)]) -> Actor:
    return user.actor


def get_expected_version(
    if_match: Annotated[
        str | None,
        Header(description="Versjonen kommandoen bygger på; en eldre versjon gir 409."),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise HTTPException(status_code=422, detail="If-Match må være et versjonsnummer.")
    return int(value)


Flows = Annotated[Pasientflyt, Depends(get_flows)]
CurrentSystem = Annotated[System, Depends(get_system)]
CurrentUser = Annotated[User, Depends(get_user)]
Now = Annotated[datetime, Depends(get_now)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
ExpectedVersion = Annotated[int | None, Depends(get_expected_version)]
