"""Product cards for result lists (search, related products): price, stock and rating from the database, not
from the index, so a card never shows a price the shopper will not pay.

Cards are cached like product pages: dropped the moment their product changes (the same events), and kept at
most a minute, because a deal can start or end on the clock with no event at all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.pricing import FinalPrice
from aisle.services.cache_lookups import CacheLookups
from aisle.services.media import MediaUrls
from aisle.services.ports import Cache, UnitOfWorkFactory
from aisle.services.search.presenting import result_view

CARD_TTL_SECONDS = 60
_GONE = {"gone": True}  # remembered too: a product no longer on sale is not looked up again and again


def card_cache_key(product_id: int) -> str:
    return f"card:{product_id}"


class ProductCards:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        prices: Callable[[Sequence[Product]], dict[int, FinalPrice]],
        now: Callable[[], datetime],
        cache: Cache | None = None,
        media: MediaUrls | None = None,
        lookups: CacheLookups | None = None,
    ) -> None:
        self._media = media or MediaUrls()
        self._uow = uow_factory
        self._prices = prices
        self._now = now
        self._cache = cache
        self._lookups = lookups or CacheLookups()

    def forget(self, product_id: int) -> None:
        if self._cache is not None:
            self._cache.delete(card_cache_key(product_id))

    def cards(self, product_ids: Sequence[int]) -> list[dict[str, Any]]:
        """In the given order; products no longer ACTIVE (the index may be a moment behind) are left out."""
        cached = {pid: self._cache.get(card_cache_key(pid)) for pid in product_ids} if self._cache else {}
        missing = [pid for pid in product_ids if cached.get(pid) is None]
        if self._cache is not None:
            self._lookups.record("card", hits=len(product_ids) - len(missing), misses=len(missing))
        fresh = self._load(missing) if missing else {}
        if self._cache is not None:
            for pid in missing:
                self._cache.set(card_cache_key(pid), fresh.get(pid, _GONE), CARD_TTL_SECONDS)
        found: dict[int, dict[str, Any] | None] = {**cached, **fresh}
        return [card for pid in product_ids if (card := found.get(pid)) is not None and card != _GONE]

    def _load(self, product_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            found = {p.product_id: p for p in uow.products.get_many(product_ids) if p.status is ProductStatus.ACTIVE}
            summaries = uow.reviews.summaries(list(found))
            variant_ids = [v.variant_id for p in found.values() for v in p.content.variants if v.variant_id]
            stock = uow.inventory.levels(variant_ids)
            uploaded = uow.images.for_products(list(found))
        prices = self._prices(list(found.values()))
        now = self._now()
        return {
            pid: result_view(
                product,
                summaries.get(pid),
                prices,
                _in_stock(product, stock),
                now,
                self._media.gallery(product, uploaded.get(pid, []), ready_only=True),
            )
            for pid, product in found.items()
        }


def _in_stock(product: Product, stock: dict[int, list[Any]]) -> bool:
    return any(level.available > 0 for v in product.content.variants for level in stock.get(v.variant_id or 0, []))
