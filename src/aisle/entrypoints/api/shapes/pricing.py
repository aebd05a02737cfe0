"""The pricing answers: deals, coupons, quotes, redemptions and a variant's price history."""

from __future__ import annotations

from pydantic import Field

from aisle.domain.coupons import Coupon, Quote, QuoteLine
from aisle.domain.pricing import Deal, PriceChange
from aisle.entrypoints.api.shapes.common import Wire, Wired, optional_number
from aisle.services.pricing import Redemption


class DealOut(Wire):
    deal_id: str
    scope: str
    target_id: str
    kind: str
    value: float
    starts_at: str
    ends_at: str
    seller_id: str | None
    name: str
    applies_from: float | None = Field(
        description="An amount off skips the prices it would take more than 90% off: it applies to prices of at "
        "least this; none for a percentage, which applies to every price"
    )


class DealList(Wire):
    deals: list[DealOut]


class CouponOut(Wire):
    code: str
    usage_limit: int | None
    seller_id: str | None


class DealApplied(Wire):
    id: str
    name: str


class QuoteLineOut(Wire):
    variant_id: str
    product_id: str
    quantity: int
    unit_base: float
    unit_after_deal: float
    deal: DealApplied | None
    base: float
    deal_discount: float
    coupon_discount: float
    final: float


class QuoteOut(Wire):
    lines: list[QuoteLineOut]
    coupon: str | None
    coupon_seller_id: str | None = Field(description="A seller's coupon: the seller (redeem names it)")
    subtotal: float
    deal_savings: float
    coupon_savings: float
    total: float
    currency: str


class RedemptionOut(Wire):
    code: str
    seller_id: str | None = Field(description="A seller's coupon: the seller; the platform's: none")
    order_id: str
    redeemed: bool
    repeat: bool = Field(description="This order had already redeemed the coupon: nothing more was spent")


class PriceChangeOut(Wire):
    old: float | None
    new: float
    actor: str
    changed_at: str


class PriceHistory(Wire):
    history: list[PriceChangeOut]


def deal_shown(deal: Deal) -> Wired:
    return {
        "deal_id": str(deal.deal_id),
        "scope": deal.scope.value,
        "target_id": str(deal.target_id),
        "kind": deal.discount.kind.value,
        "value": float(deal.discount.value),
        "starts_at": deal.starts_at.isoformat(),
        "ends_at": deal.ends_at.isoformat(),
        "seller_id": _id(deal.seller_id),
        "name": deal.name,
        "applies_from": optional_number(deal.discount.lowest_price_fitted()),
    }


def coupon_shown(coupon: Coupon) -> Wired:
    return {"code": coupon.code, "usage_limit": coupon.usage_limit, "seller_id": _id(coupon.seller_id)}


def quote_shown(quote: Quote) -> Wired:
    return {
        "lines": [_quote_line(line) for line in quote.lines],
        "coupon": None if quote.coupon is None else quote.coupon.code,
        "coupon_seller_id": None if quote.coupon is None else _id(quote.coupon.seller_id),
        "subtotal": float(quote.subtotal),
        "deal_savings": float(quote.deal_savings),
        "coupon_savings": float(quote.coupon_savings),
        "total": float(quote.total),
        "currency": "USD",
    }


def _quote_line(line: QuoteLine) -> Wired:
    return {
        "variant_id": str(line.item.variant_id),
        "product_id": str(line.item.product_id),
        "quantity": line.quantity,
        "unit_base": float(line.item.price),
        "unit_after_deal": float(line.unit_price),
        "deal": None if line.deal is None else {"id": str(line.deal.deal_id), "name": line.deal.name},
        "base": float(line.item.price * line.quantity),
        "deal_discount": float((line.item.price - line.unit_price) * line.quantity),
        "coupon_discount": float(line.coupon_discount),
        "final": float(line.total),
    }


def redemption_shown(redemption: Redemption) -> Wired:
    return {
        "code": redemption.code,
        "seller_id": _id(redemption.seller_id),
        "order_id": redemption.order_id,
        "redeemed": True,
        "repeat": redemption.repeat,
    }


def price_change_shown(change: PriceChange) -> Wired:
    return {
        "old": optional_number(change.old),
        "new": float(change.new),
        "actor": change.actor,
        "changed_at": change.changed_at.isoformat(),
    }


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)
