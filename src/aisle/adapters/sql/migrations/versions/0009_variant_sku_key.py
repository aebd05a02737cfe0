"""a seller's SKUs are unique in any case ("case-sku-1" is "CASE-SKU-1"), in the database too: each variant keeps
its SKU in lower case beside it, unique per seller

Variants that already share a SKU in another case keep working: the oldest (lowest variant id) holds the key, the
others keep theirs NULL (which a unique index lets repeat), so the migration never fails on them. Such a variant's
product is refused (409) at its next edit until the seller gives it another SKU, as a new product would be.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("variants", sa.Column("sku_key", sa.String(64), nullable=True))
    variants = sa.table(
        "variants",
        sa.column("variant_id", sa.BigInteger),
        sa.column("seller_id", sa.BigInteger),
        sa.column("sku", sa.String),
        sa.column("sku_key", sa.String),
    )
    # SKUs are ASCII (the catalog's SKU pattern): lower() folds them alike on SQLite and PostgreSQL
    op.execute(variants.update().values(sku_key=sa.func.lower(variants.c.sku)))
    op.execute(
        variants.update().where(variants.c.variant_id.in_(_later_case_duplicates(variants))).values(sku_key=None)
    )
    op.create_index("uq_variants_seller_sku_key", "variants", ["seller_id", "sku_key"], unique=True)


def _later_case_duplicates(variants: sa.TableClause) -> sa.Select:
    """Every variant but the oldest of those of one seller whose SKUs differ only in case (few: grouped once,
    not looked up per variant)."""
    shared = (
        sa.select(variants.c.seller_id, variants.c.sku_key, sa.func.min(variants.c.variant_id).label("oldest"))
        .group_by(variants.c.seller_id, variants.c.sku_key)
        .having(sa.func.count() > 1)
        .subquery("shared")
    )
    held = variants.alias("held")
    same_key = sa.and_(held.c.seller_id == shared.c.seller_id, held.c.sku_key == shared.c.sku_key)
    return sa.select(held.c.variant_id).join_from(held, shared, same_key).where(held.c.variant_id > shared.c.oldest)


def downgrade() -> None:
    op.drop_index("uq_variants_seller_sku_key", table_name="variants")
    with op.batch_alter_table("variants") as batch:
        batch.drop_column("sku_key")
