from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aisle.domain import events as ev
from aisle.domain.catalog import (
    ROLLED_BACK,
    Product,
    ProductContent,
    ProductStatus,
    Variant,
    content_from_dict,
    content_problems,
    content_to_dict,
    gtin_problem,
    version_event,
)
from aisle.domain.errors import Conflict, InvalidInput
from aisle.domain.money import price_problem
from aisle.domain.versions import diff_snapshots

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def new_ids():
    return count(1000).__next__


def shoe(price: str = "50.00", skus: tuple[str, ...] = ("S-1",), title: str = "Shoe") -> ProductContent:
    return ProductContent(title=title, variants=tuple(Variant(s, Decimal(price)) for s in skus))


def test_creating_records_product_created_at_version_one():
    product = Product.create(1, 2, shoe(), NOW, new_ids())
    assert product.version == 1
    assert [e.name for e in product.events] == [ev.PRODUCT_CREATED]
    assert all(v.variant_id is not None for v in product.content.variants)


def test_an_update_bumps_the_version_and_says_what_changed():
    product = Product.create(1, 2, shoe(), NOW, new_ids())
    product.events.clear()
    changed = product.update(shoe(title="Better shoe"), NOW, new_ids())
    assert changed == ["title"]
    assert product.version == 2
    assert [e.name for e in product.events] == [ev.PRODUCT_UPDATED]
    assert product.events[0].payload == {"version": 2, "changed": ["title"]}


def test_a_price_change_also_records_price_changed():
    product = Product.create(1, 2, shoe("50.00"), NOW, new_ids())
    product.events.clear()
    product.update(shoe("45.00"), NOW, new_ids())
    price_event = product.events[-1]
    assert price_event.name == ev.PRICE_CHANGED
    assert price_event.payload["variants"][0]["old"] == "50.00"
    assert price_event.payload["variants"][0]["new"] == "45.00"


def test_a_version_is_a_price_change_only_when_nothing_but_prices_changed():
    product = Product.create(1, 2, shoe("50.00"), NOW, new_ids())
    assert version_event(product.events) == ev.PRODUCT_CREATED
    product.events.clear()
    product.update(shoe("45.00"), NOW, new_ids())
    assert version_event(product.events) == ev.PRICE_CHANGED
    product.events.clear()
    product.update(shoe("40.00", title="Better shoe"), NOW, new_ids())
    assert version_event(product.events) == ev.PRODUCT_UPDATED  # the title changed too: an edit
    product.events.clear()
    product.rollback_to(2, shoe("45.00"), NOW, new_ids())
    assert version_event(product.events) == ROLLED_BACK  # a rollback, whatever it changed


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (ProductContent(title=" ", variants=(Variant("A", Decimal(1)),)), "title"),
        (ProductContent(title="x", variants=()), "variants"),
        (
            ProductContent(title="x", variants=tuple(Variant(f"V{n}", Decimal(1)) for n in range(51))),
            "variants",
        ),
        (
            ProductContent(title="x", variants=(Variant("A", Decimal(1)), Variant("A", Decimal(2)))),
            "variants[1].sku",
        ),
        (ProductContent(title="x", variants=(Variant("bad sku", Decimal(1)),)), "variants[0].sku"),
        (ProductContent(title="x", variants=(Variant("A", Decimal("-1")),)), "variants[0].price"),
        (ProductContent(title="x", variants=(Variant("A", Decimal("1.001")),)), "variants[0].price"),
        (
            ProductContent(title="x", variants=(Variant("A", Decimal(5), Decimal(4)),)),
            "variants[0].compare_price",
        ),
    ],
)
def test_invalid_content_is_refused_naming_the_field(content, field):
    with pytest.raises(InvalidInput) as refused:
        Product.create(1, 2, content, NOW, new_ids())
    assert field in [e.field for e in refused.value.errors]


def test_a_deleted_product_cannot_be_edited_but_can_be_rolled_back():
    product = Product.create(1, 2, shoe(), NOW, new_ids())
    product.delete(NOW)
    assert product.status is ProductStatus.DELETED
    assert product.version == 2
    with pytest.raises(Conflict):
        product.update(shoe(title="again"), NOW, new_ids())
    product.rollback_to(1, shoe(), NOW, new_ids())
    assert product.version == 3
    assert product.events[-1].payload["rolled_back_to"] == 1


def test_snapshots_round_trip():
    original = Product.create(1, 2, shoe("19.99", ("A", "B")), NOW, new_ids()).content
    assert content_from_dict(content_to_dict(original)) == original


def test_diff_matches_variants_by_sku():
    old = content_to_dict(shoe("10.00", ("A", "B")))
    new = content_to_dict(shoe("12.00", ("B", "C"), title="Renamed"))
    diff = diff_snapshots(old, new)
    assert diff["fields"] == [{"field": "title", "from": "Shoe", "to": "Renamed"}]
    assert [v["sku"] for v in diff["variants"]["added"]] == ["C"]
    assert [v["sku"] for v in diff["variants"]["removed"]] == ["A"]
    assert diff["variants"]["changed"] == [
        {"sku": "B", "changes": [{"field": "price", "from": "10.00", "to": "12.00"}]}
    ]


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2))
def test_every_two_decimal_positive_price_is_accepted(amount):
    assert price_problem(amount) is None


@pytest.mark.parametrize("value", ["19.99", True, None, float("nan"), float("inf"), 0, -5, 0.001, 10**9, [1]])
def test_malformed_prices_are_refused(value):
    assert price_problem(value) is not None


@pytest.mark.parametrize("gtin", ["12345670", "036000291452", "4006381333931", "10614141000415"])
def test_a_gtin_of_each_length_passes_its_check_digit(gtin):
    assert gtin_problem(gtin) is None


@pytest.mark.parametrize(
    ("gtin", "reason"),
    [
        ("4006381333932", "check digit should be 1, not 2: a digit is mistyped"),
        ("4006381333391", "check digit should be 9, not 1: a digit is mistyped"),  # two neighbours swapped
        ("1234567", "must be 8, 12, 13 or 14 digits"),
        ("1234567895", "must be 8, 12, 13 or 14 digits"),  # no GTIN has 10 digits, whatever its check digit
        ("00000000", "must not be all zeros"),
        ("40063813339310", "check digit should be 4, not 0: a digit is mistyped"),
        ("4006381333931\n", "must be 8, 12, 13 or 14 digits"),
    ],
)
def test_a_gtin_that_fails_its_check_digit_names_the_digit_expected(gtin, reason):
    assert gtin_problem(gtin) == reason
    content = ProductContent(title="Kettle", variants=(Variant(sku="K", price=Decimal("20")),), gtin=gtin)
    assert [(problem.field, problem.reason) for problem in content_problems(content)] == [("gtin", reason)]
