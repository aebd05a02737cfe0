"""Product cards for result lists (search, related products): live price, stock and rating from the database,
so a card never shows a price the shopper will not pay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.pricing import FinalPrice
from aisle.services.ports import UnitOfWorkFactory
from aisle.services.search.presenting import result_view


class ProductCards:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        prices: Callable[[Sequence[Product]], dict[int, FinalPrice]],
        now: Callable[[], datetime],
    ) -> None:
        self._uow = uow_factory
        self._prices = prices
        self._now = now

    def cards(self, product_ids: Sequence[int]) -> list[dict[str, Any]]:
        """In the given order; products no longer ACTIVE (the index may be a moment behind) are left out."""
        with self._uow(readonly=True) as uow:
            found = {p.product_id: p for p in uow.products.get_many(product_ids) if p.status is ProductStatus.ACTIVE}
            summaries = uow.reviews.summaries(list(found))
            variant_ids = [v.variant_id for p in found.values() for v in p.content.variants if v.variant_id]
            stock = uow.inventory.levels(variant_ids)
        prices = self._prices(list(found.values()))
        now = self._now()
        return [
            result_view(found[pid], summaries.get(pid), prices, _in_stock(found[pid], stock), now)
            for pid in product_ids
            if pid in found
        ]


def _in_stock(product: Product, stock: dict[int, list[Any]]) -> bool:
    return any(level.available > 0 for v in product.content.variants for level in stock.get(v.variant_id or 0, []))
