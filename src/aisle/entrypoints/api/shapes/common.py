"""Shapes shared by several answers: a price as shoppers see it, a product card, a category reference."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from aisle.domain.categories import Category
from aisle.domain.pricing import FinalPrice
from aisle.services.search.results import ProductCard as CardResult

Wired = dict[str, Any]  # an answer (or a part of one) as it goes on the wire


class Wire(BaseModel):
    """An answer's documented shape: a field the model does not name is a bug, not data."""

    model_config = ConfigDict(extra="forbid")


def json_response(body: Wired | list[Any], status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


class DealShown(Wire):
    name: str
    ends_at: str


class PriceShown(Wire):
    amount: float
    currency: str
    was: float | None = Field(description="The compare-at price, when higher")
    deal: DealShown | None


def optional_number(amount: Any) -> float | None:
    """An amount (a Decimal, say) as a JSON number, or null."""
    return None if amount is None else float(amount)


def price_shown(price: FinalPrice) -> Wired:
    deal = price.deal
    return {
        "amount": float(price.amount),
        "currency": "USD",
        "was": None if price.was is None or price.was <= price.amount else float(price.was),
        "deal": None if deal is None else {"name": deal.name, "ends_at": deal.ends_at.isoformat()},
    }


class RatingShown(Wire):
    avg: float | None
    count: int


class ProductCard(Wire):
    product_id: str
    title: str
    brand: str | None
    price: PriceShown
    rating: RatingShown
    thumbnail_url: str | None
    image: dict[str, Any] | None = Field(
        description="The gallery's first image: {url}, or an uploaded image; with attr filters, the chosen variant's"
    )
    badges: list[str]
    in_stock: bool
    variant_count: int
    price_varies: bool = Field(
        False, description='Its variants sell at several prices: price is the lowest, a "from" price'
    )
    variant_id: str | None = Field(
        None, description="With attr filters: the variant whose price the card shows (open the product page on it)"
    )


def card_shown(card: CardResult) -> Wired:
    return {
        "product_id": str(card.product_id),
        "title": card.title,
        "brand": card.brand,
        "price": price_shown(card.price),
        "rating": {"avg": card.rating_average, "count": card.rating_count},
        "thumbnail_url": card.thumbnail_url,
        "image": card.image,
        "badges": list(card.badges),
        "in_stock": card.in_stock,
        "variant_count": card.variant_count,
        "price_varies": card.price_varies,
        "variant_id": None if card.variant_id is None else str(card.variant_id),
    }


class CategoryRef(Wire):
    id: str
    name: str
    path: str


def category_ref(category: Category) -> Wired:
    return {"id": str(category.category_id), "name": category.name, "path": category.path}
