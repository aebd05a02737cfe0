"""The seller API: a seller reads and changes only its own products (another seller's id answers 404)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.errors import FieldError, InvalidInput
from aisle.domain.ids import ID_PATTERN
from aisle.domain.versions import MAX_VERSION
from aisle.entrypoints.api.dependencies import (
    OVER_WRITE_LIMIT,
    BulkDep,
    CatalogDep,
    IdempotencyKey,
    IfMatch,
    ImagesDep,
    JobIdText,
    ProductId,
    SellerDep,
    VersionNumber,
    WritingSeller,
    current_seller,
    parse_id,
    scoped_key,
)
from aisle.entrypoints.api.json_body import UniqueKeysRoute
from aisle.entrypoints.api.problems import problem
from aisle.entrypoints.api.responses import Responses, VersionDiff, VersionSnapshot, ok
from aisle.entrypoints.api.schemas import (
    JobOut,
    ProductList,
    ProductOut,
    RollbackIn,
    VersionOut,
    job_out,
    product_out,
    version_out,
)
from aisle.services.images import ImageService
from aisle.services.product_input import ProductIn, ProductPatch, ProductReplace

# Authentication comes first, before any path id is read: a caller without a key gets 401, never a hint about ids.
router = APIRouter(
    route_class=UniqueKeysRoute, prefix="/api/v1/seller", tags=["seller"], dependencies=[Depends(current_seller)]
)
PROBLEMS: Responses = {
    401: {"description": "Missing or invalid API key"},
    404: {"description": "No such product for this seller"},
    422: {"description": "Invalid fields (problem+json with errors[])"},
}
WRITE_PROBLEMS: Responses = {
    **PROBLEMS,
    409: {
        "description": "A SKU is already used by another of your products, the product is deleted, or a variant "
        "left out still holds stock or reservations (set it to 0 and let them end first)"
    },
    412: {"description": "If-Match names a stale version; nothing changed"},
    **OVER_WRITE_LIMIT,
    413: {"description": "Body too large"},
}


def _out(images: ImageService, product: Product) -> ProductOut:
    return product_out(product, images.galleries([product])[product.product_id])


def _with_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut, responses=WRITE_PROBLEMS)
def create_product(
    body: ProductIn,
    seller: WritingSeller,
    catalog: CatalogDep,
    images: ImagesDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ProductOut:
    """Lists a product. A retry with the same Idempotency-Key answers with the product the first request created
    (as it is now) rather than a 409 for its SKUs: send one when a timeout or a 503 leaves you unsure it was saved."""
    key = scoped_key(idempotency_key, f"seller:{seller.seller_id}", "CREATE-PRODUCT", "-", body)
    actor = f"seller:{seller.seller_id}"
    product = catalog.create_product(seller.seller_id, body.to_content(), actor=actor, key=key)
    _with_etag(response, product.version)
    response.headers["Location"] = f"/api/v1/seller/products/{product.product_id}"
    return _out(images, product)


@router.get("/products", response_model=ProductList, responses=PROBLEMS)
def list_products(
    seller: SellerDep,
    catalog: CatalogDep,
    images: ImagesDep,
    status_filter: Annotated[
        list[Literal["DRAFT", "ACTIVE", "INACTIVE", "DELETED"]] | None,
        Query(alias="status", description="Repeat to list the products in any of them (`status=ACTIVE&status=DRAFT`)"),
    ] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    after: Annotated[
        str | None,
        Query(
            description="A page's next_after: the products after it, newest first. Unlike page numbers, products "
            "listed or deleted meanwhile shift nothing: a sync that follows next_after sees each product once",
            json_schema_extra={"pattern": ID_PATTERN},
        ),
    ] = None,
) -> ProductList:
    """Your products, newest first, a page at a time: by ``page`` number, or by ``after`` (a cursor) for a walk
    through all of them while they change."""
    wanted = tuple(ProductStatus(s) for s in status_filter or ())
    cursor = None if after is None else parse_id(after, "after")
    if cursor is not None and page != 1:
        raise InvalidInput.single("page", "give either page or after, not both")
    result = catalog.list_products(seller.seller_id, wanted, page, page_size, after=cursor)
    galleries = images.galleries(result.items)
    items = [product_out(p, galleries[p.product_id]) for p in result.items]
    next_after = None if result.next_after is None else str(result.next_after)
    return ProductList(items=items, total=result.total, page=page, page_size=page_size, next_after=next_after)


@router.get("/products/{product_id}", response_model=ProductOut, responses=PROBLEMS)
def get_product(
    product_id: ProductId, seller: SellerDep, catalog: CatalogDep, images: ImagesDep, response: Response
) -> ProductOut:
    product = catalog.get_product(seller.seller_id, product_id)
    _with_etag(response, product.version)
    return _out(images, product)


@router.put("/products/{product_id}", response_model=ProductOut, responses=WRITE_PROBLEMS)
def replace_product(
    product_id: ProductId,
    body: ProductReplace,
    seller: WritingSeller,
    catalog: CatalogDep,
    images: ImagesDep,
    expected: IfMatch,
    response: Response,
) -> ProductOut:
    """Replaces the whole product: fields left out take their defaults, except ``status``, which stays as it is
    (leaving it out never unpublishes a product). The body may be what GET answered, changed: its ids must be
    this product's and yours, its version and times are read only, and uploaded images stay as they are."""
    body.require_same(product_id, seller.seller_id)
    keep_status = "status" not in body.model_fields_set
    product = catalog.replace_product(
        seller.seller_id, product_id, body.to_content(), expected, body.confirm_price_change, keep_status
    )
    _with_etag(response, product.version)
    return _out(images, product)


@router.patch("/products/{product_id}", response_model=ProductOut, responses=WRITE_PROBLEMS)
def patch_product(
    product_id: ProductId,
    body: ProductPatch,
    seller: WritingSeller,
    catalog: CatalogDep,
    images: ImagesDep,
    expected: IfMatch,
    response: Response,
) -> ProductOut:
    product = catalog.edit_product(seller.seller_id, product_id, body.apply, expected, body.confirm_price_change)
    _with_etag(response, product.version)
    return _out(images, product)


@router.delete("/products/{product_id}", response_model=ProductOut, responses=WRITE_PROBLEMS)
def delete_product(
    product_id: ProductId,
    seller: WritingSeller,
    catalog: CatalogDep,
    images: ImagesDep,
    expected: IfMatch,
    response: Response,
) -> ProductOut:
    """Soft delete: the product becomes DELETED (hidden from shoppers); a rollback restores it."""
    product = catalog.delete_product(seller.seller_id, product_id, expected)
    _with_etag(response, product.version)
    return _out(images, product)


@router.get("/products/{product_id}/versions", response_model=list[VersionOut], responses=PROBLEMS)
def list_versions(product_id: ProductId, seller: SellerDep, catalog: CatalogDep) -> list[VersionOut]:
    return [version_out(v) for v in catalog.versions(seller.seller_id, product_id)]


@router.get(
    "/products/{product_id}/versions/{version}", response_model=None, responses={**PROBLEMS, 200: ok(VersionSnapshot)}
)
def get_version(
    product_id: ProductId, version: VersionNumber, seller: SellerDep, catalog: CatalogDep
) -> dict[str, Any]:
    """The product's content as it was at that version."""
    return {"version": version, "product": catalog.version(seller.seller_id, product_id, version)}


@router.get("/products/{product_id}/diff", response_model=None, responses={**PROBLEMS, 200: ok(VersionDiff)})
def diff_versions(
    product_id: ProductId,
    seller: SellerDep,
    catalog: CatalogDep,
    from_version: Annotated[int, Query(alias="from", ge=1, le=MAX_VERSION)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=MAX_VERSION)],
) -> dict[str, Any]:
    """Field by field (and variant by variant, matched by SKU) what changed from one version to another."""
    return catalog.diff(seller.seller_id, product_id, from_version, to_version)


@router.post("/products/{product_id}/rollback", response_model=ProductOut, responses=WRITE_PROBLEMS)
def rollback(
    product_id: ProductId,
    body: RollbackIn,
    seller: WritingSeller,
    catalog: CatalogDep,
    images: ImagesDep,
    expected: IfMatch,
    response: Response,
) -> ProductOut:
    """Restores an earlier version's content as a new version; history is kept."""
    product = catalog.rollback(seller.seller_id, product_id, body.version, expected)
    _with_etag(response, product.version)
    return _out(images, product)


# What a client may call a file of JSON lines; curl's --data-binary says x-www-form-urlencoded unless told.
NDJSON_MEDIA_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonlines",
        "application/jsonl",
        "application/x-jsonlines",
        "application/json",
        "text/plain",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
    }
)


@router.post(
    "/products/bulk",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses={
        **WRITE_PROBLEMS,
        415: {"description": "The body is sent as something other than JSON lines (a form upload, an image ...)"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-ndjson": {"schema": {"type": "string", "format": "binary"}}},
            "description": "One product per line, each shaped like the body of POST /products (up to 10,000). "
            "Sent as application/x-ndjson; the other names of JSON lines (application/ndjson, application/jsonl, "
            "application/jsonlines), and what tools send a file as unless told (application/json, text/plain, "
            "application/octet-stream, curl --data-binary's application/x-www-form-urlencoded), are read the same.",
        }
    },
)
async def bulk_upload(
    request: Request,
    seller: WritingSeller,
    bulk: BulkDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> JobOut | JSONResponse:
    """Queues the products for creation in the background; poll the job for progress and per-line errors. A retry
    with the same Idempotency-Key and body answers with the job the first request queued (as it is now) rather
    than a second job whose lines all fail on their SKUs; the same key with another body is a 422."""
    if refused := _not_json_lines(request):
        return refused
    body = await request.body()
    key = scoped_key(idempotency_key, f"seller:{seller.seller_id}", "BULK-PRODUCTS", "-", body)
    job = await run_in_threadpool(bulk.submit, seller.seller_id, body, key)
    response.headers["Location"] = f"/api/v1/seller/jobs/{job.job_id}"
    return job_out(job, [])


def _not_json_lines(request: Request) -> JSONResponse | None:
    sent = request.headers.get("content-type")
    media = (sent or "").split(";")[0].strip().lower()
    if sent is None or media in NDJSON_MEDIA_TYPES:
        return None
    detail = "Send one product per line as JSON (NDJSON), with Content-Type: application/x-ndjson."
    return problem(request, 415, detail, [FieldError("content-type", f"is {media[:100]!r}, not application/x-ndjson")])


@router.get("/jobs/{job_id}", response_model=JobOut, responses=PROBLEMS)
def get_job(
    job_id: JobIdText,
    seller: SellerDep,
    bulk: BulkDep,
    errors_offset: Annotated[
        int, Query(ge=0, le=1_000_000, description="Failed lines to skip: errors_next_offset of the last look")
    ] = 0,
) -> JobOut:
    job, errors = bulk.status(seller.seller_id, parse_id(job_id, "job_id"), errors_offset)
    return job_out(job, errors, errors_offset)
