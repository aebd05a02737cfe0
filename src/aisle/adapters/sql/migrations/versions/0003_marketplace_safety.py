"""marketplace safety (issue 11)

Failed bulk jobs keep their reason; seller coupon namespaces; reviewers and verified reviews;
idempotency keys remember the hash of their request; seller API keys (list, rotate, revoke).

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
    op.drop_table("id_nodes")  # node ids are held (advisory locks, lock files), no longer leased from a table
    keys = op.create_table(
        "seller_api_keys",
        sa.Column("key_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("seller_id", sa.BigInteger(), sa.ForeignKey("sellers.seller_id"), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_seller_api_keys_seller_id", "seller_api_keys", ["seller_id"])
    sellers = sa.table(
        "sellers",
        sa.column("seller_id", sa.BigInteger()),
        sa.column("api_key_hash", sa.String(64)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.execute(  # every existing seller keeps its key, now listed under its own seller id as key id
        keys.insert().from_select(
            ["key_id", "seller_id", "key_hash", "created_at"],
            sa.select(sellers.c.seller_id, sellers.c.seller_id, sellers.c.api_key_hash, sellers.c.created_at),
        )
    )
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("reviewer", sa.String(200), nullable=True))
        batch.add_column(sa.Column("order_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index("uq_reviews_product_reviewer", ["product_id", "reviewer"], unique=True)
    with op.batch_alter_table("review_stats") as batch:
        batch.add_column(sa.Column("verified", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "confirmed_orders",
        sa.Column("order_id", sa.String(100), primary_key=True),
        sa.Column("product_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("request_hash", sa.String(64), nullable=True))
    for table in ("coupons", "coupon_redemptions"):  # room for <seller id>:CODE
        with op.batch_alter_table(table) as batch:
            batch.alter_column("code", type_=sa.String(64), existing_type=sa.String(32))


def downgrade() -> None:
    op.create_table(
        "id_nodes",
        sa.Column("lease_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("leased_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.drop_index("ix_seller_api_keys_seller_id", "seller_api_keys")
    op.drop_table("seller_api_keys")
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("request_hash")
    op.drop_table("confirmed_orders")
    with op.batch_alter_table("review_stats") as batch:
        batch.drop_column("verified")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_index("uq_reviews_product_reviewer")
        for column in ("verified", "order_id", "reviewer"):
            batch.drop_column(column)
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.drop_column("failure_reason")
