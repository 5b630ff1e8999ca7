"""The what-if comparisons of simulated scenarios, stored for the leaders' page (issue 27).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenario_comparisons",
        sa.Column("municipality_id", sa.Uuid(), primary_key=True),
        sa.Column("run_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("inhabitants", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
    )
