"""The product detail page: one read model assembled from catalog, seller, reviews and categories, cache-aside."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from aisle.domain.catalog import Product, ProductStatus, Variant
from aisle.domain.categories import Category, ancestors_path
from aisle.domain.errors import NotFound
from aisle.domain.inventory import Availability, StockLevel
from aisle.domain.pricing import FinalPrice
from aisle.services.buybox import BuyBoxes
from aisle.services.cache_lookups import CacheLookups
from aisle.services.media import MediaUrls
from aisle.services.ports import Cache, UnitOfWorkFactory
from aisle.services.search.presenting import price_view

PDP_TTL_SECONDS = 600
PRICE_TTL_SECONDS = 60


class RelatedProducts(Protocol):
    def related_to(self, product: Product, limit: int) -> Sequence[dict[str, Any]]: ...


def pdp_cache_key(product_id: int) -> str:
    return f"pdp:{product_id}"


def _mentions_key(product_id: int) -> str:
    return f"pdp-mentioned-by:{product_id}"


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

    def page(self, product_id: int) -> dict[str, Any]:
        return self.page_and_source(product_id)[0]

    def page_and_source(self, product_id: int) -> tuple[dict[str, Any], bool]:
        """The page, and whether it came from the cache."""
        key = pdp_cache_key(product_id)
        cached = self._cache.get(key)
        self._lookups.record("pdp", hits=int(cached is not None), misses=int(cached is None))
        if cached is not None:
            return cached, True
        page = self._assemble(product_id)
        # A deal ends on the clock, with no event to drop the page: pages with a deal live as long as a price may.
        has_deal = any(v["price"]["deal"] for v in page["variants"])
        self._remember_mentions(page)
        self._cache.set(key, page, PRICE_TTL_SECONDS if has_deal else PDP_TTL_SECONDS)
        return page, False

    def forget(self, product_id: int) -> None:
        """Drops the product's page, and the pages of other listings whose buy box shows it."""
        mentioned_by = self._cache.get(_mentions_key(product_id)) or []
        self._cache.delete(pdp_cache_key(product_id), *(pdp_cache_key(int(pid)) for pid in mentioned_by))

    def _remember_mentions(self, page: dict[str, Any]) -> None:
        box = page["buy_box"]
        shown = {offer["product_id"] for offer in [box["winner"], *box["other_offers"]] if offer}
        for other in shown - {page["product_id"]}:
            known = self._cache.get(_mentions_key(int(other))) or []
            self._cache.set(_mentions_key(int(other)), sorted({*known, page["product_id"]}), PDP_TTL_SECONDS)

    def _assemble(self, product_id: int) -> dict[str, Any]:
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
        return {
            "product_id": str(product.product_id),
            "version": product.version,
            "title": content.title,
            "description": content.description,
            "brand": content.brand,
            "category_path": [{"id": str(c.category_id), "name": c.name} for c in path],
            "attributes": dict(content.attributes),
            "gtin": content.gtin,
            "images": self._media.gallery(product, uploaded, ready_only=True),
            "variants": [
                _variant_view(v, prices[v.variant_id or 0], self._availability(stock.get(v.variant_id or 0, [])))
                for v in content.variants
            ],
            "price_range": _price_range([prices[v.variant_id or 0].amount for v in content.variants]),
            "seller": {
                "id": str(product.seller_id),
                "name": seller.name if seller else None,
                "rating": seller.rating if seller else None,
            },
            "reviews_summary": summary.as_dict(),
            "buy_box": buy_box,
            "related_products": list(self._related.related_to(product, limit=8)),
            "updated_at": product.updated_at.isoformat(),
        }


def _variant_view(variant: Variant, price: FinalPrice, stock: Availability) -> dict[str, Any]:
    return {
        "variant_id": str(variant.variant_id),
        "sku": variant.sku,
        "attributes": dict(variant.attributes),
        "price": price_view(price),
        "inventory": {"status": stock.status, "quantity_hint": stock.quantity_hint},
    }


def _price_range(prices: Sequence[Decimal]) -> dict[str, Any]:
    return {"min": float(min(prices)), "max": float(max(prices)), "currency": "USD"}
