"""The transactional outbox: events are rows written in the same transaction as the change they describe."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.timestamps import as_utc
from aisle.domain.events import Event
from aisle.services.ports import OutboxEntry

PENDING = "PENDING"
DELIVERED = "DELIVERED"
PARKED = "PARKED"  # failed too often: kept for a person to look at, no longer blocking the events after it


class SqlOutbox:
    def __init__(self, connection: Connection, new_id: Callable[[], int]) -> None:
        self._db = connection
        self._new_id = new_id

    def add(self, events: Iterable[Event], now: datetime) -> list[OutboxEntry]:
        rows: list[dict[str, Any]] = [
            {
                "event_id": self._new_id(),
                "name": e.name,
                "key": e.key,
                "payload": e.payload,
                "status": PENDING,
                "attempts": 0,
                "created_at": now,
            }
            for e in events
        ]
        if rows:
            self._db.execute(insert(t.outbox), rows)
        return [OutboxEntry(r["event_id"], r["name"], r["key"], r["payload"], now, 0) for r in rows]

    def claim_pending(self, limit: int, now: datetime | None = None) -> list[OutboxEntry]:
        due = or_(t.outbox.c.next_attempt_at.is_(None), t.outbox.c.next_attempt_at <= (now or datetime.now(UTC)))
        query = (
            select(t.outbox).where(and_(t.outbox.c.status == PENDING, due)).order_by(t.outbox.c.event_id).limit(limit)
        )
        if self._db.dialect.name == "postgresql":
            # Several relays may run; each takes rows no other relay is delivering right now. Consumers load the
            # current state rather than trusting payloads, so they do not depend on strict order.
            query = query.with_for_update(skip_locked=True)
        return [
            OutboxEntry(r.event_id, r.name, r.key, r.payload, as_utc(r.created_at), r.attempts)
            for r in self._db.execute(query)
        ]

    def mark_delivered(self, event_ids: Sequence[int], now: datetime) -> None:
        if event_ids:
            self._db.execute(
                update(t.outbox)
                .where(t.outbox.c.event_id.in_(event_ids))
                .values(status=DELIVERED, delivered_at=now, attempts=t.outbox.c.attempts + 1)
            )

    def mark_failed(self, event_id: int, error: str, retry_at: datetime | None = None, park: bool = False) -> None:
        self._db.execute(
            update(t.outbox)
            .where(t.outbox.c.event_id == event_id)
            .values(
                attempts=t.outbox.c.attempts + 1,
                last_error=error[:2000],
                status=PARKED if park else PENDING,
                next_attempt_at=retry_at,
            )
        )

    def keys_since(self, since: datetime) -> list[int]:
        return list(self._db.execute(select(t.outbox.c.key).where(t.outbox.c.created_at >= since).distinct()).scalars())

    def pending_count(self) -> int:
        return self._db.execute(
            select(func.count()).select_from(t.outbox).where(t.outbox.c.status == PENDING)
        ).scalar_one()

