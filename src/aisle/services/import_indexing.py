"""An import's search indexing: each committed batch is written to the index as it comes, the index committed
every few seconds, and only then are the batches' events marked delivered (so no server replays them).

``ImportIndexing`` does it in the process it runs in; ``index_requested`` is the loop another process runs on the
batches an importer hands it (entrypoints/import_indexer.py), so that indexing uses a second core.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from aisle.domain.catalog import Product
from aisle.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
# An index commit per batch would cost more than the batch at a million products, and each commit waits for the
# write gate and leaves a segment for Tantivy to merge; but what an import wrote must become searchable within the
# freshness goal (30 s) for shoppers searching while it runs. Well inside HOLD_EVENTS, so a relay never sees an event
# the import is about to deliver.
INDEX_COMMIT_SECONDS = 20.0
HOLD_EVENTS = timedelta(minutes=2)  # the relay delivers an imported batch's events only if the import never does


class BatchIndexer(Protocol):
    def index_imported(self, products: Sequence[Product]) -> None:
        """Writes committed products to the search index without making them searchable yet."""

    def commit(self) -> None:
        """Makes everything written so far searchable."""


class IndexFeed(Protocol):
    """Where an import sends each committed batch to be indexed: ``ImportIndexing`` in this process, or a feed to
    another process that runs one (entrypoints/import_indexer.py), so that indexing uses the second core."""

    @property
    def active(self) -> bool:
        """False once the index cannot be written: new batches' events are then due for the relay at once."""

    def add(self, products: Sequence[Product], event_ids: Sequence[int]) -> None:
        """A batch just committed, with the ids of the events it recorded."""

    def finish(self) -> None:
        """Returns once every batch added is searchable and its events are marked delivered (or handed back to
        the relay, when the index could not be written)."""


class ImportIndexing:
    """Indexes an import's batches as they commit. If the index cannot be written (a running server holds the
    Tantivy writer, OpenSearch is down) it stops trying and hands the events back to the relay at once."""

    def __init__(self, indexer: BatchIndexer, uow_factory: UnitOfWorkFactory, now: Callable[[], datetime]) -> None:
        self._indexer = indexer
        self._uow = uow_factory
        self._now = now
        self._events: list[int] = []  # recorded by batches indexed but not yet committed to the index
        self._committed_at = time.monotonic()
        self.active = True

    def add(self, products: Sequence[Product], event_ids: Sequence[int]) -> None:
        if not self.active:  # held only if the importer had not heard yet that indexing stopped
            self._release(event_ids)
            return
        self._events.extend(event_ids)
        try:
            self._indexer.index_imported(products)
            if time.monotonic() - self._committed_at >= INDEX_COMMIT_SECONDS:
                self._commit()
        except Exception as error:
            self._give_up(error)

    def finish(self) -> None:
        if self.active:
            try:
                self._commit()
            except Exception as error:
                self._give_up(error)

    def _commit(self) -> None:
        self._indexer.commit()
        with self._uow() as uow:
            uow.outbox.mark_delivered(self._events, self._now())
            uow.commit()
        self._events, self._committed_at = [], time.monotonic()

    def _give_up(self, error: Exception) -> None:
        log.warning("import: the search index cannot be written (%s); the server will index from the outbox", error)
        self.active = False
        self._release(self._events)
        self._events = []

    def _release(self, event_ids: Sequence[int]) -> None:
        with self._uow() as uow:
            uow.outbox.release_held(event_ids)
            uow.commit()


@dataclass(frozen=True)
class IndexRequest:
    """A committed batch, as one process hands it to another to index: ids only, the rest is in the database."""

    product_ids: list[int]
    event_ids: list[int]


def index_requested(
    requests: Iterable[IndexRequest],
    indexing: ImportIndexing,
    uow_factory: UnitOfWorkFactory,
    indexed: Callable[[int, bool], None] = lambda _n, _active: None,
) -> None:
    """The far end of an index feed: loads each batch as committed, indexes it, and finishes when the requests
    end. ``indexed`` hears after each batch how many products it held and whether indexing is still on."""
    for request in requests:
        with uow_factory(readonly=True) as uow:
            products = uow.products.get_many(request.product_ids)
        indexing.add(products, request.event_ids)
        indexed(len(products), indexing.active)
    indexing.finish()
