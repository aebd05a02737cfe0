"""Stock per variant per warehouse, and reservations that hold it for a while. Stock never goes below zero."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from aisle.domain.errors import Conflict, FieldError, InvalidInput

MAX_QUANTITY = 1_000_000
MAX_RESERVE_QUANTITY = 10_000
WAREHOUSE_ID_CHARACTERS = r"^[A-Za-z0-9._-]+$"  # the API's pattern too, which its error messages name in words
MAX_WAREHOUSE_ID_LENGTH = 64
WAREHOUSE_ID = re.compile(WAREHOUSE_ID_CHARACTERS)
PLENTY = 50  # from this many on, the page says "50+" rather than an exact count


class Operation(StrEnum):
    RESERVE = "RESERVE"
    RELEASE = "RELEASE"
    DEDUCT = "DEDUCT"
    RESTOCK = "RESTOCK"
    SET = "SET"


class ReservationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    RELEASED = "RELEASED"
    DEDUCTED = "DEDUCTED"
    EXPIRED = "EXPIRED"


class InsufficientStock(Conflict):
    def __init__(self, variant_id: int, wanted: int, available: int, field: str = "quantity") -> None:
        self.variant_id = variant_id
        self.wanted = wanted
        self.available = available
        super().__init__(f"variant {variant_id}: {wanted} wanted, {available} available", field=field)


@dataclass(frozen=True)
class Warehouse:
    warehouse_id: str
    name: str
    region: str


@dataclass(frozen=True)
class StockLevel:
    variant_id: int
    warehouse_id: str
    available: int
    reserved: int
    version: int

    def reserve(self, quantity: int) -> StockLevel:
        if quantity > self.available:
            raise InsufficientStock(self.variant_id, quantity, self.available)
        return self._next(available=self.available - quantity, reserved=self.reserved + quantity)

    def release(self, quantity: int) -> StockLevel:
        return self._next(available=self.available + quantity, reserved=self.reserved - self._held(quantity))

    def deduct(self, quantity: int) -> StockLevel:
        """Reserved stock leaves the building: it was sold."""
        return self._next(reserved=self.reserved - self._held(quantity))

    def restock(self, quantity: int) -> StockLevel:
        on_hand = self.available + self.reserved  # reserved units are on the shelf too: a count (SET) says so
        if on_hand + quantity > MAX_QUANTITY:
            held = f" ({self.reserved} of them reserved)" if self.reserved else ""
            reason = f"stock on hand may not exceed {MAX_QUANTITY}: {on_hand} already{held}"
            raise InvalidInput.single("quantity", reason)
        return self._next(available=self.available + quantity)

    def counted(self, on_hand: int) -> StockLevel:
        """A stock count: the units on the shelf, reserved ones among them (they stay until DEDUCT takes them),
        so what is left to sell is the rest. A count below what is reserved is refused: those reservations would
        be sold (deducted) from units that are not there; some must be released first."""
        if on_hand < self.reserved:
            raise Conflict(
                f"{self.reserved} units of variant {self.variant_id} are reserved at {self.warehouse_id}, more than "
                f"the {on_hand} counted: release reservations first (or count at least {self.reserved})",
                field="quantity",
            )
        return self._next(available=on_hand - self.reserved)

    def _held(self, quantity: int) -> int:
        if quantity > self.reserved:
            held = f"variant {self.variant_id} holds only {self.reserved} reserved at {self.warehouse_id}"
            raise Conflict(held, field="quantity")
        return quantity

    def _next(self, **changes: int) -> StockLevel:
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]  # ints only


def empty_level(variant_id: int, warehouse_id: str) -> StockLevel:
    return StockLevel(variant_id, warehouse_id, available=0, reserved=0, version=0)


@dataclass(frozen=True)
class ReservationLine:
    variant_id: int
    warehouse_id: str
    quantity: int


@dataclass(frozen=True)
class Reservation:
    reservation_id: int
    owner: str
    lines: tuple[ReservationLine, ...]
    status: ReservationStatus
    created_at: datetime
    expires_at: datetime

    def is_expired(self, now: datetime) -> bool:
        return self.status is ReservationStatus.ACTIVE and now >= self.expires_at


def split_over_warehouses(levels: Sequence[StockLevel], quantity: int) -> list[tuple[StockLevel, int]]:
    """Where to take ``quantity`` from, as (warehouse's level, how many): all from the warehouse with the most
    available stock when it holds that many (ties: the warehouse id, for a stable choice), else the fullest
    warehouses first, as few as hold it together; the stock shown as available is the stock a shopper can
    reserve. InsufficientStock when all of them together hold less."""
    fullest_first = sorted(
        (lvl for lvl in levels if lvl.available > 0), key=lambda lvl: (-lvl.available, lvl.warehouse_id)
    )
    held = sum(level.available for level in fullest_first)
    if held < quantity:
        raise InsufficientStock(levels[0].variant_id if levels else 0, quantity, held)
    parts, left = [], quantity
    for level in fullest_first:
        part = min(level.available, left)
        parts.append((level, part))
        left -= part
        if left == 0:
            break
    return parts


def check_quantity(quantity: object, operation: Operation, field: str = "quantity") -> int:
    lowest = 0 if operation is Operation.SET else 1
    highest = MAX_RESERVE_QUANTITY if operation is Operation.RESERVE else MAX_QUANTITY
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not lowest <= quantity <= highest:
        raise InvalidInput([FieldError(field, f"must be a whole number from {lowest} to {highest}")])
    return quantity


def check_warehouse_id(warehouse_id: str) -> str:
    if len(warehouse_id) > MAX_WAREHOUSE_ID_LENGTH or not WAREHOUSE_ID.match(warehouse_id):
        raise InvalidInput.single("warehouse_id", "must be 1-64 letters, digits, '.', '_' or '-'")
    if not any(character.isalnum() for character in warehouse_id):  # ".", "..": path segments, not names
        raise InvalidInput.single("warehouse_id", "must hold a letter or a digit")
    return warehouse_id


def same_warehouse_id(warehouse_id: str, warehouses: Sequence[Warehouse]) -> Warehouse | None:
    """A warehouse whose id differs from this one only in case: "WH-1" beside "wh-1" is one a person mistyped."""
    wanted = warehouse_id.casefold()
    return next((w for w in warehouses if w.warehouse_id.casefold() == wanted), None)


@dataclass(frozen=True)
class Availability:
    status: str  # IN_STOCK, LOW_STOCK, OUT_OF_STOCK
    quantity_hint: str | None


def availability(available: int, low_stock_threshold: int) -> Availability:
    if available <= 0:
        return Availability("OUT_OF_STOCK", None)
    if available <= low_stock_threshold:
        return Availability("LOW_STOCK", f"Only {available} left")
    return Availability("IN_STOCK", f"{PLENTY}+" if available >= PLENTY else str(available))
