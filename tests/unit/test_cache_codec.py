"""Typed results survive a trip through a JSON cache (Redis stores orjson bytes): the page a shopper gets from the
cache is the page that was assembled, down to the byte."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import orjson

from aisle.domain.buybox import Offer, ScoredOffer
from aisle.domain.categories import Category
from aisle.domain.inventory import Availability
from aisle.domain.pricing import Deal, DealScope, Discount, DiscountKind, FinalPrice
from aisle.domain.reviews import ReviewSummary
from aisle.entrypoints.api.shapes.product_page import page_shown
from aisle.services.buybox import BuyBox
from aisle.services.cache_codec import CacheCodec
from aisle.services.pdp import ProductPage, SellerOnPage, VariantOnPage
from aisle.services.search.results import ProductCard

ENDS = datetime(2027, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
DEAL = Deal(
    9, DealScope.PRODUCT, 1, Discount(DiscountKind.PERCENT, Decimal(20)), ENDS.replace(year=2026), ENDS, None, "Winter"
)
PRICE = FinalPrice(Decimal("79.99"), Decimal("99.99"), DEAL)
CARD = ProductCard(
    2, "Other Shoe", None, PRICE, 4.5, 6, "https://img/1.jpg", {"url": "https://img/1.jpg"}, ("Deal",), True, 1
)


def page() -> ProductPage:
    reviews = ReviewSummary()
    reviews.add(5, verified=True)
    reviews.add(3)
    offer = Offer(1, 7, "Acme", 4.2, Decimal("79.99"), True, ENDS.replace(year=2025))
    return ProductPage(
        product_id=1,
        version=3,
        title="Trail Shoe",
        description="Grippy.",
        brand="Acme",
        category_path=(Category(10, "Shoes", None, "Shoes"),),
        attributes={"material": "mesh"},
        gtin="0123456789012",
        images=[{"url": "https://img/0.jpg"}],
        variants=(VariantOnPage(11, "TS-42", {"size": "42"}, PRICE, Availability("LOW_STOCK", "Only 3 left")),),
        seller=SellerOnPage(7, "Acme", 4.2),
        reviews=reviews,
        buy_box=BuyBox(ScoredOffer(offer, 0.93, "lowest price"), ()),
        related=(CARD,),
        updated_at=ENDS,
    )


def through_json_cache(value: object) -> object:
    """What a shared cache stores and hands back (the Redis adapter's encoding; its contract test checks Redis)."""
    return orjson.loads(orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS))


def test_a_cached_product_page_reads_back_equal_and_shows_the_same_bytes():
    codec = CacheCodec(ProductPage)
    assembled = page()
    cached = codec.load(through_json_cache(assembled))
    assert cached == assembled
    assert orjson.dumps(page_shown(cached)) == orjson.dumps(page_shown(assembled))


def test_an_in_process_cache_hands_back_the_object_itself():
    assembled = page()
    assert CacheCodec(ProductPage).load(assembled) is assembled


def test_a_cached_card_reads_back_equal():
    assert CacheCodec(ProductCard).load(through_json_cache(CARD)) == CARD


def test_a_value_cached_in_an_older_shape_reads_as_a_miss():
    older = {"product_id": "1", "title": "Trail Shoe", "price": {"amount": 79.99, "currency": "USD"}}
    assert CacheCodec(ProductPage).load(older) is None
    assert CacheCodec(ProductCard).load(older) is None
    assert CacheCodec(ProductCard).load(None) is None
