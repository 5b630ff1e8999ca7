"""All configuration, from environment variables prefixed PASIENTFLYT_."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PASIENTFLYT_")

    database_url: str = "sqlite:///var/pasientflyt.db"
    host: str = "127.0.0.1"
    port: int = 8000
