"""What route handlers receive: the narrow services they use, the authenticated seller, parsed ids and If-Match.

A dependency that does no IO is ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool, a thread
hop per dependency per request that cost more CPU than what the dependency does. Those that read the database
(seller keys) or a remote limiter stay plain functions, off the event loop."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from aisle.bootstrap import Container
from aisle.domain.errors import InvalidInput
from aisle.domain.ids import ID_PATTERN, ID_RULE, MAX_ID, parse_id_text
from aisle.domain.sellers import Seller
from aisle.domain.versions import MAX_VERSION
from aisle.entrypoints.numbers import whole_number
from aisle.services.bulk import BulkImportService
from aisle.services.catalog import CatalogService
from aisle.services.hot_sku import HotSkuReserver
from aisle.services.images import ImageService
from aisle.services.inventory import InventoryService
from aisle.services.pdp import ProductPageService
from aisle.services.ports import BlobStore
from aisle.services.ports import IdempotencyKey as ScopedKey
from aisle.services.pricing import PricingService
from aisle.services.reviews import ReviewService
from aisle.services.search.autocomplete import Autocomplete
from aisle.services.search.service import SearchService
from aisle.services.sellers import SellerService

bearer = HTTPBearer(auto_error=False, description="A seller API key from `aisle sellers create`")


def container(request: Request) -> Container:
    built: Container = request.app.state.container
    return built


def current_seller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Seller:
    if credentials is None:
        raise HTTPException(401, "Send your API key as 'Authorization: Bearer <key>'.", {"WWW-Authenticate": "Bearer"})
    seller = container(request).sellers.authenticate(credentials.credentials)
    if seller is None and _is_internal_token(request, credentials.credentials):
        reason = "The internal token is no seller's key: this endpoint acts for one seller, so send that seller's key."
        raise HTTPException(401, reason, {"WWW-Authenticate": "Bearer"})
    if seller is None:
        raise HTTPException(401, "This API key is not valid.", {"WWW-Authenticate": "Bearer"})
    return seller


def _is_internal_token(request: Request, presented: str) -> bool:
    expected = container(request).settings.internal_token
    return expected is not None and hmac.compare_digest(presented.encode(), expected.encode())


async def internal_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    if credentials is not None and _is_internal_token(request, credentials.credentials):
        return
    if credentials is not None and container(request).sellers.authenticate(credentials.credentials) is not None:
        raise HTTPException(403, "A seller's API key cannot call this endpoint: it needs the internal token.")
    raise HTTPException(401, "This endpoint needs the internal token.", {"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class Caller:
    """Who is calling an endpoint open to both the platform (internal token) and sellers (their API key)."""

    internal: bool
    seller: Seller | None = None

    @property
    def seller_id(self) -> int | None:
        """The seller calling; None for the platform."""
        return None if self.internal or self.seller is None else self.seller.seller_id

    @property
    def label(self) -> str:
        return "internal" if self.seller_id is None else f"seller:{self.seller_id}"


def internal_or_seller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    if credentials is None:
        raise HTTPException(
            401, "Send the internal token or a seller API key as a Bearer token.", {"WWW-Authenticate": "Bearer"}
        )
    if _is_internal_token(request, credentials.credentials):
        return Caller(internal=True)
    seller = container(request).sellers.authenticate(credentials.credentials)
    if seller is None:
        raise HTTPException(
            401, "This token is neither the internal token nor a seller API key.", {"WWW-Authenticate": "Bearer"}
        )
    return Caller(internal=False, seller=seller)


def parse_id(raw: str, field: str = "id") -> int:
    value = parse_id_text(raw)
    if value is None:
        raise InvalidInput.single(field, ID_RULE)
    return value


def id_in_path(what: str) -> Any:
    """A path id as the docs show it: parse_id checks it in the handler, so that a bad one gets our own message
    ("must be a numeric id: ...") rather than a regular-expression mismatch."""
    return Path(description=f"{what}: ASCII digits, 1 to {MAX_ID}", json_schema_extra={"pattern": ID_PATTERN})


async def product_id(product_id: Annotated[str, id_in_path("The product's id")]) -> int:
    return parse_id(product_id, "product_id")


async def if_match(
    if_match: Annotated[
        str | None,
        Header(
            description='The version you last read; a stale one gets 412 and changes nothing. "*" asks for no check',
            json_schema_extra={"pattern": r'^\s*((W/)?"?[0-9]{1,9}"?|\*)\s*$'},
        ),
    ] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":  # RFC 9110: "*" matches whatever version there is
        return None
    version = whole_number(if_match.strip().removeprefix("W/").strip('"'))
    if version is None or version > MAX_VERSION:
        raise InvalidInput.single("If-Match", 'must be a product version number, e.g. "3"')
    return version


SellerDep = Annotated[Seller, Depends(current_seller)]
CallerDep = Annotated[Caller, Depends(internal_or_seller)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        description="Any unique string (1 to 200 characters): a retried request with the same key gets the same answer",
    ),
]


async def _container(request: Request) -> Container:
    return container(request)


ContainerDep = Annotated[Container, Depends(_container)]  # only for what is about the process itself (readiness)


async def _catalog(request: Request) -> CatalogService:
    return container(request).catalog


async def _sellers(request: Request) -> SellerService:
    return container(request).sellers


async def _reviews(request: Request) -> ReviewService:
    return container(request).reviews


async def _pdp(request: Request) -> ProductPageService:
    return container(request).pdp


async def _bulk(request: Request) -> BulkImportService:
    return container(request).bulk


async def _search(request: Request) -> SearchService:
    return container(request).search


async def _autocomplete(request: Request) -> Autocomplete:
    return container(request).autocomplete


async def _inventory(request: Request) -> InventoryService:
    return container(request).inventory


async def _reserver(request: Request) -> HotSkuReserver:
    return container(request).reserver


async def _pricing(request: Request) -> PricingService:
    return container(request).pricing


async def _images(request: Request) -> ImageService:
    return container(request).images


async def _blobs(request: Request) -> BlobStore:
    return container(request).blobs


CatalogDep = Annotated[CatalogService, Depends(_catalog)]
SellersDep = Annotated[SellerService, Depends(_sellers)]
ReviewsDep = Annotated[ReviewService, Depends(_reviews)]
PdpDep = Annotated[ProductPageService, Depends(_pdp)]
BulkDep = Annotated[BulkImportService, Depends(_bulk)]
SearchDep = Annotated[SearchService, Depends(_search)]
AutocompleteDep = Annotated[Autocomplete, Depends(_autocomplete)]
InventoryDep = Annotated[InventoryService, Depends(_inventory)]
ReserverDep = Annotated[HotSkuReserver, Depends(_reserver)]
PricingDep = Annotated[PricingService, Depends(_pricing)]
ImagesDep = Annotated[ImageService, Depends(_images)]
BlobsDep = Annotated[BlobStore, Depends(_blobs)]
ProductId = Annotated[int, Depends(product_id)]
IfMatch = Annotated[int | None, Depends(if_match)]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_VERSION, description="A version number of the product")]
VariantIdText = Annotated[str, id_in_path("The variant's id")]
ReservationIdText = Annotated[str, id_in_path("The reservation's id")]
ImageIdText = Annotated[str, id_in_path("The image's id")]
JobIdText = Annotated[str, id_in_path("The bulk job's id, from the upload's answer")]
DealIdText = Annotated[str, id_in_path("The deal's id, from its creation or the list of deals")]


def scoped_key(
    client_key: str | None, caller: str, operation: str, target: object, body: BaseModel | bytes | None = None
) -> ScopedKey | None:
    """The client's Idempotency-Key scoped to (caller, operation, target), bound to a hash of the request (a body
    read as bytes, e.g. NDJSON, byte for byte)."""
    if client_key is None:
        return None
    if isinstance(body, bytes):
        digest = hashlib.sha256(body).hexdigest()
    else:
        digest = hashlib.sha256(("" if body is None else _canonical_json(body)).encode()).hexdigest()
    return ScopedKey(f"{caller}:{operation}:{target}:{client_key}", digest)


def _canonical_json(body: BaseModel) -> str:
    """The request as its meaning, not its spelling: a retry that writes 10.0 where the first try wrote 10 (or
    lists the keys in another order) is the same request."""
    return json.dumps(_canonical(body.model_dump()), sort_keys=True, default=str, separators=(",", ":"))


def _canonical(value: object) -> object:
    """Numbers by their value: 10, 10.0 and Decimal("10.00") alike; the rest as it is (a datetime as text)."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _limit(app: Container, key: str, per_minute: float, what: str = "Too many requests") -> None:
    decision = app.limiter.hit(key, per_minute, burst=max(1, int(per_minute)))
    if not decision.allowed:
        retry_after = max(1, math.ceil(decision.retry_after_seconds))
        raise HTTPException(429, f"{what}; try again in {retry_after} s.", {"Retry-After": str(retry_after)})


def _limit_seller_writes(app: Container, seller_id: int) -> None:
    _limit(app, f"seller-writes:{seller_id}", app.settings.seller_writes_per_minute)


def seller_write_allowed(request: Request, seller: SellerDep) -> Seller:
    """Seller writes are limited per seller (AISLE_SELLER_WRITES_PER_MINUTE, a minute's worth of burst)."""
    _limit_seller_writes(container(request), seller.seller_id)
    return seller


def caller_write_allowed(request: Request, caller: CallerDep) -> Caller:
    """A seller's deal and coupon writes count against its write limit; the platform's (internal token) are not
    limited."""
    if caller.seller_id is not None:
        _limit_seller_writes(container(request), caller.seller_id)
    return caller


def stock_write_allowed(request: Request, caller: CallerDep) -> Caller:
    """A seller's stock changes are limited apart (AISLE_SELLER_STOCK_WRITES_PER_MINUTE), high enough for a stock
    sync of a whole catalog, one variant a request; the platform's reservations are not limited."""
    if caller.seller_id is not None:
        app = container(request)
        _limit(app, f"seller-stock:{caller.seller_id}", app.settings.seller_stock_writes_per_minute)
    return caller


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def search_allowed(request: Request) -> None:
    """Searches are limited per client address (AISLE_SEARCHES_PER_MINUTE)."""
    app = container(request)
    _limit(app, f"search:{client_address(request)}", app.settings.searches_per_minute)


def quote_allowed(request: Request) -> None:
    """Quotes are limited per client address (AISLE_QUOTES_PER_MINUTE): no free coupon-code oracle."""
    app = container(request)
    _limit(app, f"quote:{client_address(request)}", app.settings.quotes_per_minute)


def review_allowed(request: Request) -> None:
    """Reviews are limited per client address (AISLE_REVIEWS_PER_MINUTE_PER_CLIENT), whatever they hold."""
    app = container(request)
    _limit(app, f"review-client:{client_address(request)}", app.settings.reviews_per_minute_per_client)


def product_review_allowed(request: Request, product_id: int) -> None:
    """And per product (AISLE_REVIEWS_PER_MINUTE_PER_PRODUCT), counting only reviews whose body is valid: a few
    clients sending broken ones cannot stop every shopper from reviewing the product."""
    app = container(request)
    limit = app.settings.reviews_per_minute_per_product
    _limit(app, f"review-product:{product_id}", limit, "This product is getting too many reviews just now")


WritingSeller = Annotated[Seller, Depends(seller_write_allowed)]
OVER_WRITE_LIMIT: dict[int | str, dict[str, Any]] = {
    429: {"description": "Over the seller's write rate limit; see Retry-After"}
}  # the OpenAPI answer of a route limited by seller_write_allowed or caller_write_allowed
WritingCaller = Annotated[Caller, Depends(caller_write_allowed)]
StockWritingCaller = Annotated[Caller, Depends(stock_write_allowed)]
