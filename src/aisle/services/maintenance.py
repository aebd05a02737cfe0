"""Housekeeping: what the database keeps only for a while, and whether the search index has caught up."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aisle.services.ports import Positions, UnitOfWorkFactory
from aisle.services.search.engine import SearchEngine
from aisle.services.search.index_rebuild import lost_index

log = logging.getLogger(__name__)

PRUNE_BATCH = 5_000
MISSING_SHARE = 0.01  # products the index may lack while changes wait, as a share of the catalog: new ones


class Pruner:
    """Deletes delivered outbox events, remembered idempotency keys and finished bulk jobs older than the
    retention, a batch per step so that no transaction holds SQLite's write lock for long."""

    def __init__(self, uow_factory: UnitOfWorkFactory, now: Callable[[], datetime], retention: timedelta) -> None:
        self._uow = uow_factory
        self._now = now
        self._retention = retention

    def prune_once(self) -> int:
        """One step; returns how many outbox rows went (more may remain when it equals the batch size)."""
        cutoff = self._now() - self._retention
        with self._uow() as uow:
            events = uow.outbox.prune_delivered(cutoff, PRUNE_BATCH)
            if events < PRUNE_BATCH:
                uow.inventory.forget_idempotency_keys(cutoff)
                uow.jobs.prune_finished(cutoff)
            uow.commit()
        return events if events == PRUNE_BATCH else 0


@dataclass(frozen=True)
class IndexProgress:
    caught_up: bool
    indexed: int = 0  # documents in the search index
    total: int = 0  # ACTIVE products in the catalog
    events_waiting: int = 0  # changes not yet indexed: updates too, which leave the counts as they were
    behind_seconds: float = 0.0  # how long the oldest of them has waited (0: none older than the lag allowed)


@dataclass(frozen=True)
class Backlog:
    """Events relayed to the stream that the index builder has not taken yet (distributed)."""

    events: int = 0
    since: datetime | None = None  # when the oldest of them was seen in the stream, to within a reading
    unreadable: bool = False  # the stream could not be read (its brokers down): nothing can reach the index


STALE_READING_WAIT_SECONDS = 0.5


class BacklogWatch:
    """How many events wait for a consumer group and since when, read from the stream at most ``every``, in the
    background (``start`` runs a reading: in a thread), so that a probe does not wait on a broker: it gets the last
    reading. Only when that reading is older than two intervals (the first probe after a quiet spell) does it wait
    for the new one, for at most STALE_READING_WAIT_SECONDS: it would report events long since indexed.

    Each reading keeps where the stream ended then; the oldest reading whose ends the group has not committed past
    dates the oldest event waiting (late by up to a reading's interval, never early). A stream that cannot be read
    counts as no backlog: a broker down is the relay's to report, and every API process answering 503 for it would
    take the fleet out of its balancer."""

    def __init__(
        self,
        read: Callable[[], Positions],
        now: Callable[[], datetime],
        every: timedelta,
        start: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self._read = read
        self._now = now
        self._every = every
        self._start = start or _in_a_thread
        self._lock = threading.Lock()
        self._read_done = threading.Condition(self._lock)
        self._readings: deque[tuple[datetime, Positions]] = deque()
        self._last = Backlog()
        self._last_at: datetime | None = None  # when the last reading was asked for
        self._read_at: datetime | None = None
        self._reading = False
        self._unreadable = False

    def backlog(self) -> Backlog:
        now = self._now()
        with self._lock:
            due = not self._reading and (self._read_at is None or now - self._read_at >= self._every)
            if due:
                self._reading, self._read_at = True, now
        if due:
            self._start(lambda: self._take_reading(now))
        with self._lock:
            if self._last_at is not None and now - self._last_at > 2 * self._every:
                self._read_done.wait_for(lambda: self._last_at == now, timeout=STALE_READING_WAIT_SECONDS)
            return self._last

    def _take_reading(self, now: datetime) -> None:
        try:
            positions = self._read()
            unreadable = False
        except Exception as error:
            if not self._unreadable:  # once an outage, not at every probe
                log.warning("could not read the index builder's backlog (taken as none): %s", error)
            positions, unreadable = {}, True
        with self._lock:
            self._unreadable, self._reading = unreadable, False
            if unreadable:
                self._readings.clear()
            self._readings.append((now, positions))
            while self._readings and _all_committed(self._readings[0][1], positions):
                self._readings.popleft()
            waiting = sum(max(0, end - committed) for committed, end in positions.values())
            since = self._readings[0][0] if self._readings and waiting else None
            self._last, self._last_at = Backlog(waiting, since, unreadable), now
            self._read_done.notify_all()


def _in_a_thread(reading: Callable[[], None]) -> None:
    threading.Thread(target=reading, name="index-backlog", daemon=True).start()


def _all_committed(then: Positions, now: Positions) -> bool:
    """Whether the group has committed, in every partition, past where the stream ended ``then``."""
    return all(now.get(partition, (end, end))[0] >= end for partition, (_committed, end) in then.items())


def index_progress(
    uow_factory: UnitOfWorkFactory,
    engine: SearchEngine,
    now: datetime,
    max_lag: timedelta,
    relayed: Backlog = Backlog(),
    lost: Callable[[], int] | None = None,
) -> IndexProgress:
    """Caught up unless the index is missing products: it holds fewer documents than the catalog has ACTIVE
    products (by more than ``MISSING_SHARE``) while an event older than ``max_lag`` waits to be indexed (an import
    not indexed as it went), or it is lost (``lost_index``: empty while the catalog is not and no event is on its
    way to fill it; services/search/index_rebuild.py rebuilds it; ``lost``: the process's own watch of that, which
    also takes an index of a few products for lost). ``relayed``: the events that left the outbox for the stream
    and wait there for the index builder, which count as waiting too. A new store's first
    products, written a moment ago, are writes in flight. An index that holds the products while updates wait (a
    stopped relay, a broker down) is caught up and says how far behind it is: every API process answering 503 for
    it would take the whole fleet out of its balancer, though searches go on with the catalog a little out of
    date. So is an index missing the products created while the stream cannot be read (``relayed.unreadable``)."""
    with uow_factory(readonly=True) as uow:
        # An import's held events are being indexed by the import; if it died, the relay takes them once due
        # (HOLD_EVENTS): every process answering 503 meanwhile would take the whole fleet out of its balancer.
        oldest = uow.outbox.oldest_pending_at(now)
    if relayed.since is not None:
        oldest = relayed.since if oldest is None else min(oldest, relayed.since)
    if oldest is None or now - oldest <= max_lag:
        if relayed.events:  # on their way to the index, a moment ago: writes in flight, not a lost index
            return IndexProgress(caught_up=True)
        try:
            missing = lost() if lost is not None else lost_index(uow_factory, engine)
        except Exception:  # an unreachable engine is the circuit breaker's business: searches use the database
            return IndexProgress(caught_up=True)
        if not missing:
            return IndexProgress(caught_up=True)
        return IndexProgress(caught_up=False, indexed=_count_or_none(engine) or 0, total=missing)
    with uow_factory(readonly=True) as uow:
        total, waiting = uow.products.count_active(), uow.outbox.pending_count() + relayed.events
    indexed = _count_or_none(engine)
    behind = (now - oldest).total_seconds()
    # An unreachable engine: searches use the database. An unreachable stream: nothing reaches the index until its
    # brokers are back, and every process answering 503 meanwhile would stop searches that still work.
    caught_up = indexed is None or relayed.unreadable or total - indexed <= total * MISSING_SHARE
    return IndexProgress(caught_up, indexed or 0, total, waiting, behind)


def _count_or_none(engine: SearchEngine) -> int | None:
    try:
        return engine.count()
    except Exception:  # an unreachable engine is the circuit breaker's business, not readiness's
        return None
