"""The product page's view: the PDP read model plus the chosen variant, the gallery and a page of reviews."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from aisle.entrypoints.api.shapes.product_page import page_shown
from aisle.entrypoints.numbers import page_number
from aisle.entrypoints.web import images
from aisle.services.pdp import ProductPageService
from aisle.services.reviews import ReviewService

REVIEWS_PER_PAGE = 5


PICTURES_SHOWN = 8  # a page shows a product's first pictures, one at a time, with a thumbnail each


def variant_label(variant: dict[str, Any]) -> str:
    values = [str(v) for v in (variant.get("attributes") or {}).values() if v not in (None, "")]
    return " / ".join(values) or variant["sku"]


def product_context(
    pdp: ProductPageService, reviews: ReviewService, product_id: int, query: QueryParams
) -> dict[str, Any]:
    page = page_shown(pdp.page(product_id))
    variants = page["variants"]
    by_id = {v["variant_id"]: v for v in variants}
    chosen = by_id.get(query.get("variant", "")) or _like(variants, by_id.get(query.get("pictured", "")))
    chosen = chosen or _cheapest_in_stock(variants)
    reviews_page = page_number(query.get("reviews_page"), 10_000)
    listed = reviews.list(product_id, reviews_page, REVIEWS_PER_PAGE)
    if not listed.items and listed.total:  # past the last page (an old link, a typed number): the last one
        reviews_page = -(-listed.total // REVIEWS_PER_PAGE)
        listed = reviews.list(product_id, reviews_page, REVIEWS_PER_PAGE)
    summary = page["reviews_summary"]
    most = max(summary["distribution"].values(), default=0) or 1
    gallery = _gallery(page["images"], chosen["variant_id"])[:PICTURES_SHOWN]
    return {
        "p": page,
        "chosen": chosen,
        "variant_label": variant_label,
        "gallery": gallery,
        "picture_of": _first_pictures(gallery),
        "picture_at": page_number(query.get("picture"), PICTURES_SHOWN) - 1,  # picture=2 opens on the second one
        "reviews": listed.items,
        "reviews_total": listed.total,
        "reviews_page": reviews_page,
        "reviews_pages": max(1, -(-listed.total // REVIEWS_PER_PAGE)),
        "bars": [(int(stars), n, round(100 * n / most)) for stars, n in summary["distribution"].items()],
        "reviewed": query.get("reviewed") == "1",
        "review_errors": {},
        "review_form": {},
    }


def _like(variants: list[dict[str, Any]], pictured: dict[str, Any] | None) -> dict[str, Any] | None:
    """The variant a search card pictured (``?pictured=``), or, when that one is sold out, the variant in stock
    most like it: the same first attribute (the colour, as sellers list it before the size), then the next. Still
    the pictured one when none in stock shares any: the shopper sees that what they clicked is sold out."""
    if pictured is None or _in_stock(pictured):
        return pictured
    wanted = list((pictured.get("attributes") or {}).items())

    def likeness(variant: dict[str, Any]) -> tuple[bool, ...]:
        has = variant.get("attributes") or {}
        return tuple(has.get(name) == value for name, value in wanted)

    in_stock = [v for v in variants if _in_stock(v)]
    best = max(in_stock, key=likeness, default=None)
    return best if best is not None and any(likeness(best)) else pictured


def _cheapest_in_stock(variants: list[dict[str, Any]]) -> dict[str, Any]:
    """The variant a search card shows the price of: the cheapest in stock (the first listed of equals), else the
    first listed."""
    in_stock = [v for v in variants if _in_stock(v)]
    return min(in_stock, key=lambda v: v["price"]["amount"]) if in_stock else variants[0]


def _in_stock(variant: dict[str, Any]) -> bool:
    return bool(variant["inventory"]["status"] != "OUT_OF_STOCK")


def _first_pictures(gallery: list[Any]) -> dict[str, int]:
    """Where in the gallery each variant's first own picture is: choosing the variant shows it."""
    found: dict[str, int] = {}
    for at, image in enumerate(gallery):
        if isinstance(image, dict) and image.get("variant_id") is not None:
            found.setdefault(str(image["variant_id"]), at)
    return found


def _gallery(product_images: list[Any], variant_id: str) -> list[Any]:
    """The chosen variant's own pictures first, then the product's; only images that can be shown."""
    shown = [image for image in product_images if images.source_of(image) is not None]

    def belongs_elsewhere(image: Any) -> bool:
        owner = image.get("variant_id") if isinstance(image, dict) else None
        return owner is not None and str(owner) != variant_id

    def position(image: Any) -> int:
        return int(image.get("position") or 0) if isinstance(image, dict) else 0

    return sorted(shown, key=lambda image: (belongs_elsewhere(image), position(image)))
