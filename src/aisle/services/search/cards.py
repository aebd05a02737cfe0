"""Product cards for result lists (search, related products): price, stock and rating from the database, not
from the index, so a card never shows a price the shopper will not pay.

Cards are cached like product pages: dropped the moment their product changes (the same events), and kept at
most a minute, because a deal can start or end on the clock with no event at all."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from aisle.domain.catalog import attribute_name
from aisle.domain.pricing import FinalPrice
from aisle.domain.reviews import ReviewSummary
from aisle.domain.search.document import attribute_key, attribute_keys, priced_by
from aisle.services.cache_codec import CacheCodec
from aisle.services.cache_guard import Entry, Guard, InvalidationGuard
from aisle.services.cache_lookups import CacheLookups
from aisle.services.media import MediaUrls, thumbnail_of
from aisle.services.ports import Cache, CardFacts, UnitOfWork, UnitOfWorkFactory
from aisle.services.search.engine import Filters, attribute_filters_by_name
from aisle.services.search.results import PicturedVariant, PricedVariant, ProductCard

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
        prices: Callable[[UnitOfWork, Sequence[CardFacts]], dict[int, FinalPrice]],
        now: Callable[[], datetime],
        cache: Cache,
        media: MediaUrls | None = None,
        lookups: CacheLookups | None = None,
        guard: Guard | None = None,
    ) -> None:
        self._media = media or MediaUrls()
        self._uow = uow_factory
        self._prices = prices
        self._now = now
        self._cache = cache
        self._lookups = lookups or CacheLookups()
        self._guard = guard or InvalidationGuard(cache)  # a card loaded before its product changed is not cached after

    def forget(self, product_ids: Sequence[int]) -> None:
        keys = [card_cache_key(pid) for pid in product_ids]
        if keys:
            self._guard.forget(product_ids, lambda: self._cache.delete(*keys))

    def cards(self, product_ids: Sequence[int]) -> list[ProductCard]:
        """In the given order; products no longer ACTIVE (the index may be a moment behind) are left out."""
        cached = self._cached(product_ids)
        missing = [pid for pid in product_ids if pid not in cached]
        self._lookups.record("card", hits=len(product_ids) - len(missing), misses=len(missing))
        fresh = self._loaded(missing) if missing else {}
        found: dict[int, ProductCard | None] = {**cached, **fresh}
        return [card for pid in product_ids if (card := found.get(pid)) is not None]

    def _loaded(self, product_ids: Sequence[int]) -> dict[int, ProductCard]:
        """Loaded and cached under the guard, whose mark precedes the database read (a page of cards all cached
        asks the shared cache for no mark)."""
        with self._guard.loading() as keep:
            fresh = self._load(product_ids)
            keep([_entry(pid, fresh.get(pid)) for pid in product_ids])
        return fresh

    def _cached(self, product_ids: Sequence[int]) -> dict[int, ProductCard | None]:
        """The cards the cache holds (None: a product known to be off sale)."""
        if not product_ids:
            return {}
        found: dict[int, ProductCard | None] = {}
        for pid, raw in zip(product_ids, self._cache.get_many([card_cache_key(p) for p in product_ids]), strict=True):
            if raw == _GONE:
                found[pid] = None
            elif (card := _CODEC.load(raw)) is not None:
                found[pid] = card
        return found

    def _load(self, product_ids: Sequence[int]) -> dict[int, ProductCard]:
        """One read transaction for the page: the cards' columns (not whole products), reviews, stock, uploaded
        images and running deals."""
        with self._uow(readonly=True) as uow:
            found = {f.product_id: f for f in uow.products.card_facts(product_ids)}
            summaries = uow.reviews.summaries(list(found))
            stock = uow.inventory.levels([v.variant_id for f in found.values() for v in f.variants])
            uploaded = uow.images.for_products(list(found))
            prices = self._prices(uow, list(found.values()))
        now = self._now()
        return {
            pid: card_of(
                facts,
                summaries.get(pid),
                prices,
                _stocked(facts, stock),
                now,
                self._media.gallery_of(facts.images, uploaded.get(pid, []), ready_only=True),
            )
            for pid, facts in found.items()
        }


def _picture_of(gallery: list[dict[str, Any]], variant_id: int) -> dict[str, Any] | None:
    """The picture a card shows beside the price of ``variant_id``: that variant's first, else the product's own
    first (of no variant), else the first. Another variant's picture would open its page at another price."""
    own = [image for image in gallery if image.get("variant_id") == str(variant_id)]
    common = [image for image in gallery if not image.get("variant_id")]
    return next(iter(own or common or gallery), None)


def _entry(product_id: int, card: ProductCard | None) -> Entry:
    return Entry(card_cache_key(product_id), _GONE if card is None else card, CARD_TTL_SECONDS, (product_id,))


def card_of(
    facts: CardFacts,
    summary: ReviewSummary | None,
    prices: dict[int, FinalPrice],
    stocked: Collection[int],
    now: datetime,
    gallery: list[dict[str, Any]],
) -> ProductCard:
    """``stocked``: the variants in stock; ``gallery``: the product's images as services.media shows them. The
    card shows the cheapest variant in stock (its was-price and saving with it), the cheapest of all when none is:
    as the index holds the product's price (document.effective_price)."""
    priced = [v for v in facts.variants if v.variant_id in prices]
    in_stock = any(v.variant_id in stocked for v in facts.variants)
    offered = priced_by(priced, lambda v: v.variant_id in stocked)
    shown = min(offered, key=lambda v: prices[v.variant_id].amount)
    cheapest = prices[shown.variant_id]
    summary = summary or ReviewSummary()
    image = _picture_of(gallery, shown.variant_id)
    return ProductCard(
        product_id=facts.product_id,
        title=facts.title,
        brand=facts.brand,
        price=cheapest,
        rating_average=summary.average,
        rating_count=summary.count,
        thumbnail_url=thumbnail_of([image] if image else []),
        image=image,
        badges=_badges(facts, cheapest, summary, now),
        in_stock=in_stock,
        variant_count=len(facts.variants),
        pictured_variants=_pictured_variants(facts, gallery),
        priced_variants=_priced_variants(facts, prices, stocked, (cheapest, in_stock)),
        price_varies=len({prices[v.variant_id].amount for v in offered}) > 1,
    )


def showing_chosen(card: ProductCard, filters: Filters, words: Collection[str] = ()) -> ProductCard:
    """The card with the price of the cheapest variant that has the chosen attributes (within the chosen price
    range), as the attribute filter matched it, and the picture of such a variant."""
    return _priced_as_chosen(_pictured_as_chosen(card, filters.attributes, words), filters)


def _priced_as_chosen(card: ProductCard, filters: Filters) -> ProductCard:
    """Filtered to color=Red, a shirt red at $80 and blue at $50 shows $80: a "from" price the shopper cannot
    have in red would mislead. The cheapest of those in stock, else the cheapest (and "out of stock"); left as it
    is where no variant has them all (a filter matched product by product)."""
    if not filters.attributes or not card.priced_variants:
        return card
    wanted = [set(keys) for _name, keys in attribute_filters_by_name(filters)]
    fitting = [
        v
        for v in card.priced_variants
        if all(keys & attribute_keys(v.attributes) for keys in wanted)
        and (filters.price_min is None or v.price.amount >= filters.price_min)
        and (filters.price_max is None or v.price.amount <= filters.price_max)
        and (v.in_stock or filters.in_stock is not True)
    ]
    if not fitting:
        return card
    chosen = min(fitting, key=lambda v: (not v.in_stock, v.price.amount, v.variant_id))
    kept = tuple(badge for badge in card.badges if badge not in _price_badges(card.price))
    badges = (*_price_badges(chosen.price), *kept)
    return replace(
        card,
        price=chosen.price,
        price_varies=False,  # the chosen variant's own price
        badges=badges,
        in_stock=chosen.in_stock,
        variant_id=chosen.variant_id,
    )


def _pictured_as_chosen(card: ProductCard, chosen: Sequence[tuple[str, str]], words: Collection[str]) -> ProductCard:
    """The card with the picture of a variant that has every chosen attribute its variants carry: filtered to
    color=Red, a shirt shows its red picture, not the first one uploaded. With no such filter, a variant whose
    attribute value the shopper's words spell out ("red shirt", "heather gray hoodie") is shown instead."""
    for pictured in card.pictured_variants:
        has = attribute_keys(pictured.attributes)
        names = {attribute_name(name) for name, _value in pictured.attributes}
        asked = {attribute_key(name, value) for name, value in chosen if attribute_name(name) in names}
        if asked and asked <= has:
            return _showing(card, pictured)
    if chosen:
        return card
    said = {word.casefold() for word in words}
    named = (p for p in card.pictured_variants if any(_spelled_out(value, said) for _, value in p.attributes))
    spelled = next(named, None)
    return card if spelled is None else _showing(card, spelled)


def _spelled_out(value: str, words: set[str]) -> bool:
    """Every word of the value is among the words, and the value is a word of letters ("Red", "Heather Gray"),
    not a size ("M", "10") that a number in the query would hit by chance."""
    parts = value.casefold().split()
    return bool(parts) and all(part.isalpha() and len(part) >= 3 and part in words for part in parts)


def _showing(card: ProductCard, pictured: PicturedVariant) -> ProductCard:
    return replace(card, image=pictured.image, thumbnail_url=thumbnail_of([pictured.image]))


def _pictured_variants(facts: CardFacts, gallery: list[dict[str, Any]]) -> tuple[PicturedVariant, ...]:
    attributes = {str(v.variant_id): v.attributes for v in facts.variants if v.attributes}
    return tuple(
        PicturedVariant(attributes[image["variant_id"]], image)
        for image in gallery
        if "urls" in image and image.get("variant_id") in attributes
    )


def _priced_variants(
    facts: CardFacts, prices: dict[int, FinalPrice], stocked: Collection[int], shown: tuple[FinalPrice, bool]
) -> tuple[PricedVariant, ...]:
    """``shown``: the product's price and stock as its card shows them; variants that all match it are not kept."""
    priced = tuple(
        PricedVariant(v.variant_id, v.attributes, prices[v.variant_id], v.variant_id in stocked)
        for v in facts.variants
        if v.attributes and v.variant_id in prices
    )
    return () if all((p.price, p.in_stock) == shown for p in priced) else priced


def _price_badges(price: FinalPrice) -> tuple[str, ...]:
    badges = []
    if price.deal is not None:
        badges.append("Deal")
    if price.was and price.was > price.amount:
        saving = round(100 * (1 - price.amount / price.was))
        badges.append(f"Save {saving}%")
    return tuple(badges)


def _badges(facts: CardFacts, price: FinalPrice, summary: ReviewSummary, now: datetime) -> tuple[str, ...]:
    badges = list(_price_badges(price))
    if (summary.average or 0) >= TOP_RATED[0] and summary.count >= TOP_RATED[1]:
        badges.append("Top rated")
    if now - facts.created_at < NEW_FOR:
        badges.append("New")
    return tuple(badges)


def _stocked(facts: CardFacts, stock: dict[int, list[Any]]) -> set[int]:
    return {v.variant_id for v in facts.variants if any(level.available > 0 for level in stock.get(v.variant_id, []))}
