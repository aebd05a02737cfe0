"""Every timestamp aisle stores is UTC; SQLite hands them back without a zone, so reads put it back."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
