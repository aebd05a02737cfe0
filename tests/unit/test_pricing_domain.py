from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest

from aisle.domain.coupons import Coupon, CouponRefused, build_quote
from aisle.domain.errors import InvalidInput
from aisle.domain.pricing import (
    Deal,
    DealScope,
    Discount,
    DiscountKind,
    PricedItem,
    best_deal,
    check_discount,
    final_price,
    implausible_change,
)

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
ITEM = PricedItem(
    variant_id=1,
    product_id=10,
    seller_id=100,
    category_ids=(5, 6),
    price=Decimal("80.00"),
    compare_price=Decimal("99.00"),
)


def deal(
    deal_id: int,
    scope: DealScope,
    target: int,
    kind: str,
    value: str,
    ends_in_hours: int = 24,
    seller: int | None = None,
) -> Deal:
    return Deal(
        deal_id,
        scope,
        target,
        Discount(DiscountKind(kind), Decimal(value)),
        NOW - timedelta(hours=1),
        NOW + timedelta(hours=ends_in_hours),
        seller,
    )


def test_the_deal_leaving_the_lowest_price_wins():
    deals = [
        deal(1, DealScope.PRODUCT, 10, "PERCENT", "10"),  # 72.00
        deal(2, DealScope.CATEGORY, 5, "AMOUNT", "15"),  # 65.00
        deal(3, DealScope.SELLER, 100, "PERCENT", "15"),  # 68.00
        deal(4, DealScope.PRODUCT, 11, "PERCENT", "90"),  # another product
    ]
    assert best_deal(deals, ITEM, NOW).deal_id == 2
    price = final_price(ITEM, deals, NOW)
    assert (price.amount, price.was) == (Decimal("65.00"), Decimal("99.00"))


def test_ties_go_to_the_deal_ending_soonest():
    deals = [deal(1, DealScope.PRODUCT, 10, "AMOUNT", "10", 48), deal(2, DealScope.SELLER, 100, "AMOUNT", "10", 5)]
    assert best_deal(deals, ITEM, NOW).deal_id == 2


def test_deals_outside_their_window_or_from_another_seller_do_not_apply():
    later = Deal(
        1,
        DealScope.PRODUCT,
        10,
        Discount(DiscountKind.PERCENT, Decimal(50)),
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=2),
        None,
    )
    foreign = deal(2, DealScope.CATEGORY, 5, "PERCENT", "50", seller=999)
    assert best_deal([later, foreign], ITEM, NOW) is None
    assert final_price(ITEM, [later, foreign], NOW).amount == Decimal("80.00")


def test_a_deal_that_takes_nothing_off_once_rounded_to_the_cent_is_no_deal():
    nickel = PricedItem(
        variant_id=2, product_id=10, seller_id=100, category_ids=(5,), price=Decimal("0.05"), compare_price=None
    )
    five_percent = deal(1, DealScope.PRODUCT, 10, "PERCENT", "5")  # 0.0475 rounds back up to 0.05
    assert best_deal([five_percent], nickel, NOW) is None
    assert final_price(nickel, [five_percent], NOW) == final_price(nickel, [], NOW)
    assert best_deal([deal(2, DealScope.PRODUCT, 10, "PERCENT", "20")], nickel, NOW).deal_id == 2  # 0.04


def test_a_price_never_drops_below_a_cent():
    assert Discount(DiscountKind.AMOUNT, Decimal(500)).apply_to(Decimal("80.00")) == Decimal("0.01")


@pytest.mark.parametrize(
    ("kind", "value"), [("PERCENT", 95), ("PERCENT", "10"), ("AMOUNT", 1.001), ("AMOUNT", -1), ("AMOUNT", float("nan"))]
)
def test_malformed_discounts_are_refused(kind, value):
    with pytest.raises(InvalidInput):
        check_discount(kind, value)


def test_implausible_price_changes():
    recent = [Decimal(40), Decimal(60)]
    assert implausible_change(Decimal(25), recent) is None  # 40 * 0.5 = 20
    assert implausible_change(Decimal(90), recent) is None  # 60 * 1.5 = 90
    assert "confirm_price_change" in implausible_change(Decimal("19.99"), recent)
    assert implausible_change(Decimal("90.01"), recent) is not None


def test_a_changed_price_is_held_to_its_price_when_the_window_opened():
    anchor, held = Decimal(100), [Decimal(100), Decimal(140)]  # one step of 40% up since
    assert implausible_change(Decimal(150), held, anchor) is None  # 100 * 1.5
    assert implausible_change(Decimal(196), held, anchor) is not None  # 140 * 1.4: a second step of 40%
    assert "its price 30 days ago" in implausible_change(Decimal(49), held, anchor)  # under 100 * 0.5
    down = [Decimal(100), Decimal(60), Decimal(40)]  # confirmed cuts: going back up needs no confirming
    assert implausible_change(Decimal(100), down, anchor) is None
    assert implausible_change(Decimal(30), down, anchor) is not None


def coupon(**overrides) -> Coupon:
    base = {
        "code": "SAVE10",
        "discount": Discount(DiscountKind.PERCENT, Decimal(10)),
        "starts_at": NOW - timedelta(1),
        "ends_at": NOW + timedelta(1),
        "min_spend": Decimal(50),
        "usage_limit": 5,
        "used": 0,
        "seller_id": None,
    }
    return Coupon(**{**base, **overrides})


def test_a_quote_breaks_each_line_down():
    other = PricedItem(2, 20, 200, (7,), Decimal("10.00"), None)
    deals = [deal(1, DealScope.PRODUCT, 10, "AMOUNT", "20")]  # 80 -> 60
    quote = build_quote([(ITEM, 2), (other, 3)], deals, coupon(), NOW)
    first, second = quote.lines
    assert (first.unit_price, first.before_coupon) == (Decimal("60.00"), Decimal("120.00"))
    assert quote.subtotal == Decimal("190.00")
    assert quote.deal_savings == Decimal("40.00")
    assert quote.coupon_savings == Decimal("15.00")  # 10% of 150
    assert first.coupon_discount + second.coupon_discount == Decimal("15.00")
    assert (first.coupon_discount, second.coupon_discount) == (Decimal("12.00"), Decimal("3.00"))
    assert quote.total == Decimal("135.00")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"used": 5}, "used up"),
        ({"ends_at": NOW - timedelta(seconds=1)}, "expired"),
        ({"starts_at": NOW + timedelta(hours=1)}, "valid from"),
        ({"min_spend": Decimal(500)}, "at least 500"),
        ({"seller_id": 999}, "does not cover"),
    ],
)
def test_a_coupon_that_does_not_apply_says_why(overrides, reason):
    with pytest.raises(CouponRefused, match=reason):
        build_quote([(ITEM, 1)], [], coupon(**overrides), NOW)


def test_an_amount_coupon_never_exceeds_what_it_covers():
    cheap = PricedItem(3, 30, 100, (), Decimal("5.00"), None)
    quote = build_quote(
        [(cheap, 1)], [], coupon(discount=Discount(DiscountKind.AMOUNT, Decimal(20)), min_spend=Decimal(0)), NOW
    )
    assert quote.total == Decimal("0.00") and quote.coupon_savings == Decimal("5.00")


def test_no_line_gives_a_coupon_more_than_it_costs():
    """The cents rounding leaves over go to lines with room for them, not to the last line whatever it costs."""
    half = coupon(discount=Discount(DiscountKind.PERCENT, Decimal(50)), min_spend=Decimal(0))
    penny = PricedItem(3, 30, 100, (), Decimal("0.01"), None)
    quote = build_quote([(penny, 1)] * 4, [], half, NOW)  # 50% of 0.04 is 0.02
    assert [line.coupon_discount for line in quote.lines] == [Decimal("0.01"), Decimal("0.01"), 0, 0]

    prices = ["1.49", "9.99", "0.25", "9.99", "9.99", "0.25"]
    basket = [(PricedItem(n, 30 + n, 100, (), Decimal(price), None), 1) for n, price in enumerate(prices)]
    most = coupon(discount=Discount(DiscountKind.PERCENT, Decimal(90)), min_spend=Decimal(0))
    quote = build_quote(basket, [], most, NOW)
    assert all(line.coupon_discount <= line.before_coupon for line in quote.lines)
    assert quote.coupon_savings == Decimal("28.76")  # 90% of 31.96


@pytest.mark.parametrize(
    ("prices", "percent"),
    [(["0.10"] * 100, 15), (["0.10"] * 3, 15), (["99.99", "0.01"], 33), (["5.00", "0.99"] * 7, 29)],
)
def test_each_line_gets_its_share_of_a_coupon_within_a_cent_not_the_cents_rounding_left_over(prices, percent):
    """A refund of one line gives back about what that line was charged: the leftover cents are not piled onto the
    last lines (100 lines of $0.10 at 15% off made the last five free while the others got $0.01 off)."""
    basket = [(PricedItem(n, 30 + n, 100, (), Decimal(price), None), 1) for n, price in enumerate(prices)]
    off = coupon(discount=Discount(DiscountKind.PERCENT, Decimal(percent)), min_spend=Decimal(0))
    quote = build_quote(basket, [], off, NOW)
    for line in quote.lines:
        exact = line.before_coupon * percent / 100
        assert abs(line.coupon_discount - exact) < Decimal("0.01")
    assert quote.coupon_savings == (sum(map(Decimal, prices)) * percent / 100).quantize(Decimal("0.01"), ROUND_DOWN)


@pytest.mark.parametrize(("price", "off"), [("0.01", "0.00"), ("0.05", "0.04"), ("0.15", "0.13"), ("19.99", "17.99")])
def test_a_percent_coupon_takes_off_at_most_its_percentage_so_nothing_goes_free(price, off):
    most = coupon(discount=Discount(DiscountKind.PERCENT, Decimal(90)), min_spend=Decimal(0))
    quote = build_quote([(PricedItem(3, 30, 100, (), Decimal(price), None), 1)], [], most, NOW)
    assert quote.coupon_savings == Decimal(off) and quote.total > 0


@pytest.mark.parametrize("amount", ["0.01", "0.09", "1", "9", "25", "33.33", "99.99", "1000"])
def test_an_amount_off_says_the_lowest_price_it_takes_anything_off(amount):
    off = Discount(DiscountKind.AMOUNT, Decimal(amount))
    lowest = off.lowest_price_fitted()
    assert off.fits(lowest) and not off.fits(lowest - Decimal("0.01"))
    assert Discount(DiscountKind.PERCENT, Decimal(90)).lowest_price_fitted() is None
