"""Housekeeping: what the database keeps only for a while, and whether the search index has caught up."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aisle.services.ports import BusUnavailable, GroupBacklog, UnitOfWorkFactory
from aisle.services.search.engine import SearchEngine
from aisle.services.search.index_rebuild import lost_index

PRUNE_BATCH = 5_000
MISSING_SHARE = 0.01  # products the index may lack while changes wait, as a share of the catalog: new ones
BACKLOG_READ_SECONDS = 2.0
log = logging.getLogger(__name__)


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


class StalledBacklog:
    """Distributed, the events the outbox delivered still wait in the stream until the index builders commit them:
    how many, and for how long the builders' group has not moved while some wait (0 while it works through them,
    however many there are; a stopped or failing index builder stands still). Read from the brokers at most every
    ``every_seconds``; a stream that cannot be asked reads as nothing waiting (the relay's own backlog says it)."""

    def __init__(
        self,
        read: Callable[[], GroupBacklog],
        every_seconds: float = BACKLOG_READ_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._every = every_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._last = GroupBacklog(0, 0)
        self._readable = True
        self._still_since: float | None = None  # when the group was last seen moving, or with nothing waiting

    def __call__(self) -> tuple[int, float]:
        """Events waiting, and seconds the group has stood still with events waiting."""
        with self._lock:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= self._every:
                self._read_at = now
                self._readable = self._update(now)
            if not self._readable or not self._last.waiting or self._still_since is None:
                return 0, 0.0
            return self._last.waiting, now - self._still_since

    def _update(self, now: float) -> bool:
        try:
            backlog = self._read()
        except BusUnavailable as error:
            log.debug("the index builders' backlog cannot be read: %s", error)
            return False
        if self._still_since is None or backlog.position != self._last.position or not backlog.waiting:
            self._still_since = now
        self._last = backlog
        return True


def index_progress(
    uow_factory: UnitOfWorkFactory,
    engine: SearchEngine,
    now: datetime,
    max_lag: timedelta,
    stream_backlog: Callable[[], tuple[int, float]] | None = None,
) -> IndexProgress:
    """Caught up unless the index is missing products: it holds fewer documents than the catalog has ACTIVE
    products (by more than ``MISSING_SHARE``) while an event older than ``max_lag`` waits to be indexed (an import
    not indexed as it went), or it is lost (``lost_index``: empty while the catalog is not and no event is on its
    way to fill it; services/search/index_rebuild.py rebuilds it). Distributed, ``stream_backlog`` (a
    StalledBacklog) also counts the events delivered to the stream while the index builders' group has stood still
    longer than ``max_lag`` (every index builder stopped or failing). A new store's first products, written a moment
    ago, are writes in flight. An index that holds the products while updates wait (a stopped relay, a broker
    down) is caught up and says how far behind it is: every API process answering 503 for it would take the whole
    fleet out of its balancer, though searches go on with the catalog a little out of date."""
    with uow_factory(readonly=True) as uow:
        # An import's held events are being indexed by the import; if it died, the relay takes them once due
        # (HOLD_EVENTS): every process answering 503 meanwhile would take the whole fleet out of its balancer.
        oldest = uow.outbox.oldest_pending_at(now)
    in_stream, stalled = stream_backlog() if stream_backlog is not None else (0, 0.0)
    stream_behind = stalled > max_lag.total_seconds()
    outbox_behind = oldest is not None and now - oldest > max_lag
    if not outbox_behind and not stream_behind:
        try:
            lost = lost_index(uow_factory, engine)
        except Exception:  # an unreachable engine is the circuit breaker's business: searches use the database
            return IndexProgress(caught_up=True)
        return IndexProgress(caught_up=False, indexed=0, total=lost) if lost else IndexProgress(caught_up=True)
    with uow_factory(readonly=True) as uow:
        total, waiting = uow.products.count_active(), uow.outbox.pending_count()
    indexed = _count_or_none(engine)
    behind = max((now - oldest).total_seconds() if oldest is not None else 0.0, stalled)
    waiting += in_stream
    # an unreachable engine: searches use the database
    caught_up = indexed is None or total - indexed <= total * MISSING_SHARE
    return IndexProgress(caught_up, indexed or 0, total, waiting, behind)


def _count_or_none(engine: SearchEngine) -> int | None:
    try:
        return engine.count()
    except Exception:  # an unreachable engine is the circuit breaker's business, not readiness's
        return None
