"""A database for the classes beside the event log: connected and migrated, as
`open_system` leaves it at start."""

from __future__ import annotations

from sqlalchemy import Engine

from access.database import connect
from access.migrations import migrate


def migrated(database_url: str) -> Engine:
    """An engine on the database, its state tables at the newest revision."""
    engine = connect(database_url)
    migrate(engine)
    return engine
