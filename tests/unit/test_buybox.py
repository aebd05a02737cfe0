from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from aisle.domain.buybox import Offer, decide

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def offer(pid: int, price: str, in_stock: bool = True, rating: float | None = 4.0, age_days: int = 0) -> Offer:
    return Offer(pid, pid * 10, f"seller {pid}", rating, Decimal(price), in_stock, T0 - timedelta(days=age_days))


def test_the_cheapest_in_stock_offer_wins_and_says_why():
    ranked = decide([offer(1, "110.00"), offer(2, "100.00"), offer(3, "95.00", in_stock=False)])
    assert [s.offer.product_id for s in ranked] == [2, 1, 3]
    assert ranked[0].why == "the lowest price, in stock, seller rated 4.0/5 by 1 buyer"  # $95 can't be bought
    assert ranked[1].why.startswith("$110.00 (lowest $100.00), in stock")
    assert ranked[2].why.startswith("the lowest price, out of stock")


def test_a_price_nobody_can_buy_at_does_not_shrink_the_gap_between_prices_that_can_ship():
    """Measured against a $10 offer out of stock, $100 and $150 would score nearly alike on price, and the better
    rated seller would take the box at half as much again."""
    cheaper = replace(offer(1, "100.00", rating=3.0), seller_rating_count=1000)
    dearer = replace(offer(2, "150.00", rating=5.0), seller_rating_count=1000)
    assert decide([cheaper, dearer, offer(3, "10.00", in_stock=False)])[0].offer.product_id == 1
    assert decide([cheaper, dearer])[0].offer.product_id == 1


def test_a_much_better_seller_can_beat_a_slightly_lower_price():
    ranked = decide([offer(1, "100.00", rating=1.0), offer(2, "101.00", rating=5.0)])
    assert ranked[0].offer.product_id == 2


def test_five_stars_from_two_buyers_do_not_outweigh_many_ratings_just_below():
    few = replace(offer(1, "100.00", rating=5.0), seller_rating_count=2)
    many = replace(offer(2, "100.00", rating=4.8), seller_rating_count=1000)
    ranked = decide([few, many])
    assert [s.offer.product_id for s in ranked] == [2, 1]
    assert ranked[0].why == "the lowest price, in stock, seller rated 4.8/5 by 1,000 buyers"


def test_ties_go_to_the_lower_price_then_the_earlier_listing():
    ranked = decide([offer(1, "50.00", age_days=1), offer(2, "50.00", age_days=9)])
    assert ranked[0].offer.product_id == 2
