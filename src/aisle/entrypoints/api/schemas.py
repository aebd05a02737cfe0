"""Response shapes (they are what /docs shows) and the functions that render domain objects into them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from aisle.domain.catalog import Product, Variant
from aisle.domain.reviews import Review
from aisle.domain.versions import MAX_VERSION
from aisle.services.bulk import next_errors_offset
from aisle.services.input_model import InputModel, VisibleText
from aisle.services.ports import BulkJob, VersionInfo


class VariantOut(BaseModel):
    variant_id: str
    sku: str
    price: float
    compare_price: float | None
    currency: str = "USD"
    attributes: dict[str, str]
    weight_grams: int | None


class UploadedImageOut(BaseModel):
    """An image uploaded to aisle; ``urls`` (thumbnails by longest side, and the cleaned original) once READY."""

    image_id: str
    status: Literal["PENDING", "READY", "REJECTED"]
    alt_text: str
    position: int
    variant_id: str | None
    urls: dict[Literal["150", "300", "600", "1200", "original"], str] | None = None
    width: int | None = Field(None, description="Of the original after orientation, once READY")
    height: int | None = None
    reason: str | None = Field(None, description="Why it was REJECTED")


class ExternalImageOut(BaseModel):
    """An image URL given in the product JSON (served from elsewhere)."""

    url: str


class ProductOut(BaseModel):
    product_id: str
    seller_id: str
    version: int
    status: str
    title: str
    description: str
    brand: str | None
    category_id: str | None
    images: list[UploadedImageOut | ExternalImageOut] = Field(
        description="Uploaded images by position (with status and urls), then the external image URLs"
    )
    attributes: dict[str, Any]
    gtin: str | None
    canonical_product_id: str | None = Field(None, description="The other seller's product this one is an offer of")
    variants: list[VariantOut]
    created_at: datetime
    updated_at: datetime


class ProductList(BaseModel):
    items: list[ProductOut]
    total: int
    page: int
    page_size: int
    next_after: str | None = Field(None, description="Give it as after= for the next page; null on the last page")


class VersionOut(BaseModel):
    version: int
    created_at: datetime
    actor: str = Field(description="Who made the change: seller:<id>, bulk:<job id> or import")
    event: str = Field(
        description="What the change was: product.created, product.updated, price.changed (only prices changed), "
        "product.rolled_back or product.deleted"
    )


class RollbackIn(InputModel):
    version: int = Field(ge=1, le=MAX_VERSION, strict=True)


class JobOut(BaseModel):
    job_id: str
    status: str = Field(
        description="QUEUED, RUNNING or DONE; FAILED when the job stopped on an error of its own (failure_reason "
        "says which), its unprocessed lines left as they were"
    )
    total: int
    processed: int
    succeeded: int
    failed: int
    created_at: datetime
    finished_at: datetime | None
    errors: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Per-line errors: line (1-based), field, reason; of up to 1,000 failed lines from errors_offset",
    )
    errors_next_offset: int | None = Field(
        None, description="The errors_offset that shows the next failed lines; null when none is left to show"
    )
    failure_reason: str | None = Field(None, description="Why a FAILED job stopped; null otherwise")


class ReviewIn(InputModel):
    """A shopper's review: a rating, and a title or a body (at least one of them with words; 422 on ``body``
    otherwise)."""

    rating: int = Field(ge=1, le=5, strict=True)
    title: str = Field("", max_length=200, description="Optional when the body has words")
    body: str = Field("", max_length=5000, description="Optional when the title has words")
    author: str = Field("", max_length=100)
    order_id: Annotated[str, VisibleText] | None = Field(
        None, min_length=1, max_length=100, description="An order checkout confirmed: the review shows as verified"
    )


class ReviewOut(BaseModel):
    review_id: str
    rating: int
    title: str
    body: str
    author: str
    created_at: datetime
    generated: bool = Field(description="True when a data generator wrote it, not a shopper")
    verified: bool = Field(False, description="True when the reviewer's order was confirmed by checkout")


class ReviewList(BaseModel):
    items: list[ReviewOut]
    total: int
    page: int
    page_size: int


class NewSellerIn(InputModel):
    name: str = Field(min_length=1, max_length=200)


def product_out(product: Product, gallery: list[dict[str, Any]] | None = None) -> ProductOut:
    """``gallery``: the product's images as services.media shows them (by default only its external URLs)."""
    c = product.content
    return ProductOut(
        product_id=str(product.product_id),
        seller_id=str(product.seller_id),
        version=product.version,
        status=c.status.value,
        title=c.title,
        description=c.description,
        brand=c.brand,
        category_id=None if c.category_id is None else str(c.category_id),
        images=gallery if gallery is not None else [{"url": url} for url in c.images],
        attributes=dict(c.attributes),
        gtin=c.gtin,
        canonical_product_id=None if c.canonical_product_id is None else str(c.canonical_product_id),
        variants=[variant_out(v) for v in c.variants],
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def variant_out(v: Variant) -> VariantOut:
    return VariantOut(
        variant_id=str(v.variant_id),
        sku=v.sku,
        price=float(v.price),
        compare_price=None if v.compare_price is None else float(v.compare_price),
        attributes=dict(v.attributes),
        weight_grams=v.weight_grams,
    )


def version_out(info: VersionInfo) -> VersionOut:
    return VersionOut(version=info.version, created_at=info.created_at, actor=info.actor, event=info.event)


def job_out(job: BulkJob, errors: list[dict[str, Any]], errors_offset: int = 0) -> JobOut:
    return JobOut(
        job_id=str(job.job_id),
        status=job.status,
        total=job.total,
        processed=job.processed,
        succeeded=job.succeeded,
        failed=job.failed,
        created_at=job.created_at,
        finished_at=job.finished_at,
        errors=errors,
        errors_next_offset=next_errors_offset(job, errors_offset),
        failure_reason=job.failure_reason if job.status == "FAILED" else None,
    )


def review_out(review: Review) -> ReviewOut:
    return ReviewOut(
        review_id=str(review.review_id),
        rating=review.rating,
        title=review.title,
        body=review.body,
        author=review.author,
        created_at=review.created_at,
        generated=review.generated,
        verified=review.verified,
    )
