"""Inventory use cases: warehouses, stock adjustments, reservations (all-or-nothing), release, deduct, expiry.

Every stock write is a compare-and-set on the row's version, retried with jittered backoff when another writer got
there first; insufficient stock is never retried, it is an answer. Idempotency keys make a retried request return
the first answer without a second effect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from aisle.domain import events as ev
from aisle.domain.catalog import ProductStatus
from aisle.domain.errors import Conflict, InvalidInput, NotFound
from aisle.domain.inventory import (
    Availability,
    InsufficientStock,
    Operation,
    Reservation,
    ReservationLine,
    ReservationStatus,
    StockLevel,
    Warehouse,
    availability,
    check_quantity,
    check_warehouse_id,
    empty_level,
    same_warehouse_id,
    split_over_warehouses,
)
from aisle.services.inventory_results import LEVEL_CHANGED, RESERVATION, LevelChanged, Remembered, StockReport
from aisle.services.ports import IdempotencyKey, UnitOfWork, UnitOfWorkFactory, VersionConflict
from aisle.services.retry import retry_on_conflict

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 60
STOCK_TOO_BUSY = "the stock is changing too fast right now; try again"
APART_ATTEMPTS = 32  # reads of the warehouses' stock for a line taken from several, each raced by other writers
A = TypeVar("A")


@dataclass(frozen=True)
class ReserveLine:
    variant_id: int
    quantity: int
    warehouse_id: str | None = None  # None: the warehouse with the most stock


class InventoryService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        reservation_ttl_seconds: float = 900,
        low_stock_threshold: int = 5,
    ) -> None:
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now
        self._ttl = timedelta(seconds=reservation_ttl_seconds)
        self._low = low_stock_threshold
        self.conflicts = 0  # compare-and-set retries, for the benchmark and metrics

    # -- warehouses and reads -----------------------------------------------------------------------------------

    def create_warehouse(self, warehouse_id: str, name: str, region: str) -> Warehouse:
        warehouse = Warehouse(check_warehouse_id(warehouse_id), name.strip(), region.strip())
        with self._uow() as uow:
            if (twin := same_warehouse_id(warehouse_id, uow.inventory.warehouses())) is not None:
                raise Conflict(f"warehouse {twin.warehouse_id!r} already exists", field="warehouse_id")
            uow.inventory.add_warehouse(warehouse, self._now())
            uow.commit()
        return warehouse

    def warehouses(self) -> list[Warehouse]:
        with self._uow(readonly=True) as uow:
            return uow.inventory.warehouses()

    def variant_seller(self, variant_id: int) -> int | None:
        """The seller whose product the variant belongs to (None: no such variant)."""
        with self._uow(readonly=True) as uow:
            owner = uow.inventory.variant_owner(variant_id)
        return None if owner is None else owner[1]

    def stock(self, variant_id: int) -> StockReport:
        with self._uow(readonly=True) as uow:
            require_variant(uow, variant_id)
            levels = uow.inventory.levels([variant_id])[variant_id]
        return StockReport(variant_id, tuple(levels), self.availability_of(levels))

    def availability_of(self, levels: Sequence[StockLevel]) -> Availability:
        return availability(sum(level.available for level in levels), self._low)

    def reservation(self, reservation_id: int) -> Reservation:
        """As it stands now: past its expiry it is EXPIRED, as deducting it would say, though the sweep that
        returns its stock may not have run yet."""
        with self._uow(readonly=True) as uow:
            found = uow.inventory.reservation(reservation_id)
        if found is None:
            raise NotFound("reservation", reservation_id)
        return replace(found, status=ReservationStatus.EXPIRED) if found.is_expired(self._now()) else found

    def levels_for(self, variant_ids: Sequence[int]) -> dict[int, list[StockLevel]]:
        with self._uow(readonly=True) as uow:
            return uow.inventory.levels(variant_ids)

    def stock_catalog(self, warehouse: Warehouse, quantity_for: Callable[[int], int], page: int = 1000) -> int:
        """Gives every ACTIVE variant a starting count at ``warehouse`` (demo and benchmark set-up); returns how
        many variants were stocked. Variants that already have stock there are left alone."""
        with self._uow() as uow:
            if uow.inventory.warehouse(warehouse.warehouse_id) is None:
                uow.inventory.add_warehouse(warehouse, self._now())
                uow.commit()
        stocked, last_id = 0, 0
        while True:
            with self._uow() as uow:
                products = uow.products.active_after(last_id, page)
                if not products:
                    return stocked
                stocked += self._stock_page(uow, products, warehouse.warehouse_id, quantity_for)
                uow.commit()
            last_id = products[-1].product_id

    def _stock_page(
        self, uow: UnitOfWork, products: Sequence[Any], warehouse_id: str, quantity_for: Callable[[int], int]
    ) -> int:
        variant_ids = [v.variant_id for p in products for v in p.content.variants if v.variant_id]
        existing = uow.inventory.levels(variant_ids)
        fresh = [v for v in variant_ids if not any(lvl.warehouse_id == warehouse_id for lvl in existing[v])]
        for variant_id in fresh:
            level = empty_level(variant_id, warehouse_id).counted(quantity_for(variant_id))
            uow.inventory.save_level(level, expected_version=0)
        announce_stock_change(uow, {p.product_id for p in products})
        return len(fresh)

    # -- writes -------------------------------------------------------------------------------------------------

    def adjust(
        self, variant_id: int, operation: Operation, warehouse_id: str, quantity: int, key: IdempotencyKey | None = None
    ) -> LevelChanged:
        """RESTOCK adds to what a warehouse has to sell; SET states what it has on the shelf (a stock count, the
        reserved units among them)."""
        check_quantity(quantity, operation)

        def change(uow: UnitOfWork) -> LevelChanged:
            product_id = require_variant(uow, variant_id)
            require_warehouse(uow, warehouse_id)
            current = _level_at(uow, variant_id, warehouse_id)
            restock = operation is Operation.RESTOCK
            changed = current.restock(quantity) if restock else current.counted(quantity)
            uow.inventory.save_level(changed, current.version)
            announce_stock_change(uow, {product_id})
            return LevelChanged.of(operation, changed)

        return self._write(change, key, LEVEL_CHANGED)

    def reserve(
        self,
        lines: Sequence[ReserveLine],
        owner: str,
        key: IdempotencyKey | None = None,
        ttl_seconds: float | None = None,
    ) -> Reservation:
        """All lines or none: one line short of stock refuses the whole reservation."""
        if not lines:
            raise InvalidInput.single("lines", "a reservation needs at least one line")
        for index, line in enumerate(lines):
            check_quantity(line.quantity, Operation.RESERVE, f"lines[{index}].quantity")
        ttl = self._ttl if ttl_seconds is None else timedelta(seconds=ttl_seconds)
        return self._write(lambda uow: self._reserve_in(uow, lines, owner, ttl, name_lines=True), key, RESERVATION)

    def reserve_one(self, line: ReserveLine, owner: str, key: IdempotencyKey | None = None) -> Reservation:
        """One variant: errors name ``quantity`` rather than ``lines[0].quantity``."""
        check_quantity(line.quantity, Operation.RESERVE)
        reserve = partial(self._reserve_in, lines=[line], owner=owner, ttl=self._ttl, name_lines=False)
        return self._write(reserve, key, RESERVATION)

    def _reserve_in(
        self, uow: UnitOfWork, lines: Sequence[ReserveLine], owner: str, ttl: timedelta, name_lines: bool
    ) -> Reservation:
        product_of = require_reservable_all(uow, [line.variant_id for line in lines])
        taken = _take_all(uow, lines, name_lines)
        now = self._now()
        reserved = tuple(t.line for t in taken)
        reservation = Reservation(self._new_id(), owner, reserved, ReservationStatus.ACTIVE, now, now + ttl)
        uow.inventory.add_reservation(reservation)
        emptied = {product_of[t.line.variant_id] for t in taken if t.emptied_row}
        announce_stock_change(uow, set(product_of.values()), search_changed=emptied)
        return reservation

    def release(
        self, reservation_id: int, key: IdempotencyKey | None = None, variant_id: int | None = None
    ) -> Reservation:
        release = partial(self._finish, reservation_id=reservation_id, outcome=ReservationStatus.RELEASED)
        return self._write(partial(release, variant_id=variant_id), key, RESERVATION)

    def deduct(
        self, reservation_id: int, key: IdempotencyKey | None = None, variant_id: int | None = None
    ) -> Reservation:
        deduct = partial(self._finish, reservation_id=reservation_id, outcome=ReservationStatus.DEDUCTED)
        return self._write(partial(deduct, variant_id=variant_id), key, RESERVATION)

    def expire_due(self, limit: int = 500) -> int:
        """Releases reservations whose time is up; returns how many it released."""
        with self._uow(readonly=True) as uow:
            due = uow.inventory.expired(self._now(), limit)
        for reservation in due:
            expired = ReservationStatus.EXPIRED
            finish = partial(self._finish, reservation_id=reservation.reservation_id, outcome=expired)
            try:
                self._write(finish, None, RESERVATION)
            except Conflict:  # released or deducted meanwhile: nothing left to expire
                pass
            except Exception:  # one that cannot be expired must not keep the others from expiring
                log.exception("reservation %d could not be expired", reservation.reservation_id)
        return len(due)

    def _finish(
        self, uow: UnitOfWork, reservation_id: int, outcome: ReservationStatus, variant_id: int | None = None
    ) -> Reservation:
        reservation = uow.inventory.reservation(reservation_id)
        if reservation is None:
            raise NotFound("reservation", reservation_id)
        if variant_id is not None and variant_id not in {line.variant_id for line in reservation.lines}:
            raise InvalidInput.single("reservation_id", f"reservation {reservation_id} holds no variant {variant_id}")
        _require_active(reservation, outcome, self._now())
        if not uow.inventory.change_status(reservation_id, ReservationStatus.ACTIVE, outcome):
            raise VersionConflict(reservation_id)  # someone finished it a moment ago: re-read and answer that
        self._return_or_sell(uow, reservation, outcome)
        return replace(reservation, status=outcome)

    def _return_or_sell(self, uow: UnitOfWork, reservation: Reservation, outcome: ReservationStatus) -> None:
        now = self._now()
        product_ids, search_changed = set(), set()
        for line in sorted(reservation.lines, key=lambda ln: (ln.variant_id, ln.warehouse_id)):  # one lock order
            owner = uow.inventory.variant_owner(line.variant_id)
            if owner is None:  # removed from its product since it was reserved, with its stock: nothing to return
                if outcome is ReservationStatus.DEDUCTED:
                    raise Conflict(
                        f"variant {line.variant_id} was removed from its product after it was reserved, so it "
                        f"cannot be sold; release reservation {reservation.reservation_id} instead",
                        field="reservation_id",
                    )
                continue
            product_id = owner[0]
            product_ids.add(product_id)
            current = _level_at(uow, line.variant_id, line.warehouse_id)
            if outcome is ReservationStatus.DEDUCTED:
                uow.inventory.save_level(current.deduct(line.quantity), current.version)
                uow.inventory.record_sale(self._new_id(), product_id, line.variant_id, line.quantity, now)
                search_changed.add(product_id)  # a sale moves the sales velocity search ranks by
            else:
                uow.inventory.save_level(current.release(line.quantity), current.version)
                if current.available == 0:
                    search_changed.add(product_id)  # back in stock
        announce_stock_change(uow, product_ids, search_changed)

    def _write(self, change: Callable[[UnitOfWork], A], key: IdempotencyKey | None, remembered: Remembered[A]) -> A:
        """Runs ``change`` in a transaction, again after a lost compare-and-set, at most once per idempotency key."""

        def attempt() -> A:
            with self._uow() as uow:
                if key is not None and (earlier := uow.inventory.remembered(key)) is not None:
                    return remembered.replay(earlier, uow)
                answer = change(uow)
                if key is not None:
                    uow.inventory.remember(key, remembered.dump(answer), self._now())
                uow.commit()
                return answer

        return retry_on_conflict(attempt, MAX_ATTEMPTS, STOCK_TOO_BUSY, on_conflict=self._count_conflict)

    def _count_conflict(self) -> None:
        self.conflicts += 1


@dataclass(frozen=True)
class Taken:
    line: ReservationLine
    emptied_row: bool  # its stock row has nothing left available: the product may have sold out


def _take_all(uow: UnitOfWork, lines: Sequence[ReserveLine], name_lines: bool) -> list[Taken]:
    """One conditional write per line, in one lock order; a short line raises and the transaction undoes the rest.
    A line with no warehouse takes from the one with the most stock, chosen inside the write (or from several)."""
    order = sorted(range(len(lines)), key=lambda i: (lines[i].variant_id, lines[i].warehouse_id or ""))
    taken: dict[int, tuple[Taken, ...]] = {}
    for index in order:
        taken[index] = take_line(uow, lines[index], f"lines[{index}]" if name_lines else "")
    return [part for i in range(len(lines)) for part in taken[i]]


def take_line(uow: UnitOfWork, line: ReserveLine, where: str = "") -> tuple[Taken, ...]:
    """Reserves one line with one conditional write, or one per warehouse when no warehouse is named and none
    holds it all; raises InsufficientStock (or NotFound for an unknown warehouse) and writes nothing when it
    cannot."""
    level = uow.inventory.take(line.variant_id, line.warehouse_id, line.quantity)
    if level is not None:
        return (Taken(ReservationLine(line.variant_id, level.warehouse_id, line.quantity), level.available == 0),)
    if line.warehouse_id is not None:
        require_warehouse(uow, line.warehouse_id)
    # No one warehouse held it when the write chose, or the fullest was emptied between the choice and the write:
    # read again and take from the fullest, or from several; another writer may empty one before the takes.
    for _attempt in range(APART_ATTEMPTS):
        levels = uow.inventory.levels([line.variant_id])[line.variant_id]
        available = sum(lvl.available for lvl in levels if line.warehouse_id in (None, lvl.warehouse_id))
        if line.warehouse_id is not None or available < line.quantity:
            break
        if apart := _take_apart(uow, line, levels):
            return apart
    raise InsufficientStock(line.variant_id, line.quantity, available, _field(where))


def _take_apart(uow: UnitOfWork, line: ReserveLine, levels: Sequence[StockLevel]) -> tuple[Taken, ...]:
    """The line from the fullest of ``levels`` that holds it, else from several, fullest first, all or none (a
    savepoint undoes the parts taken when another writer emptied a warehouse meanwhile); none when they cannot."""
    try:
        parts = split_over_warehouses(levels, line.quantity)
    except InsufficientStock:
        return ()
    taken: list[Taken] = []
    with suppress(InsufficientStock), uow.inventory.savepoint():
        # written in one lock order (by warehouse id), whatever the fullest: two callers splitting at once never
        # wait for each other's rows the other way round (a deadlock on PostgreSQL)
        for level, quantity in sorted(parts, key=lambda part: part[0].warehouse_id):
            took = uow.inventory.take(line.variant_id, level.warehouse_id, quantity)
            if took is None:
                raise InsufficientStock(line.variant_id, line.quantity, 0)  # undoes the savepoint's takes
            taken.append(Taken(ReservationLine(line.variant_id, took.warehouse_id, quantity), took.available == 0))
        return tuple(taken)
    return ()


class StockPool:
    """The stock of some variants as read at the start of a transaction, taken from line by line, then saved with
    one compare-and-set per changed row against the versions it read."""

    def __init__(self, uow: UnitOfWork, variant_ids: Sequence[int]) -> None:
        read = uow.inventory.levels(sorted(set(variant_ids)))
        self._levels = {(lvl.variant_id, lvl.warehouse_id): lvl for levels in read.values() for lvl in levels}
        self._read_versions = {key: level.version for key, level in self._levels.items()}

    def take(self, line: ReserveLine, where: str = "") -> tuple[ReservationLine, ...]:
        """The line from its warehouse, or from the fullest (several, when none holds it all)."""
        if line.warehouse_id is not None:
            named = self._levels.get((line.variant_id, line.warehouse_id))
            choices = [named or empty_level(line.variant_id, line.warehouse_id)]
        else:
            choices = [lvl for (vid, _w), lvl in self._levels.items() if vid == line.variant_id]
        try:
            parts = split_over_warehouses(choices or [empty_level(line.variant_id, "-")], line.quantity)
        except InsufficientStock as short:
            raise InsufficientStock(line.variant_id, line.quantity, short.available, _field(where)) from None
        for level, quantity in parts:
            self._levels[(level.variant_id, level.warehouse_id)] = level.reserve(quantity)
        by_warehouse = sorted(parts, key=lambda part: part[0].warehouse_id)  # the lines as every path lists them
        return tuple(ReservationLine(line.variant_id, level.warehouse_id, quantity) for level, quantity in by_warehouse)

    def changed(self) -> bool:
        return any(level.version != self._read_versions[key] for key, level in self._levels.items())

    def emptied_a_row(self) -> bool:
        """Some row it took from has nothing left available (it had some when read: a take needs stock)."""
        return any(lvl.available == 0 and lvl.version != self._read_versions[k] for k, lvl in self._levels.items())

    def save(self, uow: UnitOfWork) -> None:
        for key, level in self._levels.items():
            if level.version != self._read_versions[key]:
                uow.inventory.save_level(level, self._read_versions[key])


def require_variant(uow: UnitOfWork, variant_id: int) -> int:
    owner = uow.inventory.variant_owner(variant_id)
    if owner is None:
        raise NotFound("variant", variant_id)
    return owner[0]


def require_reservable(uow: UnitOfWork, variant_id: int) -> int:
    """A variant of a product not on sale cannot be reserved (nobody can buy it); returns its product id."""
    return require_reservable_all(uow, [variant_id])[variant_id]


def require_reservable_all(uow: UnitOfWork, variant_ids: Sequence[int]) -> dict[int, int]:
    """Every variant exists and belongs to a product on sale (one query); variant id -> product id."""
    found = uow.inventory.reservable(variant_ids)
    for variant_id in variant_ids:
        if variant_id not in found:
            raise NotFound("variant", variant_id)
        require_on_sale(variant_id, found[variant_id][1])
    return {variant_id: product_id for variant_id, (product_id, _status) in found.items()}


def require_on_sale(variant_id: int, product_status: str) -> None:
    """Only an ACTIVE product's stock can be reserved: a deleted, draft or unlisted one cannot be bought (a quote
    refuses it too). A reservation made while it was on sale can still be deducted or released."""
    if product_status == ProductStatus.ACTIVE.value:
        return
    whose = "a deleted product" if product_status == ProductStatus.DELETED.value else "a product not on sale"
    raise Conflict(
        f"variant {variant_id} belongs to {whose} ({product_status}) and cannot be reserved", field="variant_id"
    )


def require_warehouse(uow: UnitOfWork, warehouse_id: str) -> None:
    if uow.inventory.warehouse(warehouse_id) is None:
        raise NotFound("warehouse", warehouse_id)


def _level_at(uow: UnitOfWork, variant_id: int, warehouse_id: str) -> StockLevel:
    for level in uow.inventory.levels([variant_id])[variant_id]:
        if level.warehouse_id == warehouse_id:
            return level
    return empty_level(variant_id, warehouse_id)


def _require_active(reservation: Reservation, outcome: ReservationStatus, now: datetime) -> None:
    if reservation.status is not ReservationStatus.ACTIVE:
        raise Conflict(
            f"reservation {reservation.reservation_id} is already {reservation.status.value}", field="reservation_id"
        )
    # expired as reading it says, though the sweep that returns its stock (and marks it EXPIRED) has not run yet
    if outcome is not ReservationStatus.EXPIRED and reservation.is_expired(now):
        expired = f"reservation {reservation.reservation_id} expired at {reservation.expires_at.isoformat()}"
        raise Conflict(expired, field="reservation_id")


def announce_stock_change(uow: UnitOfWork, product_ids: set[int], search_changed: set[int] | None = None) -> None:
    """One inventory.changed event per product. ``search_changed``: the products whose stock went to or from zero
    or that sold (by default all); the others' events say so, and the index builder skips them."""
    unchanged = set() if search_changed is None else product_ids - search_changed
    uow.record(
        ev.Event(ev.INVENTORY_CHANGED, pid, {ev.SEARCH_UNCHANGED: True} if pid in unchanged else {})
        for pid in sorted(product_ids)
    )


def _field(where: str) -> str:
    return f"{where}.quantity" if where else "quantity"
