"""how far the deal clock has announced deals' starts and ends, kept in the database: an edge passed while no
process ran (an outage longer than the clock's old ten-minute look back) is announced at the next start

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deal_edges_announced",
        sa.Column("clock", sa.String(16), primary_key=True),
        sa.Column("seen_until", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deal_edges_announced")
