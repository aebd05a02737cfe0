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
from aisle.domain.errors import Conflict
from aisle.domain.reviews import Review
from aisle.services.ports import UnitOfWork, UnitOfWorkFactory
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
                for record in batch:
                    self._import_one(uow, seller_id, record, summary)
                uow.commit()
            progress(len(batch))
        return summary

    def _import_one(self, uow: UnitOfWork, seller_id: int, record: Any, summary: ImportSummary) -> None:
        if not hasattr(record, "data"):
            summary.skipped[record.reason] += 1
            return
        data = dict(record.data)
        path = tuple(data.pop("category_path", None) or ())
        popularity = data.pop("popularity", None)
        if path:
            data["category_id"] = str(self._category_id(uow, path))
        else:
            summary.not_placed += 1
        try:
            content = replace(ProductIn.model_validate(data).to_content(), popularity=popularity)
        except ValidationError as error:
            first = field_errors(error)[0]
            summary.failed[f"{first.field}: {first.reason}"] += 1
            return
        product = Product.create(self._new_id(), seller_id, content, self._now(), self._new_id)
        try:
            uow.products.add(product, actor="import")
        except Conflict:
            summary.skipped["SKU already in the catalog (imported before?)"] += 1
            if not path:
                summary.not_placed -= 1
            return
        summary.imported += 1
        for generated in getattr(record, "reviews", ()):
            uow.reviews.add(self._review(product.product_id, generated))
            summary.reviews += 1

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
