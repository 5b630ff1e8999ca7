"""Alembic's environment: the migrations run on the connection `access.migrations.migrate`
gives them, in its transaction; there is no other way in (no URL, no ini file)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Migreringene kjøres med `pasientflyt migrate`, ikke med `alembic`.")
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
