"""The bed forecasts as the allocation office was shown them, the first of each day, for the
leaders' page (issue 29).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecasts_made",
        sa.Column("municipality_id", sa.Uuid(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("free_now", sa.Integer(), nullable=False),
        sa.Column("ahead", sa.JSON(), nullable=False),
    )
