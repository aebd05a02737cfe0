"""The shopper API: product pages, reviews and the category tree. Only ACTIVE products exist for shoppers."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import Field

from aisle.entrypoints import metrics
from aisle.entrypoints.api.conditional import NOT_MODIFIED, revalidated_json
from aisle.entrypoints.api.dependencies import (
    CatalogDep,
    PdpDep,
    ProductId,
    ReviewsDep,
    client_address,
    internal_caller,
    product_review_allowed,
    review_allowed,
)
from aisle.entrypoints.api.json_body import UniqueKeysRoute
from aisle.entrypoints.api.responses import Responses
from aisle.entrypoints.api.schemas import ReviewIn, ReviewList, ReviewOut, review_out
from aisle.entrypoints.api.shapes.categories import CategoryTree, node_shown
from aisle.entrypoints.api.shapes.product_page import ProductPage, page_shown
from aisle.services.input_model import IdText, InputModel, VisibleText

router = APIRouter(route_class=UniqueKeysRoute, prefix="/api/v1", tags=["shop"])
NOT_FOUND: Responses = {404: {"description": "No such product, or it is not on sale"}}


@router.get("/products/{product_id}", response_model=ProductPage, responses={**NOT_FOUND, **NOT_MODIFIED})
def product_page(product_id: ProductId, pdp: PdpDep, request: Request) -> Response:
    """The product detail page: variants with price, seller, review summary with distribution, related products.
    With an ETag: send it back in If-None-Match for a 304 while the page is unchanged."""
    started = time.perf_counter()
    page, cached = pdp.page_and_source(product_id)
    metrics.PDP_LATENCY.labels("hit" if cached else "miss").observe(time.perf_counter() - started)
    return revalidated_json(request, page_shown(page))


@router.post(
    "/products/{product_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewOut,
    dependencies=[Depends(review_allowed)],
    responses={
        **NOT_FOUND,
        409: {"description": "This reviewer (order, else client address) has already reviewed the product"},
        422: {"description": "Invalid rating or text, or an order checkout did not confirm for this product"},
        429: {"description": "Too many reviews from this client or for this product; see Retry-After"},
    },
)
def add_review(product_id: ProductId, body: ReviewIn, reviews: ReviewsDep, request: Request) -> ReviewOut:
    """One review per reviewer per product. With an `order_id` that checkout confirmed, the review is verified."""
    product_review_allowed(request, product_id)
    client = client_address(request)
    review = reviews.add(product_id, body.rating, body.title, body.body, body.author, client, body.order_id)
    return review_out(review)


class OrderConfirmationIn(InputModel):
    order_id: Annotated[str, Field(min_length=1, max_length=100), VisibleText]
    product_ids: list[IdText] = Field(min_length=1, max_length=500)


@router.post(
    "/orders/confirmations",
    tags=["internal"],
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(internal_caller)],
    responses={
        401: {"description": "Needs the internal token"},
        422: {"description": "Invalid fields, or a product the catalog never had"},
    },
)
def confirm_order(body: OrderConfirmationIn, reviews: ReviewsDep) -> dict[str, Any]:
    """Checkout records that an order bought these products; reviews naming the order become verified."""
    reviews.confirm_order(body.order_id, [int(p) for p in body.product_ids])
    return {"order_id": body.order_id, "product_ids": body.product_ids}


@router.get("/products/{product_id}/reviews", response_model=ReviewList, responses=NOT_FOUND)
def list_reviews(
    product_id: ProductId,
    reviews: ReviewsDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ReviewList:
    result = reviews.list(product_id, page, page_size)
    return ReviewList(items=[review_out(r) for r in result.items], total=result.total, page=page, page_size=page_size)


@router.get("/categories", response_model=CategoryTree, responses=NOT_MODIFIED)
def categories(catalog: CatalogDep, request: Request) -> Response:
    """The category tree, roots first; product_count counts ACTIVE products in the category and below. With an
    ETag, as the product page."""
    return revalidated_json(request, {"categories": [node_shown(node) for node in catalog.category_tree()]})
