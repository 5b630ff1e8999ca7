"""What Pasientflyt knows of the municipality's provider and of itself as its client."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    municipality_number: str | None
    client_secret: str | None = None
    private_key_file: Path | None = None
    private_key_id: str | None = None
    scopes: str = "openid profile"
