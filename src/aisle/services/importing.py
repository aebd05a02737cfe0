"""Imports catalog files (Best Buy, Icecat, JSONL, generated) through the same rules as the seller API, in batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from pydantic import ValidationError

from aisle.domain.catalog import Product
from aisle.domain.reviews import Review, review_added
from aisle.services.ports import UnitOfWork, UnitOfWorkFactory
from aisle.services.price_history import record_price_history
from aisle.services.product_input import ProductIn, field_errors


class ImportRecord(Protocol):
    line: int


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
        return (
            f"imported {self.imported}, skipped {sum(self.skipped.values())}, failed {sum(self.failed.values())}"
            f" ({self.not_placed} imported without a category, {self.reviews} generated reviews)"
        )


class CatalogImporter:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        batch_size: int = 500,
    ) -> None:
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now
        self._batch_size = batch_size
        self._category_ids: dict[tuple[str, ...], int] = {}

    def run(
        self, seller_id: int, records: Iterable[Any], progress: Callable[[int], None] = lambda _n: None
    ) -> ImportSummary:
        summary = ImportSummary()
        for batch in _batches(iter(records), self._batch_size):
            with self._uow() as uow:
                self._import_batch(uow, seller_id, batch, summary)
                uow.commit()
            progress(len(batch))
        return summary

    def _import_batch(self, uow: UnitOfWork, seller_id: int, batch: list[Any], summary: ImportSummary) -> None:
        """Validates each record on its own, then writes the batch's products and reviews in a few statements."""
        made = [(record, product) for record in batch if (product := self._product(uow, seller_id, record, summary))]
        taken = uow.products.skus_in_use([product for _record, product in made])
        fresh = [(record, product) for record, product in made if product.product_id not in taken]
        if len(fresh) < len(made):  # a Counter keeps zero entries, and the summary would print "skipped 0"
            summary.skipped["SKU already in the catalog (imported before?)"] += len(made) - len(fresh)
        summary.not_placed -= sum(1 for _r, p in made if p.product_id in taken and p.content.category_id is None)
        products = [product for _record, product in fresh]
        uow.products.add_many(products, actor="import")
        record_price_history(uow, products, actor="import")
        reviews = [self._review(p.product_id, g) for record, p in fresh for g in getattr(record, "reviews", ())]
        uow.reviews.add_many(reviews)
        uow.record(review_added(review) for review in reviews)
        summary.imported += len(fresh)
        summary.reviews += len(reviews)

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


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, size)):
        yield batch
