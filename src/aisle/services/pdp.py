"""The product detail page: one read model assembled from catalog, seller, reviews and categories, cache-aside."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.categories import Category, ancestors_path
from aisle.domain.errors import NotFound
from aisle.domain.inventory import Availability, StockLevel
from aisle.domain.pricing import FinalPrice
from aisle.domain.reviews import ReviewSummary
from aisle.services.buybox import BuyBox, BuyBoxes
from aisle.services.cache_codec import CacheCodec
from aisle.services.cache_guard import Entry, Guard, InvalidationGuard
from aisle.services.cache_lookups import CacheLookups
from aisle.services.media import MediaUrls
from aisle.services.ports import Cache, UnitOfWorkFactory
from aisle.services.search.results import ProductCard

PDP_TTL_SECONDS = 600
PRICE_TTL_SECONDS = 60


class RelatedProducts(Protocol):
    def related_to(self, product: Product, limit: int) -> Sequence[ProductCard]: ...


@dataclass(frozen=True)
class VariantOnPage:
    variant_id: int
    sku: str
    attributes: dict[str, str]
    price: FinalPrice
    availability: Availability


@dataclass(frozen=True)
class SellerOnPage:
    seller_id: int
    name: str | None  # None: the seller's account is gone
    rating: float | None


@dataclass(frozen=True)
class ProductPage:
    """What a shopper sees of one ACTIVE product: its content, live prices and stock, and what surrounds it."""

    product_id: int
    version: int
    title: str
    description: str
    brand: str | None
    category_path: tuple[Category, ...]  # from the root down to the product's category
    attributes: dict[str, Any]
    gtin: str | None
    images: list[dict[str, Any]]  # the gallery, as services.media shows it
    variants: tuple[VariantOnPage, ...]
    seller: SellerOnPage
    reviews: ReviewSummary
    buy_box: BuyBox
    related: tuple[ProductCard, ...]
    updated_at: datetime

    @property
    def price_range(self) -> tuple[Decimal, Decimal]:
        amounts = [v.price.amount for v in self.variants]
        return min(amounts), max(amounts)

    @property
    def has_deal(self) -> bool:
        return any(v.price.deal is not None for v in self.variants)

    def offers_shown(self) -> set[int]:
        """The listings its buy box names."""
        box = self.buy_box
        return {s.offer.product_id for s in [*([box.winner] if box.winner else []), *box.other_offers]}

    def others_shown(self) -> set[int]:
        """The other products the page shows: in its buy box, and among the related products."""
        return (self.offers_shown() | {card.product_id for card in self.related}) - {self.product_id}


_CODEC = CacheCodec(ProductPage)


def pdp_cache_key(product_id: int) -> str:
    return f"pdp:{product_id}"


def _mentions_key(product_id: int) -> str:
    # The pages that show this product (in a buy box, or as a related product), as strings.
    return f"pdp-showing-pages:{product_id}"


VERSIONS_LOOKED_AT = 20  # for one that was on sale, before a product taken off sale is named to shoppers


@dataclass(frozen=True)
class GoneListing:
    title: str
    category: Category | None


class ProductPageService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        cache: Cache,
        related: RelatedProducts,
        categories: Callable[[], dict[int, Category]],
        availability: Callable[[Sequence[StockLevel]], Availability],
        prices: Callable[[Sequence[Product]], dict[int, FinalPrice]],
        buy_boxes: BuyBoxes,
        media: MediaUrls | None = None,
        lookups: CacheLookups | None = None,
        guard: Guard | None = None,
    ) -> None:
        self._media = media or MediaUrls()
        self._lookups = lookups or CacheLookups()
        self._availability = availability
        self._prices = prices
        self._buy_boxes = buy_boxes
        self._uow = uow_factory
        self._cache = cache
        self._related = related
        self._categories = categories
        self._guard = guard or InvalidationGuard(cache)  # a page loaded before a product it shows changed is not cached

    def page(self, product_id: int) -> ProductPage:
        return self.page_and_source(product_id)[0]

    def page_and_source(self, product_id: int) -> tuple[ProductPage, bool]:
        """The page, and whether it came from the cache."""
        key = pdp_cache_key(product_id)
        cached = _CODEC.load(self._cache.get(key))
        self._lookups.record("pdp", hits=int(cached is not None), misses=int(cached is None))
        if cached is not None:
            return cached, True
        with self._guard.loading() as keep:
            page = self._assemble(product_id)
            self._remember_mentions(page)
            # A deal ends on the clock, with no event to drop the page: pages with a deal live as long as a price may.
            ttl = PRICE_TTL_SECONDS if page.has_deal else PDP_TTL_SECONDS
            keep([Entry(key, page, ttl, built_from=(page.product_id, *page.others_shown()))])
        return page, False

    def no_longer_listed(self, product_id: int) -> GoneListing | None:
        """What a shopper following an old link to a product taken off sale may be told: its title and category.
        None for a product that never was, or was never on sale (a draft, deleted or set inactive before it was
        ever published: its title is the seller's to keep), as far as its last VERSIONS_LOOKED_AT versions say."""
        with self._uow(readonly=True) as uow:
            product = uow.products.get(product_id)
            if product is None or product.status not in (ProductStatus.DELETED, ProductStatus.INACTIVE):
                return None
            earlier = range(product.version - 1, max(product.version - 1 - VERSIONS_LOOKED_AT, 0), -1)
            if not any((uow.products.snapshot(product_id, v) or {}).get("status") == "ACTIVE" for v in earlier):
                return None
        content = product.content
        path = ancestors_path(self._categories(), content.category_id) if content.category_id else []
        return GoneListing(content.title, path[-1] if path else None)

    def forget(self, product_ids: Sequence[int]) -> None:
        """Drops the products' pages, the pages that show them (in their buy box or among related products: a
        deleted product must not stay linked, a renamed one not keep its old title), and those of the listings
        they share a buy box with now: a new offer of the same GTIN belongs on pages that never mentioned it. In a
        few round trips however many products changed (a deal over a category changes thousands)."""
        if not product_ids:
            return
        mentions = self._cache.get_many([_mentions_key(pid) for pid in product_ids])
        mentioned_by = {int(pid) for found in mentions for pid in found or []}
        sharing = self._sharing_a_buy_box(product_ids)
        keys = tuple(pdp_cache_key(pid) for pid in {*product_ids, *mentioned_by, *sharing})
        self._guard.forget(product_ids, lambda: self._cache.delete(*keys))

    def _sharing_a_buy_box(self, product_ids: Sequence[int]) -> set[int]:
        with self._uow(readonly=True) as uow:
            products = uow.products.get_many(product_ids)
            shared = [p for p in products if p.content.gtin or p.content.canonical_product_id]
            return {offer.product_id for offer in uow.products.offers_for(shared)} if shared else set()

    def _remember_mentions(self, page: ProductPage) -> None:
        """Before the page is stored: a change to a product it shows, once it has read this, drops the page."""
        for other in page.others_shown():
            self._cache.add_to_list(_mentions_key(other), [str(page.product_id)], PDP_TTL_SECONDS)

    def _assemble(self, product_id: int) -> ProductPage:
        with self._uow(readonly=True) as uow:
            product = uow.products.get(product_id)
            if product is None or product.status is not ProductStatus.ACTIVE:
                raise NotFound("product", product_id)
            seller = uow.sellers.get(product.seller_id)
            summary = uow.reviews.summary(product_id)
            stock = uow.inventory.levels([v.variant_id for v in product.content.variants if v.variant_id])
            buy_box = self._buy_boxes.for_product(uow, product)
            uploaded = uow.images.for_products([product_id]).get(product_id, [])
        content = product.content
        prices = self._prices([product])
        path = ancestors_path(self._categories(), content.category_id) if content.category_id else []
        return ProductPage(
            product_id=product.product_id,
            version=product.version,
            title=content.title,
            description=content.description,
            brand=content.brand,
            category_path=tuple(path),
            attributes=dict(content.attributes),
            gtin=content.gtin,
            images=self._media.gallery(product, uploaded, ready_only=True),
            variants=tuple(
                VariantOnPage(
                    variant_id=v.variant_id or 0,
                    sku=v.sku,
                    attributes=dict(v.attributes),
                    price=prices[v.variant_id or 0],
                    availability=self._availability(stock.get(v.variant_id or 0, [])),
                )
                for v in content.variants
            ),
            seller=SellerOnPage(product.seller_id, seller.name if seller else None, seller.rating if seller else None),
            reviews=summary,
            buy_box=buy_box,
            related=tuple(self._related.related_to(product, limit=8)),
            updated_at=product.updated_at,
        )
