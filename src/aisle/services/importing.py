"""Imports catalog files (Best Buy, Icecat, JSONL, generated) through the same rules as the seller API, in batches.

Each record is first *prepared* (validated into product content, on its own: ``prepare_record``, which needs no
database and may run in another process, entrypoints/import_reader.py), then *placed* in batches: its category
path resolved, ids given, and the batch's products, reviews and events written in one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Any, Protocol

from pydantic import ValidationError

from aisle.domain.catalog import Product, ProductContent, ProductStatus, content_problems
from aisle.domain.errors import FieldError
from aisle.domain.reviews import Review
from aisle.services.import_indexing import HOLD_EVENTS, BatchIndexer, ImportIndexing, IndexFeed
from aisle.services.ports import UnitOfWork, UnitOfWorkFactory
from aisle.services.price_history import record_price_history
from aisle.services.product_input import ProductIn, field_errors

ERRORS_SAID = 3  # of one record's problems, named in its reason


class ImportRecord(Protocol):
    line: int


@dataclass(frozen=True)
class Prepared:
    """A record that passed validation: its content (category not yet placed), category path and reviews."""

    content: ProductContent
    category_path: tuple[str, ...]
    # (rating, title, body, author) of each generated review: plain tuples cross to the writing process at a
    # third of the unpickling cost of review objects
    reviews: tuple[tuple[int, str, str, str], ...]
    line: int = 0


@dataclass(frozen=True)
class Rejected:
    """A record not imported: skipped by its reader, or (``failed``) broken or refused by validation."""

    line: int
    reason: str
    failed: bool


def prepare_record(record: Any) -> Prepared | Rejected:
    """Validates one record as the seller API would; a category path, when given, decides the category."""
    if not hasattr(record, "data"):
        return Rejected(record.line, record.reason, record.failed)
    data = dict(record.data)
    path = tuple(data.pop("category_path", None) or ())
    popularity = data.pop("popularity", None)
    if path:
        data.pop("category_id", None)
    try:
        content = ProductIn.model_validate(data).to_content()
    except ValidationError as error:
        return Rejected(record.line, _said(field_errors(error)), failed=True)
    if problems := content_problems(content):  # as Product.create would refuse it: in the batch, it undid the batch
        return Rejected(record.line, _said(problems), failed=True)
    if popularity is not None:
        content = replace(content, popularity=popularity)
    reviews = tuple((g.rating, g.title, g.body, g.author) for g in getattr(record, "reviews", ()))
    return Prepared(content, path, reviews, record.line)


def _said(errors: Sequence[FieldError]) -> str:
    """Every problem of a record, so that one run shows all there is to mend in it (the first few of many)."""
    said = "; ".join(f"{e.field}: {e.reason}" for e in errors[:ERRORS_SAID])
    return said if len(errors) <= ERRORS_SAID else f"{said}; and {len(errors) - ERRORS_SAID} more"


@dataclass
class ImportSummary:
    imported: int = 0
    reviews: int = 0
    not_placed: int = 0  # imported without a category: nothing in the source told where it belongs
    drafts: int = 0  # imported as drafts (a record without "status" is one): not in the store yet
    left_unindexed: int = 0  # products an earlier, stopped import committed and never indexed: this one did
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    lines: dict[str, list[int]] = field(default_factory=dict)  # the first few lines (or items) of each reason

    def count(self, rejected: Rejected) -> None:
        (self.failed if rejected.failed else self.skipped)[rejected.reason] += 1
        lines = self.lines.setdefault(rejected.reason, [])
        if len(lines) < LINES_KEPT:
            lines.append(rejected.line)

    @property
    def seen(self) -> int:
        return self.imported + sum(self.skipped.values()) + sum(self.failed.values())

    def nothing_fit(self) -> bool:
        """Nothing imported, and every record skipped for what it lacks, not for being imported before: likely
        a file in another format than the one named (Best Buy's products.json read as Icecat)."""
        return self.imported == 0 and bool(self.skipped) and ALREADY_IMPORTED not in self.skipped

    def line(self) -> str:
        counts = [f"imported {self.imported}"]
        troubles = (("skipped", self.skipped.total()), ("failed", self.failed.total()))
        counts += [f"{what} {n}" for what, n in troubles if n]
        drafts = f", {self.drafts} as drafts, not shown in the store until made ACTIVE" if self.drafts else ""
        left = f"; indexed {self.left_unindexed} that a stopped import had left" if self.left_unindexed else ""
        return (
            ", ".join(counts)
            + f" ({self.not_placed} imported without a category, {self.reviews} generated reviews{drafts}){left}"
        )

    @property
    def to_index(self) -> int:
        """What this run had to index: what it imported, and what a stopped import had left unindexed."""
        return self.imported + self.left_unindexed


LINES_KEPT = 5
ALREADY_IMPORTED = "SKU already in the catalog (imported before?)"

# Products written (and handed to the indexer) per transaction. 1,000 rather than 500: half the transactions, the
# per-batch queries on both sides and the pages each commit rewrites (30K products into a 1M catalog: 25.8 -> 22.0
# s CPU, mean of 2 alternated runs on a loaded box); a Ctrl-C rolls back at most this many.
BATCH_SIZE = 1000


class CatalogImporter:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        batch_size: int = BATCH_SIZE,
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
        """Prepares and imports the records batch by batch, in this process."""
        return self.run_prepared(seller_id, map(prepare_record, records), progress)

    def run_prepared(
        self,
        seller_id: int,
        prepared: Iterable[Prepared | Rejected],
        progress: Callable[[int], None] = lambda _n: None,
    ) -> ImportSummary:
        """Imports prepared records batch by batch. With an index feed, each committed batch is indexed at once and
        the index committed every few seconds; the batch's events are then marked delivered, so no server
        replays them."""
        summary = ImportSummary()
        indexing = self._feed() if self._feed is not None else None
        try:
            if indexing is not None:
                summary.left_unindexed = self._index_left_held(indexing)
            for batch in _batches(iter(prepared), self._batch_size):
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

    def _index_left_held(self, indexing: IndexFeed) -> int:
        """Indexes what an earlier import committed but never indexed (stopped with its indexer, by a kill or the
        OOM killer): its events are held for the import, and this one skips those products by their SKUs. Returns
        how many products that was."""
        after, count = 0, 0
        while indexing.active:
            with self._uow() as uow:
                held = uow.outbox.held_after(after, self._now(), self._batch_size)
                product_ids = sorted({entry.key for entry in held})
                products = uow.products.get_many(product_ids) if product_ids else []
            if not held:
                break
            indexing.add(products, [entry.event_id for entry in held])
            after, count = held[-1].event_id, count + len(products)
        return count

    def _import_batch(
        self, uow: UnitOfWork, seller_id: int, batch: list[Prepared | Rejected], summary: ImportSummary
    ) -> list[Product]:
        """Places each prepared record, then writes the batch's products and reviews in a few statements."""
        for rejected in (item for item in batch if isinstance(item, Rejected)):
            summary.count(rejected)
        now = self._now()  # one moment for the batch, as for one transaction (and cheaper to store)
        made = [
            (item, self._product(uow, seller_id, item, now, summary)) for item in batch if isinstance(item, Prepared)
        ]
        taken = uow.products.skus_in_use([product for _item, product in made])
        fresh = [(item, product) for item, product in made if product.product_id not in taken]
        for item, _product in (pair for pair in made if pair[1].product_id in taken):
            summary.count(Rejected(item.line, ALREADY_IMPORTED, failed=False))
        summary.not_placed -= sum(1 for _i, p in made if p.product_id in taken and p.content.category_id is None)
        products = [product for _item, product in fresh]
        uow.products.add_many(products, actor="import", skus_checked=True)
        record_price_history(uow, products, actor="import")
        reviews = [self._review(p.product_id, g, now) for item, p in fresh for g in item.reviews]
        # No review.added events: each product's product.created already tells every subscriber to read it,
        # reviews included (at a million products with ~4 reviews each, they were most of the outbox).
        uow.reviews.add_many(reviews)
        summary.imported += len(fresh)
        summary.drafts += sum(1 for product in products if product.status is ProductStatus.DRAFT)
        summary.reviews += len(reviews)
        return products

    def _product(
        self, uow: UnitOfWork, seller_id: int, item: Prepared, now: datetime, summary: ImportSummary
    ) -> Product:
        content = item.content
        if item.category_path:
            content = replace(content, category_id=self._category_id(uow, item.category_path))
        if content.category_id is None:
            summary.not_placed += 1
        return Product.create(self._new_id(), seller_id, content, now, self._new_id)

    def _category_id(self, uow: UnitOfWork, path: tuple[str, ...]) -> int:
        if path not in self._category_ids:
            self._category_ids[path] = uow.categories.get_or_create_path(path, self._new_id).category_id
        return self._category_ids[path]

    def _review(self, product_id: int, generated: tuple[int, str, str, str], now: datetime) -> Review:
        rating, title, body, author = generated
        return Review(self._new_id(), product_id, rating, title, body, author, now, generated=True)


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, size)):
        yield batch
