"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(connection: Connection, table: Table) -> Any:
    """An INSERT that supports ``on_conflict_do_update``/``on_conflict_do_nothing`` on either database."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return module.insert(table)
