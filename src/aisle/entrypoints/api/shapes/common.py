"""Shapes shared by several answers: a price as shoppers see it, a product card, a category reference."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from aisle.domain.categories import Category
from aisle.domain.pricing import FinalPrice
from aisle.services.search.results import ProductCard as CardResult


class Wire(BaseModel):
    """An answer's shape. Built by a presenter, so a field the model does not name is a bug, not data."""

    model_config = ConfigDict(extra="forbid")


def as_wire(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(by_alias=True)


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """Serialized once by orjson; the route declares the model as its ``response_model`` for the document."""
    return Response(orjson.dumps(as_wire(model)), status_code=status_code, media_type="application/json")


class DealShown(Wire):
    name: str
    ends_at: str


class PriceShown(Wire):
    amount: float
    currency: str
    was: float | None = Field(description="The compare-at price, when higher")
    deal: DealShown | None


def price_shown(price: FinalPrice) -> PriceShown:
    deal = price.deal
    return PriceShown(
        amount=float(price.amount),
        currency="USD",
        was=None if price.was is None or price.was <= price.amount else float(price.was),
        deal=None if deal is None else DealShown(name=deal.name, ends_at=deal.ends_at.isoformat()),
    )


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
    image: dict[str, Any] | None = Field(description="The first image of the gallery: {url} or an uploaded image")
    badges: list[str]
    in_stock: bool
    variant_count: int


def card_shown(card: CardResult) -> ProductCard:
    return ProductCard(
        product_id=str(card.product_id),
        title=card.title,
        brand=card.brand,
        price=price_shown(card.price),
        rating=RatingShown(avg=card.rating_average, count=card.rating_count),
        thumbnail_url=card.thumbnail_url,
        image=card.image,
        badges=list(card.badges),
        in_stock=card.in_stock,
        variant_count=card.variant_count,
    )


class CategoryRef(Wire):
    id: str
    name: str
    path: str


def category_ref(category: Category) -> CategoryRef:
    return CategoryRef(id=str(category.category_id), name=category.name, path=category.path)
