"""product images uploaded by sellers

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
        "product_images",
        sa.Column("image_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("alt_text", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.BigInteger(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("original_ext", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.product_id"]),
        sa.PrimaryKeyConstraint("image_id"),
    )
    op.create_index("ix_product_images_content_hash", "product_images", ["content_hash"], unique=False)
    op.create_index("ix_product_images_product", "product_images", ["product_id", "position", "image_id"])
    op.create_index("ix_product_images_status", "product_images", ["status", "image_id"])


def downgrade() -> None:
    op.drop_index("ix_product_images_status", table_name="product_images")
    op.drop_index("ix_product_images_product", table_name="product_images")
    op.drop_index("ix_product_images_content_hash", table_name="product_images")
    op.drop_table("product_images")
