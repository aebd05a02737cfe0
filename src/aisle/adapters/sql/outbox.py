"""The transactional outbox: events are rows written in the same transaction as the change they describe."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, update

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.bulk import BulkInsert
from aisle.adapters.sql.timestamps import as_utc
from aisle.adapters.tracing import current_traceparent
from aisle.domain.events import Event
from aisle.services.ports import OutboxEntry

PENDING = "PENDING"
DELIVERED = "DELIVERED"
PARKED = "PARKED"  # failed too often: kept for a person to look at, no longer blocking the events after it
IDS_PER_STATEMENT = 10_000
_INSERT = BulkInsert(t.outbox, ["event_id", "name", "key", "payload", "status", "attempts", "created_at",
                               "next_attempt_at", "traceparent"])  # fmt: skip


class SqlOutbox:
    def __init__(self, connection: Connection, new_id: Callable[[], int]) -> None:
        self._db = connection
        self._new_id = new_id
        self._held_until: datetime | None = None
        self.added_ids: list[int] = []  # the events this unit of work recorded, in order

    def hold_new_events(self, until: datetime) -> None:
        """Events added from now on are not due for the relay before ``until``: a bulk import that indexes its own
        batches marks them delivered once indexed, and the relay delivers them only if that never happens."""
        self._held_until = until

    def add(self, events: Iterable[Event], now: datetime) -> list[OutboxEntry]:
        traceparent = current_traceparent()  # the consumers continue this request's trace
        rows: list[dict[str, Any]] = [
            {
                "event_id": self._new_id(),
                "name": e.name,
                "key": e.key,
                "payload": e.payload,
                "status": PENDING,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": self._held_until,
                "traceparent": traceparent,
            }
            for e in events
        ]
        if rows:
            _INSERT.run(self._db, rows)
            self.added_ids.extend(row["event_id"] for row in rows)
        return [OutboxEntry(r["event_id"], r["name"], r["key"], r["payload"], now, 0, traceparent) for r in rows]

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
            OutboxEntry(r.event_id, r.name, r.key, r.payload, as_utc(r.created_at), r.attempts, r.traceparent)
            for r in self._db.execute(query)
        ]

    def held_after(self, event_id: int, now: datetime, limit: int) -> list[OutboxEntry]:
        rows = t.outbox.c
        query = (
            select(t.outbox)
            .where(and_(rows.status == PENDING, rows.next_attempt_at > now, rows.event_id > event_id))
            .order_by(rows.event_id)
            .limit(limit)
        )
        return [
            OutboxEntry(r.event_id, r.name, r.key, r.payload, as_utc(r.created_at), r.attempts, r.traceparent)
            for r in self._db.execute(query)
        ]

    def mark_delivered(self, event_ids: Sequence[int], now: datetime) -> None:
        # in slices: an import marks a minute of events at once, and PostgreSQL takes at most 65,535 parameters
        for start in range(0, len(event_ids), IDS_PER_STATEMENT):
            self._db.execute(
                update(t.outbox)
                .where(t.outbox.c.event_id.in_(event_ids[start : start + IDS_PER_STATEMENT]))
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

    def release_held(self, event_ids: Sequence[int]) -> None:
        """Makes held events due at once."""
        for start in range(0, len(event_ids), IDS_PER_STATEMENT):
            chosen = t.outbox.c.event_id.in_(event_ids[start : start + IDS_PER_STATEMENT])
            self._db.execute(
                update(t.outbox).where(and_(chosen, t.outbox.c.status == PENDING)).values(next_attempt_at=None)
            )

    def last_event_id(self) -> int:
        return self._db.execute(select(func.max(t.outbox.c.event_id))).scalar_one_or_none() or 0

    def recorded_after(self, event_id: int, limit: int) -> list[OutboxEntry]:
        """Events with a larger id, delivered or not, oldest first."""
        query = select(t.outbox).where(t.outbox.c.event_id > event_id).order_by(t.outbox.c.event_id).limit(limit)
        return [
            OutboxEntry(r.event_id, r.name, r.key, r.payload, as_utc(r.created_at), r.attempts, r.traceparent)
            for r in self._db.execute(query)
        ]

    def oldest_pending_at(self, now: datetime | None = None) -> datetime | None:
        """When the oldest event not yet delivered was recorded (event ids grow with time); with ``now``, of those
        not held by an import (never tried and due later)."""
        c = t.outbox.c
        waiting = c.status == PENDING
        if now is not None:
            waiting = and_(waiting, or_(c.attempts > 0, c.next_attempt_at.is_(None), c.next_attempt_at <= now))
        query = select(c.created_at).where(waiting).order_by(c.event_id)
        found = self._db.execute(query.limit(1)).scalar_one_or_none()
        return None if found is None else as_utc(found)

    def prune_delivered(self, before: datetime, limit: int) -> int:
        """Deletes up to ``limit`` delivered events recorded before ``before``, oldest first; returns how many."""
        oldest = (
            select(t.outbox.c.event_id)
            .where(and_(t.outbox.c.status == DELIVERED, t.outbox.c.created_at < before))
            .order_by(t.outbox.c.event_id)
            .limit(limit)
        )
        return self._db.execute(delete(t.outbox).where(t.outbox.c.event_id.in_(oldest))).rowcount

    def pending_count(self) -> int:
        return self._count(PENDING)

    def parked_count(self) -> int:
        return self._count(PARKED)

    def _count(self, status: str) -> int:
        return self._db.execute(
            select(func.count()).select_from(t.outbox).where(t.outbox.c.status == status)
        ).scalar_one()
