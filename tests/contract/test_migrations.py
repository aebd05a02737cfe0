"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.migrate import alembic_config, upgrade_to_head
from aisle.adapters.sql.schema import metadata


def test_no_drift_between_migrations_and_schema(engine):
    upgrade_to_head(engine)  # a second run is a no-op
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_skus_that_already_differ_only_in_case_migrate_and_the_oldest_keeps_the_sku(engine):
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    try:
        with engine.begin() as connection:
            _legacy_catalog(connection, skus={1: "CASE-1", 2: "case-1", 3: "Case-1", 4: "OTHER-1"})
    finally:  # the migration must not fail on them (and the other tests need the schema at head)
        upgrade_to_head(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(t.variants.c.variant_id, t.variants.c.sku, t.variants.c.sku_key).order_by(t.variants.c.variant_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, "CASE-1", "case-1"),
        (2, "case-1", None),
        (3, "Case-1", None),
        (4, "OTHER-1", "other-1"),
    ]


def _legacy_catalog(connection: sa.Connection, skus: dict[int, str]) -> None:
    """One seller with a product per variant, as revision 0008 stored them (no sku_key)."""
    now = datetime.now(UTC)
    connection.execute(sa.insert(t.sellers).values(seller_id=1, name="Legacy", api_key_hash="h" * 64, created_at=now))
    for variant_id, sku in skus.items():
        connection.execute(
            sa.insert(t.products).values(
                product_id=variant_id,
                seller_id=1,
                status="ACTIVE",
                version=1,
                title=sku,
                description="",
                images=[],
                attributes={},
                created_at=now,
                updated_at=now,
            )
        )
        connection.execute(
            sa.insert(t.variants).values(
                variant_id=variant_id,
                product_id=variant_id,
                seller_id=1,
                position=0,
                sku=sku,
                attributes={},
                price_cents=100,
                currency="USD",
            )
        )
