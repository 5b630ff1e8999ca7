"""Logging in through the municipality's OpenID Connect provider, and the admin's mapping
from the provider's claims to a role and units in Pasientflyt."""
