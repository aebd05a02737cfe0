"""Queue-based reservation for hot SKUs: requests for one variant are funneled to one writer that applies them
in batches, one transaction per batch, each caller still getting its own yes or no.

Under a flash sale, per-request compare-and-set on one row collapses: every writer reads the same version, one
wins, the rest retry, and throughput falls as callers are added. A batch reads the row once, grants requests in
arrival order while stock lasts, and writes once, so one commit serves hundreds of shoppers.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aisle.domain.errors import Conflict, DomainError, InvalidInput
from aisle.domain.inventory import Operation, Reservation, ReservationStatus, check_quantity
from aisle.services.group_commit import GroupCommitter
from aisle.services.inventory import (
    MAX_ATTEMPTS,
    STOCK_TOO_BUSY,
    InventoryService,
    ReserveLine,
    StockPool,
    announce_stock_change,
    require_reservable,
    require_warehouse,
)
from aisle.services.inventory_results import RESERVATION
from aisle.services.ports import IdempotencyKey, UnitOfWork, UnitOfWorkFactory
from aisle.services.retry import retry_on_conflict

MAX_BATCH = 500
WAIT_SECONDS = 30.0


@dataclass
class _Request:
    line: ReserveLine
    owner: str
    key: IdempotencyKey | None
    done: threading.Event = field(default_factory=threading.Event)
    answer: Reservation | None = None
    error: Exception | None = None
    abandoned: bool = False  # the caller stopped waiting: a late yes must be given back, not kept


class HotSkuReserver:
    def __init__(
        self,
        inventory: InventoryService,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        mode: str = "auto",
        ttl_seconds: float = 900,
    ) -> None:
        """``mode``: "direct" (compare-and-set per request), "batched" (always queue single-line reservations),
        "auto" (queue a request when another one for the same variant is already in flight here), or "group"
        (every reservation, of any variants, goes to one writer that commits many callers' in one transaction)."""
        self._inventory = inventory
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now
        self._mode = mode
        self._ttl = timedelta(seconds=ttl_seconds)
        self._lock = threading.Lock()
        self._queues: dict[int, deque[_Request]] = {}
        self._in_flight: dict[int, int] = {}
        self._group = (
            GroupCommitter(uow_factory, new_id, now, ttl_seconds, release=inventory.release)
            if mode == "group"
            else None
        )
        self._batches = 0

    @property
    def batches(self) -> int:
        """Transactions that answered queued requests."""
        return self._batches + (self._group.batches if self._group is not None else 0)

    def reserve(
        self, lines: Sequence[ReserveLine], owner: str, key: IdempotencyKey | None = None, ttl: float | None = None
    ) -> Reservation:
        """Several lines, all or nothing (``InventoryService.reserve``), through the group writer in group mode."""
        if self._group is not None:
            if not lines:
                raise InvalidInput.single("lines", "a reservation needs at least one line")
            return self._group.reserve(lines, owner, key, ttl)
        return self._inventory.reserve(lines, owner, key, ttl)

    def reserve_one(self, line: ReserveLine, owner: str, key: IdempotencyKey | None = None) -> Reservation:
        check_quantity(line.quantity, Operation.RESERVE, "quantity")
        if self._group is not None:
            return self._group.reserve([line], owner, key, name_lines=False)
        if not self._should_queue(line.variant_id):
            return self._direct(line, owner, key)
        request = _Request(line, owner, key)
        self._enqueue(request)
        if not request.done.wait(WAIT_SECONDS):
            with self._lock:  # answers are set under this lock too: either we see one, or the writer sees this
                request.abandoned = request.answer is None and request.error is None
            if request.abandoned:
                raise Conflict("the reservation queue for this item is too long right now; try again")
        if request.error is not None:
            raise request.error
        assert request.answer is not None
        return request.answer

    def _should_queue(self, variant_id: int) -> bool:
        if self._mode == "batched":
            return True
        if self._mode == "direct":
            return False
        with self._lock:
            return self._in_flight.get(variant_id, 0) > 0 or variant_id in self._queues

    def _direct(self, line: ReserveLine, owner: str, key: IdempotencyKey | None) -> Reservation:
        with self._lock:
            self._in_flight[line.variant_id] = self._in_flight.get(line.variant_id, 0) + 1
        try:
            return self._inventory.reserve_one(line, owner, key)
        finally:
            with self._lock:
                self._in_flight[line.variant_id] -= 1
                if not self._in_flight[line.variant_id]:
                    del self._in_flight[line.variant_id]

    def _enqueue(self, request: _Request) -> None:
        variant_id = request.line.variant_id
        with self._lock:
            queue = self._queues.get(variant_id)
            start_writer = queue is None
            if queue is None:
                queue = self._queues[variant_id] = deque()
            queue.append(request)
        if start_writer:
            threading.Thread(target=self._drain, args=(variant_id,), name=f"hot-sku-{variant_id}", daemon=True).start()

    def _drain(self, variant_id: int) -> None:
        """The one writer for this variant: runs until its queue is empty, then goes away."""
        while True:
            with self._lock:
                queue = self._queues[variant_id]
                if not queue:
                    del self._queues[variant_id]
                    return
                batch = [queue.popleft() for _ in range(min(len(queue), MAX_BATCH))]
            self._apply_with_retries(batch)

    def _apply_with_retries(self, batch: list[_Request]) -> None:
        try:
            # A lost compare-and-set means another process changed the row: the batch is read and applied again.
            retry_on_conflict(lambda: self._apply(batch), MAX_ATTEMPTS, STOCK_TOO_BUSY)
            self._batches += 1
        except Exception as error:
            for request in batch:
                if request.answer is None and request.error is None:
                    request.error = error
        finally:
            for request in batch:
                request.done.set()

    def _apply(self, batch: list[_Request]) -> None:
        outcomes: list[tuple[_Request, Reservation | None, Exception | None]] = []
        with self._uow() as uow:
            pool = StockPool(uow, [batch[0].line.variant_id])
            product_id = require_reservable(uow, batch[0].line.variant_id)
            for request in batch:
                outcomes.append((request, *self._grant(uow, pool, request)))
            if pool.changed():  # a sold-out batch writes nothing and announces nothing
                pool.save(uow)
                announce_stock_change(uow, {product_id}, search_changed={product_id} if pool.emptied_a_row() else set())
                uow.commit()
        self._answer(outcomes)

    def _answer(self, outcomes: list[tuple[_Request, Reservation | None, Exception | None]]) -> None:
        """Only now, after the commit, does anyone hear yes; a yes nobody waits for any more is given back."""
        given_up = []
        with self._lock:
            for request, answer, error in outcomes:
                request.answer, request.error = answer, error
                if request.abandoned and answer is not None:
                    given_up.append(answer.reservation_id)
        for reservation_id in given_up:
            with suppress(Conflict):
                self._inventory.release(reservation_id)

    def _grant(
        self, uow: UnitOfWork, pool: StockPool, request: _Request
    ) -> tuple[Reservation | None, Exception | None]:
        try:
            if request.key is not None and (earlier := uow.inventory.remembered(request.key)) is not None:
                return RESERVATION.replay(earlier, uow), None
            if request.line.warehouse_id is not None:
                require_warehouse(uow, request.line.warehouse_id)
            lines = pool.take(request.line)
        except DomainError as refused:  # this request's own answer; the rest of the batch goes on
            return None, refused
        now = self._now()
        reservation = Reservation(self._new_id(), request.owner, lines, ReservationStatus.ACTIVE, now, now + self._ttl)
        uow.inventory.add_reservation(reservation)
        if request.key is not None:
            uow.inventory.remember(request.key, RESERVATION.dump(reservation), now)
        return reservation, None
