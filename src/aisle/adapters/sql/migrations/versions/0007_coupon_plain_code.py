"""a coupon code is unique across the platform in the database, not only by a check that two sellers' concurrent
creations of one code could both pass

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coupons") as batch:
        batch.add_column(sa.Column("plain_code", sa.String(64), nullable=True))
    coupons = sa.table("coupons", sa.column("code", sa.String), sa.column("plain_code", sa.String))
    connection = op.get_bind()
    seen: set[str] = set()
    for (code,) in connection.execute(sa.select(coupons.c.code).order_by(coupons.c.code)):
        plain = code.rpartition(":")[2]
        if plain not in seen:  # a code two owners created at once before this revision keeps its first owner's
            seen.add(plain)
            connection.execute(coupons.update().where(coupons.c.code == code).values(plain_code=plain))
    op.create_index("uq_coupons_plain_code", "coupons", ["plain_code"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_coupons_plain_code", table_name="coupons")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_column("plain_code")
