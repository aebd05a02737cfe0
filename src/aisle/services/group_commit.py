"""Group commit for reservations: the reservations of concurrent callers, for any variants, are applied by one
writer at a time per process, a batch of them in one transaction with one commit; each caller still gets its own
yes or no, and hears it only after the commit.

The writer is one of the callers (leader and followers, as in database group commit): a caller that finds no
batch being written writes its own at once, in its own thread, so a lone caller pays no hand-off; callers that
arrive meanwhile queue up, and when a batch is done the first of them is woken to write the next one, all of them
together.

Each line is still one single-row conditional write (``available >= quantity``), so a batch can never oversell and
two processes' writers never need to retry each other; a request refused (short of stock, unknown variant) is
that caller's answer and the rest of the batch goes on. What a batch saves is per-transaction work: one BEGIN and
one COMMIT (and on SQLite one turn of the database's single write lock) for up to ``max_batch`` callers, one query
for all their variants, two inserts for all their reservations and one stock event per product. Single lines of
different variants are also taken in one statement, and a rush on one variant in one write of its sum.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aisle.domain.errors import Conflict, DomainError, NotFound
from aisle.domain.inventory import Operation, Reservation, ReservationLine, ReservationStatus, check_quantity
from aisle.services.inventory import (
    MAX_ATTEMPTS,
    STOCK_TOO_BUSY,
    ReserveLine,
    Taken,
    announce_stock_change,
    require_on_sale,
    take_line,
)
from aisle.services.inventory_results import RESERVATION
from aisle.services.ports import IdempotencyKey, UnitOfWork, UnitOfWorkFactory, VersionConflict
from aisle.services.retry import retry_on_conflict

log = logging.getLogger(__name__)
MAX_BATCH = 500
WAIT_SECONDS = 30.0
QUEUE_TOO_LONG = "the reservation queue is too long right now; try again"


@dataclass
class _Request:
    lines: tuple[ReserveLine, ...]
    owner: str
    key: IdempotencyKey | None
    ttl: timedelta
    name_lines: bool  # errors name "lines[i].quantity" (a basket) rather than "quantity" (one variant)
    wake: threading.Event = field(default_factory=threading.Event)  # answered, or promoted to write the next batch
    answer: Reservation | None = None
    error: Exception | None = None
    answered: bool = False
    promoted: bool = False
    abandoned: bool = False  # the caller stopped waiting: a late yes must be given back, not kept


@dataclass
class _Batch:
    """What one transaction over a batch has made so far (thrown away when the batch is retried)."""

    products: dict[int, tuple[int, str]]  # variant id -> (product id, product status), read once for the batch
    reservations: list[Reservation] = field(default_factory=list)
    changed_products: set[int] = field(default_factory=set)
    emptied_products: set[int] = field(default_factory=set)  # a stock row of theirs has nothing left available
    outcomes: list[tuple[_Request, Reservation | None, Exception | None]] = field(default_factory=list)


class GroupCommitter:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        ttl_seconds: float = 900,
        release: Callable[[int], Any] = lambda _reservation_id: None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        """``release`` gives back a reservation whose caller stopped waiting before its answer came."""
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now
        self._ttl = timedelta(seconds=ttl_seconds)
        self._release = release
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: deque[_Request] = deque()
        self._writing = False  # a caller is writing a batch right now
        self._in_batch = 0  # callers taken into the batch being written
        self.batches = 0  # committed batches, for the benchmark and metrics
        self.batch_retries = 0

    @property
    def queued(self) -> int:
        """Callers waiting for a batch to be written (a metric, and how tests see a queue form)."""
        with self._lock:
            return len(self._queue)

    @property
    def unanswered(self) -> int:
        """Callers waiting for their answer: queued, or in the batch being written."""
        with self._lock:
            return len(self._queue) + self._in_batch

    def reserve(
        self,
        lines: Sequence[ReserveLine],
        owner: str,
        key: IdempotencyKey | None = None,
        ttl_seconds: float | None = None,
        name_lines: bool = True,
    ) -> Reservation:
        for index, line in enumerate(lines):
            check_quantity(line.quantity, Operation.RESERVE, f"lines[{index}].quantity" if name_lines else "quantity")
        ttl = self._ttl if ttl_seconds is None else timedelta(seconds=ttl_seconds)
        request = _Request(tuple(lines), owner, key, ttl, name_lines)
        with self._lock:
            self._queue.append(request)
            lead, self._writing = not self._writing, True
        if lead:
            self._write_next_batch()
        self._wait(request)
        if request.error is not None:
            raise request.error
        assert request.answer is not None
        return request.answer

    def _wait(self, request: _Request) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            woke = request.wake.wait(max(0.0, deadline - time.monotonic()))
            with self._lock:
                if request.answered:
                    return
                request.wake.clear()
                if not woke and not request.promoted:
                    request.abandoned = True  # answers are set under this lock: the writer will see it
                    raise Conflict(QUEUE_TOO_LONG)
                lead, request.promoted = request.promoted, False
            if lead:
                self._write_next_batch()  # this caller is at the head of the queue: its batch answers it too

    def _write_next_batch(self) -> None:
        """Writes what has queued up (at most ``max_batch``), then hands the writing on to the first caller still
        queued; one that gave up waiting cannot take it, so this caller writes that batch too."""
        while True:
            try:
                self._apply_with_retries([])
            finally:
                with self._lock:
                    self._in_batch = 0
                    successor = self._queue[0] if self._queue else None
                    if successor is None:
                        self._writing = False
                    elif not successor.abandoned:
                        successor.promoted = True
                        successor.wake.set()
            if successor is None or not successor.abandoned:
                return

    def _apply_with_retries(self, requests: list[_Request]) -> None:
        """``requests`` starts empty: the first attempt fills it (see ``_apply``) and a retry applies the same."""

        def attempt() -> _Batch:
            try:
                return self._apply(requests)
            except VersionConflict:
                self.batch_retries += 1
                raise

        try:
            # A lost race with another process (a deadlock PostgreSQL broke, SQLite's lock held too long) or a
            # dropped connection rolled the whole batch back: it is applied again, on fresh reads.
            done = retry_on_conflict(attempt, MAX_ATTEMPTS, STOCK_TOO_BUSY)
        except Exception as error:
            requests = requests or self._take_batch()  # no transaction could begin: those waiting hear why
            if not isinstance(error, DomainError):
                log.exception("a batch of %d reservations failed", len(requests))
            _answer([(request, None, error) for request in requests], self._lock, self._give_back)
            return
        self.batches += 1
        _answer(done.outcomes, self._lock, self._give_back)

    def _take_batch(self) -> list[_Request]:
        with self._lock:
            self._in_batch = min(len(self._queue), self._max_batch)
            return [self._queue.popleft() for _ in range(self._in_batch)]

    def _apply(self, requests: list[_Request]) -> _Batch:
        with self._uow() as uow:
            # The batch is taken only now that the transaction has begun: on SQLite that waited for the database's
            # write lock, which another process may have held, and callers who queued meanwhile ride along.
            if not requests:
                requests.extend(self._take_batch())
            variant_ids = {line.variant_id for request in requests for line in request.lines}
            batch = _Batch(uow.inventory.reservable(sorted(variant_ids)))
            together = _take_together(uow, batch, requests) or _take_each_alone(uow, batch, requests)
            # One lock order for every batch (by variant; arrival order within one), so that two processes'
            # batches on PostgreSQL do not deadlock each other.
            for request in sorted(requests, key=_first_line):
                batch.outcomes.append((request, *self._one(uow, batch, request, together.get(id(request)))))
            if batch.reservations:  # a sold-out batch writes nothing and announces nothing
                uow.inventory.add_reservations(batch.reservations)
                announce_stock_change(uow, batch.changed_products, search_changed=batch.emptied_products)
                uow.commit()
        return batch

    def _one(
        self, uow: UnitOfWork, batch: _Batch, request: _Request, taken_together: Taken | None
    ) -> tuple[Reservation | None, Exception | None]:
        try:
            if request.key is not None and (earlier := uow.inventory.remembered(request.key)) is not None:
                return RESERVATION.replay(earlier, uow), None
            products = {_product_of(batch, line.variant_id) for line in request.lines}
            # A basket short on its second line gives its first one back; one line writes nothing when refused.
            with uow.inventory.savepoint() if len(request.lines) > 1 else nullcontext():
                taken = (taken_together,) if taken_together else _take_lines(uow, request)
        except DomainError as refused:  # this caller's answer; the rest of the batch goes on
            return None, refused
        now = self._now()
        reserved = tuple(t.line for t in taken)
        reservation = Reservation(
            self._new_id(), request.owner, reserved, ReservationStatus.ACTIVE, now, now + request.ttl
        )
        if request.key is not None:
            uow.inventory.remember(request.key, RESERVATION.dump(reservation), now)
        batch.reservations.append(reservation)
        batch.changed_products.update(products)
        batch.emptied_products.update(_product_of(batch, t.line.variant_id) for t in taken if t.emptied_row)
        return reservation, None

    def _give_back(self, reservation_id: int) -> None:
        with suppress(Conflict):
            self._release(reservation_id)


def _take_together(uow: UnitOfWork, batch: _Batch, requests: list[_Request]) -> dict[int, Taken]:
    """A batch that is all one line of one variant (a rush on a hot SKU) takes the sum of its quantities in one
    conditional write, where line by line would write the same row once per caller; what each caller took, by
    id of its request. Nothing (and each line is taken on its own) when the sum does not fit in one warehouse, or
    the batch is anything else: baskets, several variants, idempotency keys that may be replays."""
    lines = [line for request in requests if (line := _lone_line(request)) is not None]
    if len(lines) < 2 or len(lines) < len(requests) or len({(li.variant_id, li.warehouse_id) for li in lines}) > 1:
        return {}
    variant_id, warehouse_id = lines[0].variant_id, lines[0].warehouse_id
    if not _reservable(batch, variant_id):
        return {}
    level = uow.inventory.take(variant_id, warehouse_id, sum(line.quantity for line in lines))
    if level is None:
        return {}
    return {
        id(request): Taken(ReservationLine(variant_id, level.warehouse_id, line.quantity), level.available == 0)
        for request, line in zip(requests, lines, strict=True)
    }


def _take_each_alone(uow: UnitOfWork, batch: _Batch, requests: list[_Request]) -> dict[int, Taken]:
    """Callers who each reserve one line of a variant no one else in the batch asks for (shoppers buying different
    things) take theirs in one write, where line by line would be one statement each; what each took, by id of its
    request. The others (baskets, a variant asked twice, a named warehouse, an idempotency key, a line short of
    stock) are taken line by line, as before."""
    asked = Counter(line.variant_id for request in requests for line in request.lines)
    alone = {
        id(request): line
        for request in requests
        if (line := _lone_line(request)) is not None
        and line.warehouse_id is None
        and asked[line.variant_id] == 1
        and _reservable(batch, line.variant_id)
    }
    if len(alone) < 2:
        return {}
    levels = uow.inventory.take_each([(line.variant_id, line.quantity) for line in alone.values()])
    return {
        request_id: Taken(ReservationLine(line.variant_id, level.warehouse_id, line.quantity), level.available == 0)
        for request_id, line in alone.items()
        if (level := levels.get(line.variant_id)) is not None
    }


def _lone_line(request: _Request) -> ReserveLine | None:
    """The request's line when it has one line and no idempotency key (a keyed request may be a replay, answered
    from what was remembered rather than taken again)."""
    return request.lines[0] if len(request.lines) == 1 and request.key is None else None


def _reservable(batch: _Batch, variant_id: int) -> bool:
    try:
        _product_of(batch, variant_id)
    except DomainError:
        return False
    return True


def _first_line(request: _Request) -> tuple[int, str]:
    return min((line.variant_id, line.warehouse_id or "") for line in request.lines)


def _product_of(batch: _Batch, variant_id: int) -> int:
    found = batch.products.get(variant_id)
    if found is None:
        raise NotFound("variant", variant_id)
    require_on_sale(variant_id, found[1])
    return found[0]


def _take_lines(uow: UnitOfWork, request: _Request) -> tuple[Taken, ...]:
    lines = request.lines
    order = sorted(range(len(lines)), key=lambda i: (lines[i].variant_id, lines[i].warehouse_id or ""))
    taken = {i: take_line(uow, lines[i], f"lines[{i}]" if request.name_lines else "") for i in order}
    return tuple(part for i in range(len(lines)) for part in taken[i])


def _answer(
    outcomes: list[tuple[_Request, Reservation | None, Exception | None]],
    lock: threading.Lock,
    give_back: Callable[[int], None],
) -> None:
    """Only after the commit does anyone hear yes; a yes nobody waits for any more is given back."""
    given_up = []
    with lock:
        for request, answer, error in outcomes:
            request.answer, request.error = answer, error
            request.answered = True
            if request.abandoned and answer is not None:
                given_up.append(answer.reservation_id)
            request.wake.set()
    for reservation_id in given_up:
        give_back(reservation_id)
