"""How search results and facets are shown: the seed's response shape."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aisle.domain.catalog import Product
from aisle.domain.categories import Category
from aisle.domain.pricing import FinalPrice
from aisle.domain.reviews import ReviewSummary
from aisle.domain.search.document import attribute_key
from aisle.services.media import thumbnail_of
from aisle.services.search.engine import Facets, Filters

NEW_FOR = timedelta(days=30)
TOP_RATED = (4.5, 5)  # average at least 4.5 from at least 5 reviews


def result_view(
    product: Product,
    summary: ReviewSummary | None,
    prices: dict[int, FinalPrice],
    in_stock: bool,
    now: datetime,
    gallery: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One product, at the lowest price any of its variants sells for now (deals applied). ``gallery`` is the
    product's images as services.media shows them (by default its external URLs)."""
    content = product.content
    gallery = gallery if gallery is not None else [{"url": url} for url in content.images]
    cheapest = min((prices[v.variant_id] for v in content.variants if v.variant_id in prices), key=lambda p: p.amount)
    summary = summary or ReviewSummary()
    return {
        "product_id": str(product.product_id),
        "title": content.title,
        "brand": content.brand,
        "price": price_view(cheapest),
        "rating": {"avg": summary.average, "count": summary.count},
        "thumbnail_url": thumbnail_of(gallery),
        "image": gallery[0] if gallery else None,
        "badges": _badges(product, cheapest, summary, now),
        "in_stock": in_stock,
        "variant_count": len(content.variants),
    }


def price_view(price: FinalPrice) -> dict[str, Any]:
    return {
        "amount": float(price.amount),
        "currency": "USD",
        "was": None if price.was is None or price.was <= price.amount else float(price.was),
        "deal": None if price.deal is None else {"name": price.deal.name, "ends_at": price.deal.ends_at.isoformat()},
    }


def _badges(product: Product, price: FinalPrice, summary: ReviewSummary, now: datetime) -> list[str]:
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
    return badges


def facets_view(facets: Facets, filters: Filters, categories: dict[int, Category]) -> dict[str, Any]:
    chosen_brands = {b.casefold() for b in filters.brands}
    return {
        "brands": [{"name": b, "count": n, "selected": b.casefold() in chosen_brands} for b, n in facets.brands],
        "categories": _category_facet(facets, filters, categories),
        "price_ranges": [_price_bucket(low, high, n, filters) for low, high, n in facets.price_ranges],
        "ratings": [
            {
                "name": f"{stars}★ & up",
                "min": stars,
                "label": f"{stars}★ & up",
                "count": n,
                "selected": filters.rating_min == stars,
            }
            for stars, n in facets.ratings
        ],
        "attributes": _attribute_facet(facets, filters),
    }


def _attribute_facet(facets: Facets, filters: Filters) -> dict[str, list[dict[str, Any]]]:
    chosen = {attribute_key(name, value) for name, value in filters.attributes}
    return {
        name: [{"name": v, "count": n, "selected": attribute_key(name, v) in chosen} for v, n in values]
        for name, values in facets.attributes.items()
    }


def _category_facet(facets: Facets, filters: Filters, categories: dict[int, Category]) -> list[dict[str, Any]]:
    """The children of the chosen category (or the roots), so the shopper can narrow one level at a time."""
    parent = filters.category_id
    return [
        {"id": str(cid), "name": categories[cid].name, "path": categories[cid].path, "count": n, "selected": False}
        for cid, n in facets.categories
        if cid in categories and categories[cid].parent_id == parent
    ]


def _price_bucket(low: float | None, high: float | None, count: int, filters: Filters) -> dict[str, Any]:
    if low is None:
        label = f"Under ${high:,.0f}"
    elif high is None:
        label = f"${low:,.0f} & above"
    else:
        label = f"${low:,.0f} – ${high:,.0f}"  # noqa: RUF001 - an en dash is right for a range
    selected = _same(filters.price_min, low) and _same(filters.price_max, high)
    return {"name": label, "min": low, "max": high, "label": label, "count": count, "selected": selected}


def _same(chosen: Any, edge: float | None) -> bool:
    return (chosen is None and edge is None) or (chosen is not None and edge is not None and float(chosen) == edge)
