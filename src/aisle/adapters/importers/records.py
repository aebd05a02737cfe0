"""What every catalog reader yields: one record per source item, either a product or the reason it was skipped.

A product record is the seller API's product body with two differences, because a file knows names, not ids:
the category is a path of names (``category_path``), and it may carry catalog-only fields (``popularity``).
The import service resolves the path to a category id and validates the body exactly as the API does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProductRecord:
    """One importable product.

    ``data`` keys: title (str), description (str), brand (str | None), category_path (list[str], root first; may
    be empty when the product could not be placed), images (list[str] of URLs), status ("ACTIVE" by default),
    gtin (str | None), attributes (dict[str, str | int | float | bool]: specs), popularity (float | None),
    variants (list of {sku, attributes: dict[str, str], price: Decimal, compare_price: Decimal | None,
    weight_grams: int | None}).
    ``reviews`` are generated reviews to attach (see ``GeneratedReview``); empty for real data unless asked for.
    """

    line: int
    data: dict[str, Any]
    reviews: list[GeneratedReview] = field(default_factory=list)


@dataclass(frozen=True)
class SkippedRecord:
    """A source item that is not imported. ``failed``: the item is broken (a JSONL line that is not a JSON object),
    rather than something the source holds that is not a product for sale."""

    line: int
    reason: str
    failed: bool = False


@dataclass(frozen=True)
class GeneratedReview:
    """A review produced by a deterministic generator; always stored and shown as generated."""

    rating: int
    title: str
    body: str
    author: str


ImportRecord = ProductRecord | SkippedRecord


def without_repeated_skus(records: Iterable[ImportRecord]) -> Iterator[ImportRecord]:
    """A product with a SKU that an earlier record of the same source already used is skipped, saying so."""
    seen: set[str] = set()
    for record in records:
        if isinstance(record, ProductRecord):
            skus = _skus(record.data)
            repeated = next((sku for sku in skus if sku in seen), None)
            if repeated is not None:
                record = SkippedRecord(record.line, f"duplicate of an earlier product with SKU {repeated}")
            seen.update(skus)
        yield record


def _skus(data: dict[str, Any]) -> list[str]:
    """The variants' SKUs, where the record has them in the expected shape (validation reports the rest)."""
    variants = data.get("variants")
    if not isinstance(variants, list):
        return []
    return [v["sku"] for v in variants if isinstance(v, dict) and isinstance(v.get("sku"), str)]
