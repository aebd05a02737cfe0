"""Product cards for result lists (search, related products): price, stock and rating from the database, not
from the index, so a card never shows a price the shopper will not pay.

Cards are cached like product pages: dropped the moment their product changes (the same events), and kept at
most a minute, because a deal can start or end on the clock with no event at all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.pricing import FinalPrice
from aisle.domain.reviews import ReviewSummary
from aisle.services.cache_codec import CacheCodec
from aisle.services.cache_guard import InvalidationGuard
from aisle.services.cache_lookups import CacheLookups
from aisle.services.media import MediaUrls, thumbnail_of
from aisle.services.ports import Cache, UnitOfWorkFactory
from aisle.services.search.results import ProductCard

CARD_TTL_SECONDS = 60
NEW_FOR = timedelta(days=30)
TOP_RATED = (4.5, 5)  # average at least 4.5 from at least 5 reviews
_CODEC = CacheCodec(ProductCard)
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
        self._guard = InvalidationGuard()  # a card loaded before its product changed is not cached after

    def forget(self, product_id: int) -> None:
        if (cache := self._cache) is not None:
            self._guard.forget([product_id], lambda: cache.delete(card_cache_key(product_id)))

    def cards(self, product_ids: Sequence[int]) -> list[ProductCard]:
        """In the given order; products no longer ACTIVE (the index may be a moment behind) are left out."""
        with self._guard.loading() as keep:
            cached = self._cached(product_ids)
            missing = [pid for pid in product_ids if pid not in cached]
            fresh = self._load(missing) if missing else {}
            if self._cache is not None:
                self._lookups.record("card", hits=len(product_ids) - len(missing), misses=len(missing))
                keep(missing, lambda unchanged: self._store(unchanged, fresh))
        found: dict[int, ProductCard | None] = {**cached, **fresh}
        return [card for pid in product_ids if (card := found.get(pid)) is not None]

    def _store(self, product_ids: Sequence[Any], fresh: dict[int, ProductCard]) -> None:
        assert self._cache is not None
        for pid in product_ids:
            card = fresh.get(pid)
            self._cache.set(card_cache_key(pid), _GONE if card is None else card, CARD_TTL_SECONDS)

    def _cached(self, product_ids: Sequence[int]) -> dict[int, ProductCard | None]:
        """The cards the cache holds (None: a product known to be off sale)."""
        if self._cache is None:
            return {}
        found: dict[int, ProductCard | None] = {}
        for pid in product_ids:
            raw = self._cache.get(card_cache_key(pid))
            if raw == _GONE:
                found[pid] = None
            elif (card := _CODEC.load(raw)) is not None:
                found[pid] = card
        return found

    def _load(self, product_ids: Sequence[int]) -> dict[int, ProductCard]:
        with self._uow(readonly=True) as uow:
            found = {p.product_id: p for p in uow.products.get_many(product_ids) if p.status is ProductStatus.ACTIVE}
            summaries = uow.reviews.summaries(list(found))
            variant_ids = [v.variant_id for p in found.values() for v in p.content.variants if v.variant_id]
            stock = uow.inventory.levels(variant_ids)
            uploaded = uow.images.for_products(list(found))
        prices = self._prices(list(found.values()))
        now = self._now()
        return {
            pid: card_of(
                product,
                summaries.get(pid),
                prices,
                _in_stock(product, stock),
                now,
                self._media.gallery(product, uploaded.get(pid, []), ready_only=True),
            )
            for pid, product in found.items()
        }


def card_of(
    product: Product,
    summary: ReviewSummary | None,
    prices: dict[int, FinalPrice],
    in_stock: bool,
    now: datetime,
    gallery: list[dict[str, Any]],
) -> ProductCard:
    """``gallery`` is the product's images as services.media shows them."""
    content = product.content
    cheapest = min((prices[v.variant_id] for v in content.variants if v.variant_id in prices), key=lambda p: p.amount)
    summary = summary or ReviewSummary()
    return ProductCard(
        product_id=product.product_id,
        title=content.title,
        brand=content.brand,
        price=cheapest,
        rating_average=summary.average,
        rating_count=summary.count,
        thumbnail_url=thumbnail_of(gallery),
        image=gallery[0] if gallery else None,
        badges=_badges(product, cheapest, summary, now),
        in_stock=in_stock,
        variant_count=len(content.variants),
    )


def _badges(product: Product, price: FinalPrice, summary: ReviewSummary, now: datetime) -> tuple[str, ...]:
    badges = []
    if price.deal is not None:
        badges.append("Deal")
    if price.was and price.was > price.amount:
        saving = round(100 * (1 - price.amount / price.was))
        badges.append(f"Save {saving}%")
    if (summary.average or 0) >= TOP_RATED[0] and summary.count >= TOP_RATED[1]:
        badges.append("Top rated")
    if now - product.created_at < NEW_FOR:
        badges.append("New")
    return tuple(badges)


def _in_stock(product: Product, stock: dict[int, list[Any]]) -> bool:
    return any(level.available > 0 for v in product.content.variants for level in stock.get(v.variant_id or 0, []))
