"""Coupons on SQLite and PostgreSQL: the usage limit holds when many checkouts redeem at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from aisle.domain.coupons import Coupon, CouponRefused
from aisle.domain.errors import Conflict
from aisle.domain.pricing import Discount, DiscountKind
from aisle.services.clock import utc_now


def test_concurrent_redemptions_never_pass_the_limit(uow):
    now = utc_now()
    coupon = Coupon(
        "RUSH", Discount(DiscountKind.AMOUNT, Decimal(5)), now - timedelta(1), now + timedelta(1), usage_limit=7
    )
    with uow() as tx:
        tx.pricing.add_coupon(coupon)
        tx.commit()
    outcomes: list[str] = []
    lock = threading.Lock()

    def checkout(order: int) -> None:
        try:
            with uow() as tx:
                fresh = tx.pricing.redeem("RUSH", f"order-{order % 25}", utc_now())  # some orders retry
                tx.commit()
            outcome = "spent" if fresh else "repeat"
        except CouponRefused:
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=checkout, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with uow(readonly=True) as tx:
        assert tx.pricing.coupon("RUSH").used == 7
    assert outcomes.count("spent") == 7


def test_price_history_and_recent_prices(uow):
    now = utc_now()
    with uow() as tx:
        tx.pricing.record_price(1, 9, None, Decimal("10.00"), "seller:1", now - timedelta(days=40))
        tx.pricing.record_price(1, 9, Decimal("10.00"), Decimal("12.50"), "seller:1", now - timedelta(days=3))
        tx.pricing.record_price(1, 9, Decimal("12.50"), Decimal("11.00"), "seller:1", now - timedelta(days=2))
        tx.pricing.record_price(2, 9, None, Decimal("5.00"), "seller:1", now - timedelta(days=1))  # new since
        tx.commit()
    with uow(readonly=True) as tx:
        # oldest first, from what it cost when the window opened
        recent = tx.pricing.recent_prices([1, 2, 3], now - timedelta(days=30))
        assert recent == {1: [Decimal("10.00"), Decimal("12.50"), Decimal("11.00")], 2: [Decimal("5.00")]}
        history = tx.pricing.price_history(1)
    assert [(h.old, h.new) for h in history] == [
        (Decimal("12.50"), Decimal("11.00")),
        (Decimal("10.00"), Decimal("12.50")),
        (None, Decimal("10.00")),
    ]


def test_deals_starting_or_ending_in_a_window(uow):
    from aisle.domain.pricing import Deal, DealScope

    now = utc_now()
    percent = Discount(DiscountKind.PERCENT, Decimal(10))

    def deal(deal_id: int, starts: int, ends: int) -> Deal:
        return Deal(
            deal_id, DealScope.PRODUCT, 1, percent, now + timedelta(minutes=starts), now + timedelta(minutes=ends), None
        )

    with uow() as tx:
        for d in (deal(1, -60, -30), deal(2, -5, 60), deal(3, -60, 5), deal(4, 5, 60), deal(5, -60, -4)):
            tx.pricing.add_deal(d)
        tx.commit()
    with uow(readonly=True) as tx:
        found = tx.pricing.deals_starting_or_ending(now - timedelta(minutes=10), now + timedelta(minutes=10))
    assert [d.deal_id for d in found] == [2, 3, 4, 5]  # deal 1 started and ended before the window


def test_the_deal_clocks_mark_only_moves_forward_and_outlives_the_transaction(uow):
    now = utc_now()
    with uow(readonly=True) as tx:
        assert tx.pricing.deal_edges_announced_until() is None  # a new store: nothing announced yet
    for until in (now, now - timedelta(minutes=5), now + timedelta(seconds=30)):  # the second is another clock's
        with uow() as tx:
            tx.pricing.announce_deal_edges_until(until)
            tx.commit()
    with uow() as tx:
        tx.pricing.announce_deal_edges_until(now + timedelta(hours=1))  # rolled back: never happened
    with uow(readonly=True) as tx:
        assert tx.pricing.deal_edges_announced_until() == now + timedelta(seconds=30)


def test_deals_are_listed_per_seller_newest_first_and_end_when_told(uow):
    from aisle.domain.pricing import Deal, DealScope

    now = utc_now()
    percent = Discount(DiscountKind.PERCENT, Decimal(10))

    def deal(deal_id: int, seller_id: int | None, ends_in_minutes: int) -> Deal:
        window = (now - timedelta(hours=1), now + timedelta(minutes=ends_in_minutes))
        return Deal(deal_id, DealScope.SELLER, seller_id or 1, percent, *window, seller_id)

    with uow() as tx:
        for d in (deal(1, 7, 60), deal(2, 7, -5), deal(3, 8, 60), deal(4, None, 60), deal(5, 7, 90)):
            tx.pricing.add_deal(d)
        tx.commit()
    with uow(readonly=True) as tx:
        assert [d.deal_id for d in tx.pricing.deals_of(7, now, 10)] == [5, 1]  # deal 2 is over
        assert [d.deal_id for d in tx.pricing.deals_of(None, now, 2)] == [5, 4]
        assert tx.pricing.deal(99) is None
    with uow() as tx:
        tx.pricing.end_deal(5, now)
        tx.commit()
    with uow(readonly=True) as tx:
        assert tx.pricing.deal(5).ends_at == now
        assert [d.deal_id for d in tx.pricing.deals_of(7, now, 10)] == [1]


def test_a_code_is_taken_by_the_platform_or_any_seller(uow):
    now = utc_now()
    window = (now - timedelta(1), now + timedelta(1))
    with uow() as tx:
        tx.pricing.add_coupon(Coupon("SPRING_1", Discount(DiscountKind.AMOUNT, Decimal(5)), *window, seller_id=7))
        tx.pricing.add_coupon(Coupon("WELCOME", Discount(DiscountKind.AMOUNT, Decimal(5)), *window))
        tx.commit()
    with uow(readonly=True) as tx:
        assert tx.pricing.code_taken("SPRING_1") and tx.pricing.code_taken("WELCOME")
        assert not tx.pricing.code_taken("SPRING-1")  # "_" is a LIKE wildcard: matched as itself
        assert not tx.pricing.code_taken("PRING_1") and not tx.pricing.code_taken("WELCOM")


def test_two_owners_cannot_both_hold_one_code_even_when_both_checks_passed(uow):
    """Two sellers creating SAVE10 at the same instant both find it free; the database refuses the second write."""
    now = utc_now()
    window = (now - timedelta(1), now + timedelta(1))
    with uow(readonly=True) as tx:
        assert not tx.pricing.code_taken("SAVE10")
    with uow() as first:
        first.pricing.add_coupon(Coupon("SAVE10", Discount(DiscountKind.AMOUNT, Decimal(5)), *window, seller_id=7))
        first.commit()
    with uow() as second, pytest.raises(Conflict, match="SAVE10 is taken"):
        second.pricing.add_coupon(Coupon("SAVE10", Discount(DiscountKind.AMOUNT, Decimal(5)), *window, seller_id=8))
    with uow(readonly=True) as tx:
        assert tx.pricing.coupon("SAVE10", seller_id=7) is not None and tx.pricing.coupon("SAVE10", 8) is None
