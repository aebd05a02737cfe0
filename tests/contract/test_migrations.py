"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from aisle.adapters.sql.migrate import upgrade_to_head
from aisle.adapters.sql.schema import metadata


def test_no_drift_between_migrations_and_schema(engine):
    upgrade_to_head(engine)  # a second run is a no-op
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
