"""Coupons and quotes: a line-by-line price breakdown (base, deal, coupon, final) for a basket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from aisle.domain.errors import DomainError, InvalidInput
from aisle.domain.money import CENT
from aisle.domain.pricing import COUPON_CODE, Deal, Discount, DiscountKind, PricedItem, final_price


class CouponRefused(DomainError):
    """The coupon exists but does not apply to this basket; ``reason`` says why in words a shopper understands."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"coupon {code}: {reason}")


@dataclass(frozen=True)
class Coupon:
    code: str
    discount: Discount
    starts_at: datetime
    ends_at: datetime
    min_spend: Decimal = Decimal(0)
    usage_limit: int | None = None
    used: int = 0
    seller_id: int | None = None  # a seller's coupon covers only that seller's products

    def covers(self, item: PricedItem) -> bool:
        return self.seller_id is None or self.seller_id == item.seller_id

    @property
    def key(self) -> str:
        return coupon_key(self.code, self.seller_id)


def coupon_key(code: str, seller_id: int | None) -> str:
    """Where a code is stored: the platform's as it is, each seller's under the seller's id. A code is unique
    across the platform all the same (creating one the platform or any seller has is refused), so a shopper who
    types it never gets someone else's discount."""
    return code if seller_id is None else f"{seller_id}:{code}"


def normalize_code(code: str, field: str = "code") -> str:
    """``field``: the request's name for the code, named when it is refused (a quote's is ``coupon``)."""
    # ASCII is checked before upper-casing, which spells "ß" as "SS" and "ﬀ" as "FF": the code kept is the one typed
    cleaned = code.strip()
    if not cleaned.isascii() or not COUPON_CODE.fullmatch(cleaned.upper()):
        raise InvalidInput.single(field, "3-32 letters, digits, '-' or '_'")
    return cleaned.upper()


@dataclass(frozen=True)
class QuoteLine:
    item: PricedItem
    quantity: int
    unit_price: Decimal  # after the best deal
    deal: Deal | None
    coupon_discount: Decimal  # on the whole line

    @property
    def before_coupon(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def total(self) -> Decimal:
        return self.before_coupon - self.coupon_discount


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    coupon: Coupon | None

    @property
    def subtotal(self) -> Decimal:
        return sum((line.item.price * line.quantity for line in self.lines), Decimal(0))

    @property
    def deal_savings(self) -> Decimal:
        return sum(((line.item.price - line.unit_price) * line.quantity for line in self.lines), Decimal(0))

    @property
    def coupon_savings(self) -> Decimal:
        return sum((line.coupon_discount for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))


def build_quote(
    items: Sequence[tuple[PricedItem, int]], deals: Sequence[Deal], coupon: Coupon | None, now: datetime
) -> Quote:
    priced = [(item, qty, final_price(item, deals, now)) for item, qty in items]
    shares = _coupon_shares(coupon, [(item, qty, p.amount) for item, qty, p in priced], now) if coupon else {}
    lines = tuple(
        QuoteLine(item, qty, price.amount, price.deal, shares.get(index, Decimal(0)))
        for index, (item, qty, price) in enumerate(priced)
    )
    return Quote(lines, coupon)


def _coupon_shares(coupon: Coupon, lines: list[tuple[PricedItem, int, Decimal]], now: datetime) -> dict[int, Decimal]:
    covered = {i: unit * qty for i, (item, qty, unit) in enumerate(lines) if coupon.covers(item)}
    eligible = sum(covered.values(), Decimal(0))
    _refuse_unless_usable(coupon, eligible, bool(covered), now)
    if coupon.discount.kind is DiscountKind.PERCENT:
        # rounded down: never more off than the percentage says (90% of $0.05 is $0.04, not the whole $0.05)
        total_off = (eligible * coupon.discount.value / 100).quantize(CENT, ROUND_DOWN)
    else:
        total_off = min(coupon.discount.value, eligible)
    return _spread(total_off, covered)


def _refuse_unless_usable(coupon: Coupon, eligible: Decimal, covers_any: bool, now: datetime) -> None:
    if now < coupon.starts_at:
        raise CouponRefused(coupon.code, f"is valid from {coupon.starts_at.isoformat()}")
    if now >= coupon.ends_at:
        raise CouponRefused(coupon.code, f"expired at {coupon.ends_at.isoformat()}")
    if coupon.usage_limit is not None and coupon.used >= coupon.usage_limit:
        raise CouponRefused(coupon.code, "has been used up")
    if not covers_any:
        raise CouponRefused(coupon.code, "does not cover any item in this basket")
    if eligible < coupon.min_spend:
        raise CouponRefused(coupon.code, f"needs a spend of at least {coupon.min_spend} on covered items")


def _spread(total_off: Decimal, covered: dict[int, Decimal]) -> dict[int, Decimal]:
    """In proportion to each line's total, rounded down; then the cents left over, one each, to the lines that
    rounding cut the most (the earlier line on a tie), so every line is within a cent of its exact share: a
    refund of one line gives back what it was charged. No share is more than its line's total, since the exact
    share is not and the totals are whole cents."""
    eligible = sum(covered.values(), Decimal(0))
    exact = {index: total_off * total / eligible for index, total in covered.items()}
    shares = {index: share.quantize(CENT, ROUND_DOWN) for index, share in exact.items()}
    left = int((total_off - sum(shares.values(), Decimal(0))) / CENT)
    cut_most = sorted(covered, key=lambda index: (shares[index] - exact[index], index))
    for index in cut_most[:left]:
        shares[index] += CENT
    return shares
