"""Variant offers: each variant's attribute combinations and price as index numbers, and the ranges a filter asks."""

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

from aisle.domain.catalog import Product, ProductContent, Variant
from aisle.domain.pricing import FinalPrice
from aisle.domain.reviews import ReviewSummary
from aisle.domain.search.document import build_document
from aisle.domain.search.variant_offers import (
    MAX_COMBINATIONS,
    MAX_KEYS_COMBINED,
    MAX_NAMES_COMBINED,
    WIDE_VARIANT,
    VariantOffer,
    filter_ranges,
    offer_keys,
)


def hits(keys: tuple[int, ...], ranges: list[tuple[int, int]] | None) -> bool:
    assert ranges is not None
    return any(low <= key <= high for key in keys for low, high in ranges)


def test_a_variant_is_found_by_each_combination_of_its_attributes_within_its_price():
    red_s = offer_keys([VariantOffer(("color=red", "size=s"), Decimal("80.00"))])
    assert len(red_s) == 3  # red, s, red and s
    assert hits(red_s, filter_ranges([["color=red"]], None, Decimal("80")))
    assert not hits(red_s, filter_ranges([["color=red"]], None, Decimal("79.99")))
    assert hits(red_s, filter_ranges([["size=s"], ["color=red", "color=blue"]], Decimal("80.00"), None))
    assert not hits(red_s, filter_ranges([["color=red"], ["size=m"]], None, None))
    assert not hits(red_s, filter_ranges([["color=blue"]], None, None))


def test_price_bounds_are_whole_cents_inside_the_range():
    at_ten = offer_keys([VariantOffer(("color=red",), Decimal("10.00"))])
    assert not hits(at_ten, filter_ranges([["color=red"]], Decimal("10.001"), None))  # rounded up: 10.01
    assert hits(at_ten, filter_ranges([["color=red"]], None, Decimal("10.009")))  # rounded down: 10.00
    assert filter_ranges([["color=red"]], Decimal("10.001"), Decimal("10.009")) == []


def test_a_filter_too_wide_for_ranges_is_left_to_the_product_level_match():
    assert filter_ranges([], None, Decimal(5)) is None  # no attribute picked
    names = [[f"n{i}=v"] for i in range(MAX_NAMES_COMBINED + 1)]
    assert filter_ranges(names, None, None) is None
    values = [[f"color=c{i}" for i in range(MAX_COMBINATIONS)], ["size=s", "size=m"]]
    assert filter_ranges(values, None, None) is None
    assert len(filter_ranges(values[:1], None, None, in_stock_only=True) or []) == MAX_COMBINATIONS


def test_a_variant_with_more_attributes_than_are_combined_is_marked_wide():
    wide = tuple(f"spec {i}=v" for i in range(MAX_KEYS_COMBINED + 1))
    assert offer_keys([VariantOffer(wide, Decimal("5.00"))]) == (WIDE_VARIANT,)
    assert all(key > 0 for key in offer_keys([VariantOffer(wide[:MAX_KEYS_COMBINED], Decimal("5.00"))]))


def test_the_keys_are_the_same_in_every_process():
    """An index written by one process is searched by others: no per-process salt (Python's hash() has one)."""
    script = "from decimal import Decimal; from aisle.domain.search.variant_offers import VariantOffer, offer_keys; "
    script += "print(offer_keys([VariantOffer(('color=red', 'size=s'), Decimal('80.00'))]))"
    runs = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout for _ in "ab"
    }
    assert runs == {f"{offer_keys([VariantOffer(('color=red', 'size=s'), Decimal('80.00'))])}\n"}


def test_each_variant_offers_its_own_attributes_at_its_price_now():
    variants = (
        Variant(sku="T-R", price=Decimal("120.00"), variant_id=1, attributes={"Color": "red ", "Size": "M"}),
        Variant(sku="T-B", price=Decimal("50.00"), variant_id=2, attributes={"color": "Blue"}),
        Variant(sku="T-P", price=Decimal("40.00"), variant_id=3),
    )
    product = _product("Tee", variants)
    on_deal = {1: FinalPrice(Decimal("84.00"), Decimal("120.00"), None)}
    document = build_document(product, [], ReviewSummary(), None, True, None, prices=on_deal, stocked={2})
    assert document.offers == (
        VariantOffer(("color=red", "size=m"), Decimal("84.00"), in_stock=False),
        VariantOffer(("color=blue",), Decimal("50.00"), in_stock=True),
    )


def test_in_stock_only_asks_for_the_variants_in_stock():
    sold_out = offer_keys([VariantOffer(("color=red",), Decimal("20.00"), in_stock=False)])
    assert hits(sold_out, filter_ranges([["color=red"]], None, None))
    assert not hits(sold_out, filter_ranges([["color=red"]], None, None, in_stock_only=True))
    stocked = offer_keys([VariantOffer(("color=red",), Decimal("20.00"))])
    assert hits(stocked, filter_ranges([["color=red"]], Decimal(20), Decimal(20), in_stock_only=True))
    assert len(filter_ranges([["color=red", "color=blue"]], None, None) or []) == 4  # both, in stock or not


def test_a_colour_listing_several_is_each_of_them_and_other_attributes_stay_whole():
    variants = (
        Variant(sku="L-1", price=Decimal("30.00"), variant_id=1, attributes={"colour": "Black,Silver", "Size": "S/M"}),
        Variant(sku="L-2", price=Decimal("35.00"), variant_id=2, attributes={"Color": "black / gray"}),
    )
    product = _product("Lamp", variants)
    document = build_document(product, [], ReviewSummary(), None, True, None)
    assert document.attributes == (
        ("colour", "Black"),
        ("colour", "Silver"),
        ("size", "S/M"),
        ("color", "Black"),
        ("color", "Gray"),
    )
    assert document.offers[0].attribute_keys == ("colour=black", "colour=silver", "size=s/m")


def _product(title: str, variants: tuple[Variant, ...]) -> Product:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    content = ProductContent(title=title, variants=variants)
    return Product(product_id=1, seller_id=1, content=content, version=1, created_at=when, updated_at=when)


def test_the_document_is_priced_by_the_cheapest_variant_in_stock_with_its_own_was_price():
    variants = (
        Variant(sku="S-B", price=Decimal("89.99"), compare_price=Decimal("119.99"), variant_id=1),
        Variant(sku="S-R", price=Decimal("79.50"), compare_price=Decimal("99.00"), variant_id=2),
    )
    product = _product("Shoe", variants)
    document = build_document(product, [], ReviewSummary(), None, True, None, stocked={1})
    assert (document.price, document.was_price) == (Decimal("89.99"), Decimal("119.99"))  # the red is sold out
    sold_out = build_document(product, [], ReviewSummary(), None, False, None, stocked=set())
    assert (sold_out.price, sold_out.was_price) == (Decimal("79.50"), Decimal("99.00"))  # none in stock: the lowest
    on_deal = {1: FinalPrice(Decimal("62.99"), Decimal("89.99"), None)}
    dealt = build_document(product, [], ReviewSummary(), None, True, None, prices=on_deal, stocked={1, 2})
    assert (dealt.price, dealt.was_price) == (Decimal("62.99"), Decimal("89.99"))  # deals applied first
