"""Which event store to use, from one database URL: a SQLite file or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


class UnsupportedDatabaseError(ValueError):
    pass


def store_env(database_url: str) -> dict[str, str]:
    """The eventsourcing library's settings for `sqlite:///path` or `postgresql://...`."""
    url = urlsplit(database_url)
    scheme = url.scheme.split("+")[0]
    if scheme == "sqlite":
        path = Path(unquote(url.path.removeprefix("/")))
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    if scheme in {"postgresql", "postgres"}:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.removeprefix("/"),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
        }
    raise UnsupportedDatabaseError(
        f"Ukjent database-URL «{database_url}»: bruk sqlite:///sti/til/fil.db "
        "eller postgresql://bruker:passord@vert:port/database."
    )
