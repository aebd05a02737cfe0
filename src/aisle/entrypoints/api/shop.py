"""The shopper API: product pages, reviews and the category tree. Only ACTIVE products exist for shoppers."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from aisle.entrypoints import metrics
from aisle.entrypoints.api.dependencies import CatalogDep, PdpDep, ProductId, ReviewsDep, json_response
from aisle.entrypoints.api.responses import CategoryTree, ProductPage, Responses, ok
from aisle.entrypoints.api.schemas import ReviewIn, ReviewList, ReviewOut, review_out

router = APIRouter(prefix="/api/v1", tags=["shop"])
NOT_FOUND: Responses = {404: {"description": "No such product, or it is not on sale"}}


@router.get("/products/{product_id}", responses={**NOT_FOUND, 200: ok(ProductPage)})
def product_page(product_id: ProductId, pdp: PdpDep) -> Response:
    """The product detail page: variants with price, seller, review summary with distribution, related products."""
    started = time.perf_counter()
    page, cached = pdp.page_and_source(product_id)
    metrics.PDP_LATENCY.labels("hit" if cached else "miss").observe(time.perf_counter() - started)
    return json_response(page)


@router.post(
    "/products/{product_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewOut,
    responses={**NOT_FOUND, 422: {"description": "Invalid rating or text"}},
)
def add_review(product_id: ProductId, body: ReviewIn, reviews: ReviewsDep) -> ReviewOut:
    review = reviews.add(product_id, body.rating, body.title, body.body, body.author)
    return review_out(review)


@router.get("/products/{product_id}/reviews", response_model=ReviewList, responses=NOT_FOUND)
def list_reviews(
    product_id: ProductId,
    reviews: ReviewsDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ReviewList:
    result = reviews.list(product_id, page, page_size)
    return ReviewList(items=[review_out(r) for r in result.items], total=result.total, page=page, page_size=page_size)


@router.get("/categories", response_model=None, responses={200: ok(CategoryTree)})
def categories(catalog: CatalogDep) -> dict[str, Any]:
    """The category tree, roots first; product_count counts ACTIVE products in the category and below."""
    return {"categories": catalog.category_tree()}
