"""The pricing API: deals and coupons (a seller for its own products; the internal token platform-wide), quotes
with a line-by-line breakdown, and coupon redemption for checkout."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import Field, WithJsonSchema

from aisle.domain.coupons import CouponRefused
from aisle.domain.errors import Conflict, InvalidInput, NotFound
from aisle.domain.money import price_problem
from aisle.domain.pricing import COUPON_CODE
from aisle.entrypoints.api.dependencies import (
    OVER_WRITE_LIMIT,
    CallerDep,
    DealIdText,
    IdempotencyKey,
    PricingDep,
    SellerDep,
    VariantIdText,
    WritingCaller,
    internal_caller,
    parse_id,
    quote_allowed,
    scoped_key,
)
from aisle.entrypoints.api.json_body import UniqueKeysRoute
from aisle.entrypoints.api.problems import named_by_line
from aisle.entrypoints.api.responses import Responses
from aisle.entrypoints.api.shapes.common import json_response
from aisle.entrypoints.api.shapes.pricing import (
    CouponOut,
    DealList,
    DealOut,
    PriceHistory,
    QuoteOut,
    RedemptionOut,
    coupon_shown,
    deal_shown,
    price_change_shown,
    quote_shown,
    redemption_shown,
)
from aisle.services.input_model import IdText, InputModel, Moment, VisibleText
from aisle.services.pricing import Caller, CouponRequest, DealRequest

router = APIRouter(route_class=UniqueKeysRoute, prefix="/api/v1", tags=["pricing"])
# Read as given (the domain checks the decimals, and names the field), documented as the numbers they must be
Amount = Annotated[
    Any,
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0}),
    Field(description="A JSON number with at most 2 decimals (a percentage for PERCENT)"),
]
MinSpend = Annotated[
    Any,
    WithJsonSchema({"type": "number", "minimum": 0}),
    Field(description="An amount the covered items must reach, 0 for none: a JSON number with at most 2 decimals"),
]
PROBLEMS: Responses = {401: {"description": "Missing or wrong token"}, 422: {"description": "Invalid fields"}}
# Codes are read without case and surrounding spaces ("welcome10 " is WELCOME10): documented, checked by the domain.
CODE_PATTERN = r"^\s*" + COUPON_CODE.pattern.strip("^$").replace("A-Z", "A-Za-z") + r"\s*$"
CouponCodeText = Annotated[str, Path(description="The coupon's code", json_schema_extra={"pattern": CODE_PATTERN})]
CODE_TEXT_LIMIT = 64  # 32 characters of code with spaces pasted around it: the length is the domain's, once trimmed


class DealIn(InputModel):
    scope: Literal["PRODUCT", "CATEGORY", "SELLER"]
    target_id: IdText = Field(description="The product, category or seller id")
    kind: Literal["PERCENT", "AMOUNT"]
    value: Amount
    starts_at: Moment
    ends_at: Moment
    name: str = Field("", max_length=200, examples=["Black Friday"])


class CouponIn(InputModel):
    code: str = Field(max_length=CODE_TEXT_LIMIT, examples=["WELCOME10"], json_schema_extra={"pattern": CODE_PATTERN})
    kind: Literal["PERCENT", "AMOUNT"]
    value: Amount
    starts_at: Moment
    ends_at: Moment
    min_spend: MinSpend = 0
    usage_limit: int | None = Field(None, ge=1, le=100_000_000, strict=True)


class QuoteLineIn(InputModel):
    variant_id: IdText
    quantity: int = Field(ge=1, le=10_000, strict=True)


class QuoteIn(InputModel):
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=100)
    coupon: str | None = Field(None, max_length=CODE_TEXT_LIMIT, json_schema_extra={"pattern": CODE_PATTERN})


class RedeemIn(InputModel):
    # trimmed as order confirmations trim it: a retry with a stray space is the same order, not another use
    order_id: Annotated[str, Field(min_length=1, max_length=100), VisibleText]
    seller_id: IdText | None = Field(None, description="For a seller's code: the seller (the quote's coupon_seller_id)")


@router.post(
    "/pricing/deals",
    status_code=status.HTTP_201_CREATED,
    response_model=DealOut,
    responses={**PROBLEMS, 409: {"description": "The product is deleted"}, **OVER_WRITE_LIMIT},
)
def create_deal(
    body: DealIn, caller: WritingCaller, pricing: PricingDep, idempotency_key: IdempotencyKey = None
) -> Response:
    """A time-boxed percentage or amount off a product, a category or a seller. The best running deal wins.
    `ends_at` must be in the future. A retry with the same Idempotency-Key answers with the deal the first request
    created (as it is now) rather than creating a second one."""
    who = Caller(caller.seller_id)
    request = DealRequest(
        body.scope, int(body.target_id), body.kind, body.value, body.starts_at, body.ends_at, body.name
    )
    key = scoped_key(idempotency_key, caller.label, "CREATE-DEAL", "-", body)
    return json_response(deal_shown(pricing.create_deal(who, request, key)), status.HTTP_201_CREATED)


@router.get("/pricing/deals", response_model=DealList, responses=PROBLEMS)
def list_deals(caller: CallerDep, pricing: PricingDep) -> Response:
    """The deals running or to come, newest first (up to 200): a seller's own, or every deal with the internal
    token."""
    who = Caller(caller.seller_id)
    return json_response({"deals": [deal_shown(deal) for deal in pricing.deals(who)]})


@router.delete(
    "/pricing/deals/{deal_id}",
    response_model=DealOut,
    responses={
        **PROBLEMS,
        404: {"description": "No such deal of this seller"},
        409: {"description": "Ended"},
        **OVER_WRITE_LIMIT,
    },
)
def end_deal(deal_id: DealIdText, caller: WritingCaller, pricing: PricingDep) -> Response:
    """Ends a deal now (one to come never starts): its products go back to their price, in search too. A seller
    ends its own deals; the internal token any."""
    who = Caller(caller.seller_id)
    return json_response(deal_shown(pricing.end_deal(who, parse_id(deal_id, "deal_id"))))


@router.post(
    "/pricing/coupons",
    status_code=status.HTTP_201_CREATED,
    response_model=CouponOut,
    responses={
        **PROBLEMS,
        409: {"description": "The code is taken, by the platform or a seller"},
        **OVER_WRITE_LIMIT,
    },
)
def create_coupon(body: CouponIn, caller: WritingCaller, pricing: PricingDep) -> Response:
    """A code for percent or amount off, with a minimum spend, a validity window (ending in the future) and a usage
    limit. A code is unique across the platform: one that the platform or any seller already has is a 409."""
    who = Caller(caller.seller_id)
    if reason := price_problem(body.min_spend, zero_allowed=True):
        raise InvalidInput.single("min_spend", reason)
    request = CouponRequest(
        body.code, body.kind, body.value, body.starts_at, body.ends_at, Decimal(str(body.min_spend)), body.usage_limit
    )
    return json_response(coupon_shown(pricing.create_coupon(who, request)), status.HTTP_201_CREATED)


@router.post(
    "/pricing/quote",
    dependencies=[Depends(quote_allowed)],
    response_model=QuoteOut,
    responses={
        404: {"description": "Unknown variant"},
        422: {"description": "Bad coupon"},
        429: {"description": "Too many quotes from this client; see Retry-After"},
    },
)
def quote(body: QuoteIn, pricing: PricingDep) -> Response:
    """Prices a basket line by line: base, deal, coupon, final. A coupon that does not apply is a 422 saying why."""
    lines = [(parse_id(line.variant_id, f"lines[{n}].variant_id"), line.quantity) for n, line in enumerate(body.lines)]
    try:
        return json_response(quote_shown(pricing.quote(lines, body.coupon)))
    except NotFound as missing:
        raise named_by_line(missing, [{"variant_id": variant_id} for variant_id, _ in lines]) from None


@router.post(
    "/pricing/coupons/{code}/redeem",
    dependencies=[Depends(internal_caller)],
    response_model=RedemptionOut,
    responses={
        **PROBLEMS,
        404: {"description": "No such code (or none of that seller's)"},
        409: {"description": "The coupon is used up or not valid now, or a seller's code was sent without seller_id"},
    },
)
def redeem(code: CouponCodeText, body: RedeemIn, pricing: PricingDep) -> Response:
    """Checkout spends one use of a coupon; the same order id again is answered without spending another."""
    try:
        redeemed = pricing.redeem(code, body.order_id, None if body.seller_id is None else int(body.seller_id))
    except CouponRefused as refused:
        raise Conflict(f"coupon {refused.code} {refused.reason}", field="code") from None
    return json_response(redemption_shown(redeemed))


@router.get(
    "/seller/variants/{variant_id}/price-history",
    tags=["seller"],
    response_model=PriceHistory,
    responses={**PROBLEMS, 404: {"description": "No such variant among this seller's products"}},
)
def price_history(variant_id: VariantIdText, seller: SellerDep, pricing: PricingDep) -> Response:
    """Every price the variant had: who set it, when, from what to what (newest first)."""
    history = pricing.price_history(seller.seller_id, parse_id(variant_id, "variant_id"))
    return json_response({"history": [price_change_shown(change) for change in history]})
