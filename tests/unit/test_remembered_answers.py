"""Answers kept for idempotency keys read back as the type they were, including those an older release kept in the
API's JSON (ids as strings): a retry after an upgrade still gets its first answer, never a second effect."""

from __future__ import annotations

from datetime import UTC, datetime

from aisle.domain.inventory import Operation, Reservation, ReservationLine, ReservationStatus
from aisle.services.inventory_results import LEVEL_CHANGED, RESERVATION, LevelChanged

HELD = Reservation(
    9001, "cart-1", (ReservationLine(11, "east", 2),), ReservationStatus.ACTIVE,
    datetime(2026, 12, 1, 15, 0, 0, 123456, tzinfo=UTC), datetime(2026, 12, 1, 15, 15, tzinfo=UTC),
)  # fmt: skip


def test_a_reservation_reads_back_as_it_was():
    assert RESERVATION.load(RESERVATION.dump(HELD)) == HELD


def test_a_level_change_reads_back_as_it_was():
    changed = LevelChanged(Operation.RESTOCK, 11, "east", 7, 2, 4)
    assert LEVEL_CHANGED.load(LEVEL_CHANGED.dump(changed)) == changed


def test_answers_an_older_release_remembered_read_back():
    older_reservation = {
        "reservation_id": "9001",
        "owner": "cart-1",
        "status": "ACTIVE",
        "created_at": "2026-12-01T15:00:00.123456+00:00",
        "expires_at": "2026-12-01T15:15:00+00:00",
        "lines": [{"variant_id": "11", "warehouse_id": "east", "quantity": 2}],
    }
    older_level = {
        "operation": "RESTOCK",
        "variant_id": "11",
        "warehouse_id": "east",
        "available": 7,
        "reserved": 2,
        "version": 4,
    }
    assert RESERVATION.load(older_reservation) == HELD
    assert LEVEL_CHANGED.load(older_level) == LevelChanged(Operation.RESTOCK, 11, "east", 7, 2, 4)
