"""Rebuilding the search index from the catalog: on request (`aisle reindex`), and by itself when a serving
process finds the index empty while the catalog is not (an index directory deleted or restored empty, an
OpenSearch cluster that came back without its data). Events only ever re-index what they name, so without this an
empty index stays empty and the store shows nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aisle.services.leadership import Lock
from aisle.services.ports import UnitOfWorkFactory
from aisle.services.search.engine import SearchEngine
from aisle.services.search.index_builder import IndexBuilder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rebuilt:
    indexed: int  # documents written into the fresh index
    resynced: int  # products changed while it was being built, written again


class RebuildRunning(RuntimeError):
    """Another process is rebuilding the same index: two at once would each switch to their own."""


def rebuild_index(
    engine: SearchEngine,
    builder: IndexBuilder,
    now: Callable[[], datetime],
    after_switch: Callable[[datetime], None] | None,
    lock: Lock,
    progress: Callable[[int], None] = lambda _n: None,
) -> Rebuilt:
    """Builds a fresh index while the old one keeps answering, then switches to it. What changed during the build
    is written into the fresh index before the switch; a write can still land on the old index between that and
    the switch, so ``after_switch`` is handed the build's start to re-sync what changed since (see
    ``resync_after_switch``; None where another process owns the serving index and re-syncs on the switch).

    ``lock`` (one per index, shared by every process that may rebuild it) is held throughout, so a rebuild left
    behind by a process that died is dropped at the start of the next one rather than kept until some later
    switch. Raises RebuildRunning when another process holds it (held already by the caller: released here)."""
    if not lock.try_acquire():
        raise RebuildRunning("another process is rebuilding the search index: wait for it to finish")
    try:
        engine.drop_abandoned_rebuilds()
        started = now()
        fresh = engine.begin_rebuild()
        indexed = builder.rebuild_into(fresh, progress)
        resynced = builder.catch_up(started, fresh)
        engine.finish_rebuild(fresh)
        if after_switch is not None:
            after_switch(started)
    finally:
        lock.release()
    return Rebuilt(indexed, resynced)


def resync_after_switch(
    builder: IndexBuilder, announce: Callable[[datetime], None] | None
) -> Callable[[datetime], None]:
    """For a process that writes the serving index: re-syncs here, and with ``announce`` (distributed) tells the
    index builders of other processes to do the same."""

    def resync(started: datetime) -> None:
        builder.catch_up(started)
        if announce is not None:
            announce(started)

    return resync


LOST_SHARE = 0.1  # see EmptyIndexRepair


def lost_index(uow_factory: UnitOfWorkFactory, engine: SearchEngine, share: float = 0.0) -> int:
    """The catalog's ACTIVE products when the index holds none of them (with ``share``: fewer than that share of
    them) and no event is on its way to fill it (an import or a backlog being indexed fills it by itself); else 0.
    Without ``share``, an index holding anything costs one count, not a database query."""
    indexed = engine.count()
    if indexed > 0 and share <= 0:
        return 0
    with uow_factory(readonly=True) as uow:
        if uow.outbox.oldest_pending_at() is not None:
            return 0
        active = uow.products.count_active()
    return active if indexed <= share * active else 0


class EmptyIndexRepair:
    """A background step: drops the half-built indexes of rebuilds that were killed, and rebuilds the index when it
    holds under LOST_SHARE of the catalog's ACTIVE products and no event waits to be indexed (an import or a
    backlog being indexed is left to finish). A somewhat smaller count is normal, since a product's losing listings
    are not indexed; a tenth is an index lost and refilled by a few writes since (its directory deleted under a
    running store, which then restarted: only the products written since were in it)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        engine: SearchEngine,
        builder: IndexBuilder,
        now: Callable[[], datetime],
        lock: Lock,
        announce: Callable[[datetime], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._engine = engine
        self._builder = builder
        self._now = now
        self._lock = lock
        self._announce = announce

    def repair_once(self) -> int:
        """Returns how many documents it indexed (0 when the index needed nothing). Also drops what a rebuild
        killed midway left behind, unless a rebuild is running."""
        self._drop_abandoned_rebuilds()
        active = lost_index(self._uow, self._engine, LOST_SHARE)
        if not active:
            return 0
        log.warning(
            "the search index holds %d documents while the catalog has %d active products: rebuilding it",
            self._engine.count(),
            active,
        )
        after_switch = resync_after_switch(self._builder, self._announce)
        try:
            rebuilt = rebuild_index(self._engine, self._builder, self._now, after_switch, self._lock)
        except RebuildRunning:
            log.info("the search index is empty and another process is rebuilding it: leaving it to that one")
            return 0
        log.warning("search index rebuilt: %d documents", rebuilt.indexed)
        return rebuilt.indexed

    def _drop_abandoned_rebuilds(self) -> None:
        if not self._lock.try_acquire():
            return  # a rebuild is running: what looks abandoned may be its index
        try:
            self._engine.drop_abandoned_rebuilds()
        finally:
            self._lock.release()


class LostIndexWatch:
    """Whether the index is lost, asked at most every ``every_seconds``: searches are then answered from the catalog
    database, and readiness says the index is being rebuilt, until the repair above has refilled it, since a
    slower, simpler answer beats an empty shop window for the minutes a large rebuild takes. Lost as the repair
    reads it: under LOST_SHARE of the catalog's ACTIVE products, no event on its way to fill it (a directory
    deleted under a running store, then a write: an index of one product is as lost as an empty one). The catalog
    is counted when the process first asks and again only while the index holds under that share of the most it
    has seen: a healthy index costs one count, not a database query."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        engine: SearchEngine,
        every_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow_factory
        self._engine = engine
        self._every = every_seconds
        self._clock = clock
        self._checked_at: float | None = None
        self._lost = 0
        self._catalog: int | None = None  # the most products seen, in the catalog or the index

    def __call__(self) -> bool:
        return self.lost() > 0

    def lost_now(self) -> int:
        """``lost``, looked at now (readiness, asked every few seconds, must not answer what was true before)."""
        self._checked_at = self._clock()
        self._lost = self._check()
        return self._lost

    def lost(self) -> int:
        """The catalog's ACTIVE products when the index is lost, else 0."""
        now = self._clock()
        if self._checked_at is None or now - self._checked_at >= self._every:
            self._checked_at = now  # set first: the threads that ask meanwhile keep the last answer
            self._lost = self._check()
        elif self._lost and self._refilled():
            self._lost = 0  # the repair switched over: no search or readiness check waits for the next look
        return self._lost

    def _refilled(self) -> bool:
        try:
            return self._engine.count() > LOST_SHARE * self._lost
        except Exception:
            return False

    def _check(self) -> int:
        try:
            indexed = self._engine.count()
            if self._catalog is not None and indexed > LOST_SHARE * self._catalog:
                self._catalog = max(self._catalog, indexed)
                return 0
            # lost_index's reading, but the catalog is counted even while events fill the index: an index refilled
            # by one write while others were waiting is still found lost once they are in
            with self._uow(readonly=True) as uow:
                filling = uow.outbox.oldest_pending_at() is not None
                active = uow.products.count_active()
        except Exception:  # an engine that is down is the circuit breaker's business: searches fall back there
            return 0
        self._catalog = max(active, indexed)
        return active if active and not filling and indexed <= LOST_SHARE * active else 0
