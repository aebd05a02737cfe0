"""Prices a shopper pays: the seller's price, the best deal running now, then a coupon.

Best deal rule: of the deals that apply to a variant now, the one leaving the lowest price wins; on a tie, the one
ending soonest (the shopper sees its countdown), then the oldest. A deal never takes more than 90% off: a
percentage is refused above that, and an amount off skips the prices it would take lower.
Coupons apply after deals, to the lines they cover (a seller's coupon covers only that seller's products), spread
over those lines in proportion to their totals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal
from enum import StrEnum

from aisle.domain.errors import FieldError, InvalidInput
from aisle.domain.money import CENT, price_problem

COUPON_CODE = re.compile(r"^[A-Z0-9_-]{3,32}$")
MAX_PERCENT = Decimal(90)
PLAUSIBLE_CHANGE = Decimal("0.5")  # a new price more than 50% outside the recent range needs confirming
PRICE_MEMORY = timedelta(days=30)  # the window whose prices make a new price plausible


class DealScope(StrEnum):
    PRODUCT = "PRODUCT"
    CATEGORY = "CATEGORY"
    SELLER = "SELLER"


class DiscountKind(StrEnum):
    PERCENT = "PERCENT"
    AMOUNT = "AMOUNT"


@dataclass(frozen=True)
class Discount:
    kind: DiscountKind
    value: Decimal

    def apply_to(self, price: Decimal) -> Decimal:
        off = price * self.value / 100 if self.kind is DiscountKind.PERCENT else self.value
        return max(CENT, (price - off).quantize(CENT, ROUND_HALF_UP))

    def fits(self, price: Decimal) -> bool:
        """Whether a deal takes this off the price: an amount leaving less than a percentage may (10%) does
        not, so $500 off a department is not a $0.01 charger."""
        return self.kind is DiscountKind.PERCENT or self.value <= price * MAX_PERCENT / 100

    def saves(self, price: Decimal) -> bool:
        """Whether anything is left off once rounded to the cent: 5% of $0.05 is not a deal to show."""
        return self.apply_to(price) < price

    def lowest_price_fitted(self) -> Decimal | None:
        """The lowest price this takes anything off (see ``fits``); None: every price (a percentage)."""
        if self.kind is DiscountKind.PERCENT:
            return None
        return (self.value * 100 / MAX_PERCENT).quantize(CENT, ROUND_UP)


@dataclass(frozen=True)
class Deal:
    deal_id: int
    scope: DealScope
    target_id: int
    discount: Discount
    starts_at: datetime
    ends_at: datetime
    seller_id: int | None  # None: a platform deal; else it only ever applies to that seller's products
    name: str = ""

    def is_running(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class PricedItem:
    """What a deal or coupon needs to know about a variant."""

    variant_id: int
    product_id: int
    seller_id: int
    category_ids: tuple[int, ...]  # the product's category and all its ancestors
    price: Decimal
    compare_price: Decimal | None


def deal_applies(deal: Deal, item: PricedItem, now: datetime) -> bool:
    if not deal.is_running(now) or (deal.seller_id is not None and deal.seller_id != item.seller_id):
        return False
    if not deal.discount.fits(item.price) or not deal.discount.saves(item.price):
        return False
    if deal.scope is DealScope.PRODUCT:
        return deal.target_id == item.product_id
    if deal.scope is DealScope.CATEGORY:
        return deal.target_id in item.category_ids
    return deal.target_id == item.seller_id


def best_deal(deals: Sequence[Deal], item: PricedItem, now: datetime) -> Deal | None:
    applicable = [d for d in deals if deal_applies(d, item, now)]
    if not applicable:
        return None
    return min(applicable, key=lambda d: (d.discount.apply_to(item.price), d.ends_at, d.deal_id))


@dataclass(frozen=True)
class FinalPrice:
    amount: Decimal
    was: Decimal | None  # what to show struck through: the pre-deal price, else the seller's compare-at price
    deal: Deal | None


@dataclass(frozen=True)
class PriceChange:
    """One entry of a variant's price history."""

    old: Decimal | None  # None: the variant's first price
    new: Decimal
    actor: str
    changed_at: datetime


def final_price(item: PricedItem, deals: Sequence[Deal], now: datetime) -> FinalPrice:
    deal = best_deal(deals, item, now)
    if deal is None:
        return FinalPrice(item.price, item.compare_price, None)
    return FinalPrice(deal.discount.apply_to(item.price), max(item.price, item.compare_price or item.price), deal)


def check_discount(kind: str, value: object, field: str = "value") -> Discount:
    if reason := price_problem(value):
        raise InvalidInput.single(field, reason)
    amount = Decimal(str(value))
    if kind == DiscountKind.PERCENT and amount > MAX_PERCENT:
        raise InvalidInput.single(field, f"a percentage discount may be at most {MAX_PERCENT}")
    return Discount(DiscountKind(kind), amount)


def check_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """A new deal's or coupon's window: one already over would never apply, and nothing would list it."""
    if ends_at <= starts_at:
        raise InvalidInput.single("ends_at", "must be after starts_at")
    if ends_at <= now:
        raise InvalidInput.single("ends_at", "must be in the future")


def implausible_change(new: Decimal, recent: Sequence[Decimal], anchor: Decimal | None = None) -> str | None:
    """Why a new price needs confirming, or None. Without ``anchor`` (a variant new to the product, held to its
    siblings' prices): outside ±50% of the recent range. With it (the variant's price when the window opened; ``recent``
    its prices since): outside ±50% of that price and outside the range it has held since, so that steps of 40% do not
    walk a price anywhere, while going back to a price it had lately needs no confirming."""
    if not recent:
        return None
    low, high = min(recent), max(recent)
    if anchor is None:
        if low * (1 - PLAUSIBLE_CHANGE) <= new <= high * (1 + PLAUSIBLE_CHANGE):
            return None
        return (
            f"{new} is more than 50% away from the recent range {low}–{high}; "  # noqa: RUF001
            "send confirm_price_change: true if it is intended"
        )
    if low <= new <= high or anchor * (1 - PLAUSIBLE_CHANGE) <= new <= anchor * (1 + PLAUSIBLE_CHANGE):
        return None
    return (
        f"{new} is more than 50% away from {anchor}, its price {PRICE_MEMORY.days} days ago, and outside the range "
        f"it has had since ({low}–{high}); send confirm_price_change: true if it is intended"  # noqa: RUF001
    )


def price_change_problems(
    changes: Sequence[tuple[int, Decimal, Sequence[Decimal], Decimal | None]],
) -> list[FieldError]:
    """(variant index, new price, recent prices, anchor: see ``implausible_change``) for each changed variant."""
    return [
        FieldError(f"variants[{index}].price", reason)
        for index, new, recent, anchor in changes
        if (reason := implausible_change(new, recent, anchor))
    ]
