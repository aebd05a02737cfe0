"""The product page answer (GET /api/v1/products/{id})."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from aisle.domain.buybox import ScoredOffer
from aisle.domain.reviews import ReviewSummary
from aisle.entrypoints.api.shapes.common import PriceShown, ProductCard, Wire, Wired, card_shown, price_shown
from aisle.services.pdp import ProductPage as PageResult
from aisle.services.pdp import VariantOnPage


class StockShown(Wire):
    status: str = Field(description="IN_STOCK, LOW_STOCK or OUT_OF_STOCK")
    quantity_hint: str | None = Field(description='e.g. "Only 3 left", "50+"; none when out of stock')


class VariantShown(Wire):
    variant_id: str
    sku: str
    attributes: dict[str, Any]
    price: PriceShown
    inventory: StockShown


class PriceRange(Wire):
    min: float
    max: float
    currency: str


class SellerShown(Wire):
    id: str
    name: str | None
    rating: float | None


class ReviewsSummary(Wire):
    avg: float | None
    count: int
    verified_count: int
    distribution: dict[str, int] = Field(description="Reviews per star rating, from 5 down to 1")


class OfferShown(Wire):
    product_id: str
    seller: SellerShown
    price: float
    in_stock: bool
    score: float
    why: str = Field(description="Why this offer ranks where it does, in words")


class BuyBox(Wire):
    winner: OfferShown | None
    other_offers: list[OfferShown]


class CategoryStep(Wire):
    id: str
    name: str


class ProductPage(Wire):
    product_id: str
    version: int
    title: str
    description: str
    brand: str | None
    category_path: list[CategoryStep]
    attributes: dict[str, Any]
    gtin: str | None
    images: list[dict[str, Any]] = Field(description="Uploaded images (READY) first, then external {url}s")
    variants: list[VariantShown]
    price_range: PriceRange
    seller: SellerShown
    reviews_summary: ReviewsSummary
    buy_box: BuyBox
    related_products: list[ProductCard]
    updated_at: str


def page_shown(page: PageResult) -> Wired:
    low, high = page.price_range
    box = page.buy_box
    return {
        "product_id": str(page.product_id),
        "version": page.version,
        "title": page.title,
        "description": page.description,
        "brand": page.brand,
        "category_path": [{"id": str(c.category_id), "name": c.name} for c in page.category_path],
        "attributes": page.attributes,
        "gtin": page.gtin,
        "images": page.images,
        "variants": [_variant(v) for v in page.variants],
        "price_range": {"min": float(low), "max": float(high), "currency": "USD"},
        "seller": {"id": str(page.seller.seller_id), "name": page.seller.name, "rating": page.seller.rating},
        "reviews_summary": reviews_summary(page.reviews),
        "buy_box": {
            "winner": None if box.winner is None else _offer(box.winner),
            "other_offers": [_offer(o) for o in box.other_offers],
        },
        "related_products": [card_shown(c) for c in page.related],
        "updated_at": page.updated_at.isoformat(),
    }


def reviews_summary(summary: ReviewSummary) -> Wired:
    return {
        "avg": summary.average,
        "count": summary.count,
        "verified_count": summary.verified_count,
        "distribution": {str(stars): summary.distribution.get(stars, 0) for stars in range(5, 0, -1)},
    }


def _variant(variant: VariantOnPage) -> Wired:
    stock = variant.availability
    return {
        "variant_id": str(variant.variant_id),
        "sku": variant.sku,
        "attributes": variant.attributes,
        "price": price_shown(variant.price),
        "inventory": {"status": stock.status, "quantity_hint": stock.quantity_hint},
    }


def _offer(scored: ScoredOffer) -> Wired:
    offer = scored.offer
    return {
        "product_id": str(offer.product_id),
        "seller": {"id": str(offer.seller_id), "name": offer.seller_name, "rating": offer.seller_rating},
        "price": float(offer.price),
        "in_stock": offer.in_stock,
        "score": scored.score,
        "why": scored.why,
    }
