"""marketplace safety (issue 11): failed bulk jobs keep their reason

Revision ID: 0002_safety
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_safety"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.drop_column("failure_reason")
