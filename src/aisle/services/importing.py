"""Imports catalog files (Best Buy, Icecat, JSONL, generated) through the same rules as the seller API, in batches."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from typing import Any, Protocol

from pydantic import ValidationError

from aisle.domain.catalog import Product
from aisle.domain.reviews import Review
from aisle.services.ports import UnitOfWork, UnitOfWorkFactory
from aisle.services.price_history import record_price_history
from aisle.services.product_input import ProductIn, field_errors


class ImportRecord(Protocol):
    line: int


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


log = logging.getLogger(__name__)
INDEX_COMMIT_SECONDS = 5.0  # an index commit per batch would cost more than the batch at a million products
HOLD_EVENTS = timedelta(minutes=2)  # the relay delivers an imported batch's events only if the import never does


@dataclass
class ImportSummary:
    imported: int = 0
    reviews: int = 0
    not_placed: int = 0  # imported without a category: nothing in the source told where it belongs
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    @property
    def seen(self) -> int:
        return self.imported + sum(self.skipped.values()) + sum(self.failed.values())

    def line(self) -> str:
        counts = [f"imported {self.imported}"]
        troubles = (("skipped", self.skipped.total()), ("failed", self.failed.total()))
        counts += [f"{what} {n}" for what, n in troubles if n]
        return ", ".join(counts) + f" ({self.not_placed} imported without a category, {self.reviews} generated reviews)"


class CatalogImporter:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        batch_size: int = 500,
        indexer: BatchIndexer | None = None,
        feed: Callable[[], IndexFeed] | None = None,
    ) -> None:
        """Indexes as it goes through ``feed`` (made per run) when given, else in this process with ``indexer``
        when given; with neither, the server indexes the import later from the outbox."""
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now
        self._batch_size = batch_size
        if feed is None and indexer is not None:
            feed = partial(ImportIndexing, indexer, uow_factory, now)
        self._feed = feed
        self._category_ids: dict[tuple[str, ...], int] = {}

    def run(
        self, seller_id: int, records: Iterable[Any], progress: Callable[[int], None] = lambda _n: None
    ) -> ImportSummary:
        """Imports batch by batch. With an index feed, each committed batch is indexed at once and the index
        committed every few seconds; the batch's events are then marked delivered, so no server replays them."""
        summary = ImportSummary()
        indexing = self._feed() if self._feed is not None else None
        try:
            for batch in _batches(iter(records), self._batch_size):
                with self._uow() as uow:
                    if indexing is not None and indexing.active:
                        uow.outbox.hold_new_events(self._now() + HOLD_EVENTS)
                    products = self._import_batch(uow, seller_id, batch, summary)
                    uow.commit()
                if indexing is not None:
                    indexing.add(products, uow.outbox.added_ids)
                progress(len(batch))
        finally:  # also when stopped midway (Ctrl-C): what was committed is made searchable before leaving
            if indexing is not None:
                indexing.finish()
        return summary

    def _import_batch(self, uow: UnitOfWork, seller_id: int, batch: list[Any], summary: ImportSummary) -> list[Product]:
        """Validates each record on its own, then writes the batch's products and reviews in a few statements."""
        made = [(record, product) for record in batch if (product := self._product(uow, seller_id, record, summary))]
        taken = uow.products.skus_in_use([product for _record, product in made])
        fresh = [(record, product) for record, product in made if product.product_id not in taken]
        if len(fresh) < len(made):  # a Counter keeps zero entries, and the summary would print "skipped 0"
            summary.skipped["SKU already in the catalog (imported before?)"] += len(made) - len(fresh)
        summary.not_placed -= sum(1 for _r, p in made if p.product_id in taken and p.content.category_id is None)
        products = [product for _record, product in fresh]
        uow.products.add_many(products, actor="import", skus_checked=True)
        record_price_history(uow, products, actor="import")
        reviews = [self._review(p.product_id, g) for record, p in fresh for g in getattr(record, "reviews", ())]
        # No review.added events: each product's product.created already tells every subscriber to read it,
        # reviews included (at a million products with ~4 reviews each, they were most of the outbox).
        uow.reviews.add_many(reviews)
        summary.imported += len(fresh)
        summary.reviews += len(reviews)
        return [product for _record, product in fresh]

    def _product(self, uow: UnitOfWork, seller_id: int, record: Any, summary: ImportSummary) -> Product | None:
        if not hasattr(record, "data"):
            summary.skipped[record.reason] += 1
            return None
        data = dict(record.data)
        path = tuple(data.pop("category_path", None) or ())
        popularity = data.pop("popularity", None)
        if path:
            data["category_id"] = str(self._category_id(uow, path))
        try:
            content = replace(ProductIn.model_validate(data).to_content(), popularity=popularity)
        except ValidationError as error:
            first = field_errors(error)[0]
            summary.failed[f"{first.field}: {first.reason}"] += 1
            return None
        if not path:
            summary.not_placed += 1
        return Product.create(self._new_id(), seller_id, content, self._now(), self._new_id)

    def _category_id(self, uow: UnitOfWork, path: tuple[str, ...]) -> int:
        if path not in self._category_ids:
            self._category_ids[path] = uow.categories.get_or_create_path(path, self._new_id).category_id
        return self._category_ids[path]

    def _review(self, product_id: int, generated: Any) -> Review:
        return Review(
            self._new_id(),
            product_id,
            generated.rating,
            generated.title,
            generated.body,
            generated.author,
            self._now(),
            generated=True,
        )


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


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, size)):
        yield batch
