"""All configuration, from environment variables prefixed PASIENTFLYT_."""

from __future__ import annotations

from datetime import timedelta
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from flow.rates import NATIONAL_DAILY_RATES

#: The checklist templates shipped with the product (fixtures/checklists.yaml), in force where
#: a municipality has written none of its own: a data file, found without importing code from
#: the layer above (fixtures stands on the system these settings open).
SHIPPED_CHECKLISTS = Path(str(files("fixtures").joinpath("checklists.yaml")))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PASIENTFLYT_")

    database_url: str = "sqlite:///var/pasientflyt.db"
    host: str = "127.0.0.1"
    #: The server's log lines: `text`, or `json` (one object a line) for a log collector.
    log_format: Literal["text", "json"] = "text"
    #: `/helse/klar` says not ready while the read models are more events than this behind.
    ready_lag_events: int = 1000
    port: int = 8000
    checklists_file: Path = SHIPPED_CHECKLISTS
    #: The master keys that wrap each flow's key (made on first start); shared by every
    #: server process of one database, and kept out of its backups.
    master_keys_file: Path = Path("var/pasientflyt-master.keys")
    #: Days after a flow is closed before `pasientflyt erase` erases its identity.
    retention_days: int = 180
    #: How long an emergency access (nødtilgang) opens its one patient to its user.
    emergency_access_lasts: timedelta = timedelta(hours=4)
    daily_rates: dict[int, int] = dict(NATIONAL_DAILY_RATES)
    session_idle: timedelta = timedelta(minutes=60)
    session_lifetime: timedelta = timedelta(hours=12)
    follow_seconds: float = 1.0
    deadline_seconds: float = 30.0
    #: How long a read model's old version (`projections/versions.py`) stands still, the log
    #: going on, before it is taken to be of a release no longer running and is dropped.
    retire_after: timedelta = timedelta(minutes=10)
    #: How often each server indexes the access log's new looks by flow.
    access_index_seconds: float = 60.0
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_private_key_file: Path | None = None
    oidc_private_key_id: str | None = None
    oidc_scopes: str = "openid profile"
    oidc_municipality: str | None = None
    oidc_login_text: str = "Logg inn med kommunens påloggingstjeneste"
