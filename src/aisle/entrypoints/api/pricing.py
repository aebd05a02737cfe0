"""The pricing API: deals and coupons (a seller for its own products; the internal token platform-wide), quotes
with a line-by-line breakdown, and coupon redemption for checkout."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, status
from pydantic import AwareDatetime, Field

from aisle.domain.coupons import CouponRefused
from aisle.domain.errors import Conflict, InvalidInput
from aisle.domain.money import price_problem
from aisle.entrypoints.api.dependencies import (
    CallerDep,
    PricingDep,
    SellerDep,
    internal_caller,
    parse_id,
    quote_allowed,
)
from aisle.entrypoints.api.responses import CouponOut, DealOut, PriceHistory, QuoteOut, RedemptionOut, Responses, ok
from aisle.services.input_model import IdText, InputModel
from aisle.services.pricing import Caller, CouponRequest, DealRequest

router = APIRouter(prefix="/api/v1", tags=["pricing"])
Amount = Annotated[Any, Field(description="A JSON number with at most 2 decimals (a percentage for PERCENT)")]
PROBLEMS: Responses = {401: {"description": "Missing or wrong token"}, 422: {"description": "Invalid fields"}}


class DealIn(InputModel):
    scope: Literal["PRODUCT", "CATEGORY", "SELLER"]
    target_id: IdText = Field(description="The product, category or seller id")
    kind: Literal["PERCENT", "AMOUNT"]
    value: Amount
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    name: str = Field("", max_length=200, examples=["Black Friday"])


class CouponIn(InputModel):
    code: str = Field(min_length=3, max_length=32, examples=["WELCOME10"])
    kind: Literal["PERCENT", "AMOUNT"]
    value: Amount
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    min_spend: Amount = 0
    usage_limit: int | None = Field(None, ge=1, le=100_000_000, strict=True)


class QuoteLineIn(InputModel):
    variant_id: IdText
    quantity: int = Field(ge=1, le=10_000, strict=True)


class QuoteIn(InputModel):
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=100)
    coupon: str | None = Field(None, max_length=32)


class RedeemIn(InputModel):
    order_id: str = Field(min_length=1, max_length=100)
    seller_id: IdText | None = Field(None, description="For a seller's code: the seller (the quote's coupon_seller_id)")


@router.post(
    "/pricing/deals",
    status_code=status.HTTP_201_CREATED,
    response_model=None,
    responses={**PROBLEMS, 201: ok(DealOut, "Created")},
)
def create_deal(body: DealIn, caller: CallerDep, pricing: PricingDep) -> dict[str, Any]:
    """A time-boxed percentage or amount off a product, a category or a seller. The best running deal wins."""
    who = Caller(None if caller.internal or caller.seller is None else caller.seller.seller_id)
    request = DealRequest(
        body.scope, int(body.target_id), body.kind, body.value, body.starts_at, body.ends_at, body.name
    )
    deal = pricing.create_deal(who, request)
    return {
        "deal_id": str(deal.deal_id),
        "scope": deal.scope.value,
        "target_id": str(deal.target_id),
        "kind": deal.discount.kind.value,
        "value": float(deal.discount.value),
        "starts_at": deal.starts_at.isoformat(),
        "ends_at": deal.ends_at.isoformat(),
        "seller_id": None if deal.seller_id is None else str(deal.seller_id),
        "name": deal.name,
    }


@router.post(
    "/pricing/coupons",
    status_code=status.HTTP_201_CREATED,
    response_model=None,
    responses={**PROBLEMS, 201: ok(CouponOut, "Created")},
)
def create_coupon(body: CouponIn, caller: CallerDep, pricing: PricingDep) -> dict[str, Any]:
    """A code for percent or amount off, with a minimum spend, a validity window and a usage limit."""
    who = Caller(None if caller.internal or caller.seller is None else caller.seller.seller_id)
    no_minimum = body.min_spend == 0 and not isinstance(body.min_spend, bool)  # `false` is not a number
    if not no_minimum and (reason := price_problem(body.min_spend)):
        raise InvalidInput.single("min_spend", reason)
    request = CouponRequest(
        body.code, body.kind, body.value, body.starts_at, body.ends_at, Decimal(str(body.min_spend)), body.usage_limit
    )
    coupon = pricing.create_coupon(who, request)
    return {"code": coupon.code, "usage_limit": coupon.usage_limit, "seller_id": _id(coupon.seller_id)}


@router.post(
    "/pricing/quote",
    dependencies=[Depends(quote_allowed)],
    response_model=None,
    responses={
        200: ok(QuoteOut),
        404: {"description": "Unknown variant"},
        422: {"description": "Bad coupon"},
        429: {"description": "Too many quotes from this client; see Retry-After"},
    },
)
def quote(body: QuoteIn, pricing: PricingDep) -> dict[str, Any]:
    """Prices a basket line by line: base, deal, coupon, final. A coupon that does not apply is a 422 saying why."""
    lines = [(parse_id(line.variant_id, "variant_id"), line.quantity) for line in body.lines]
    return pricing.quote(lines, body.coupon)


@router.post(
    "/pricing/coupons/{code}/redeem",
    dependencies=[Depends(internal_caller)],
    response_model=None,
    responses={**PROBLEMS, 200: ok(RedemptionOut), 409: {"description": "The coupon is used up"}},
)
def redeem(code: str, body: RedeemIn, pricing: PricingDep) -> dict[str, Any]:
    """Checkout spends one use of a coupon; the same order id again is answered without spending another."""
    try:
        return pricing.redeem(code, body.order_id, None if body.seller_id is None else int(body.seller_id))
    except CouponRefused as refused:
        raise Conflict(f"coupon {refused.code} {refused.reason}", field="code") from None


@router.get(
    "/seller/variants/{variant_id}/price-history",
    tags=["seller"],
    response_model=None,
    responses={200: ok(PriceHistory), 401: PROBLEMS[401], 422: PROBLEMS[422]},
)
def price_history(variant_id: str, seller: SellerDep, pricing: PricingDep) -> dict[str, Any]:
    """Every price the variant had: who set it, when, from what to what (newest first)."""
    return {"history": pricing.price_history(seller.seller_id, parse_id(variant_id, "variant_id"))}


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)
