"""Housekeeping: what the database keeps only for a while, and whether the search index has caught up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aisle.services.ports import UnitOfWorkFactory
from aisle.services.search.engine import SearchEngine
from aisle.services.search.index_rebuild import lost_index

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


def index_progress(
    uow_factory: UnitOfWorkFactory, engine: SearchEngine, now: datetime, max_lag: timedelta
) -> IndexProgress:
    """Caught up unless the index is missing products: it holds fewer documents than the catalog has ACTIVE
    products (by more than ``MISSING_SHARE``) while an event older than ``max_lag`` waits to be indexed (an import
    not indexed as it went), or it is lost (``lost_index``: empty while the catalog is not and no event is on its
    way to fill it; services/search/index_rebuild.py rebuilds it). A new store's first products, written a moment
    ago, are writes in flight. An index that holds the products while updates wait (a stopped relay, a broker
    down) is caught up and says how far behind it is: every API process answering 503 for it would take the whole
    fleet out of its balancer, though searches go on with the catalog a little out of date."""
    with uow_factory(readonly=True) as uow:
        # An import's held events are being indexed by the import; if it died, the relay takes them once due
        # (HOLD_EVENTS): every process answering 503 meanwhile would take the whole fleet out of its balancer.
        oldest = uow.outbox.oldest_pending_at(now)
    if oldest is None or now - oldest <= max_lag:
        try:
            lost = lost_index(uow_factory, engine)
        except Exception:  # an unreachable engine is the circuit breaker's business: searches use the database
            return IndexProgress(caught_up=True)
        return IndexProgress(caught_up=False, indexed=0, total=lost) if lost else IndexProgress(caught_up=True)
    with uow_factory(readonly=True) as uow:
        total, waiting = uow.products.count_active(), uow.outbox.pending_count()
    indexed = _count_or_none(engine)
    behind = (now - oldest).total_seconds()
    # an unreachable engine: searches use the database
    caught_up = indexed is None or total - indexed <= total * MISSING_SHARE
    return IndexProgress(caught_up, indexed or 0, total, waiting, behind)


def _count_or_none(engine: SearchEngine) -> int | None:
    try:
        return engine.count()
    except Exception:  # an unreachable engine is the circuit breaker's business, not readiness's
        return None
