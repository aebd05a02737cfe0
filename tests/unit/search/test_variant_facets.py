"""Facet entries under an attribute filter counted again as choosing them finds (the count is the engine's)."""

from decimal import Decimal

from aisle.domain.search.facet_buckets import PRICE_EDGES, price_filter
from aisle.services.search.engine import Facets, Filters
from aisle.services.search.variant_facets import (
    FEW_VALUES,
    MOST_MATCHES_RECOUNTED,
    MOST_OTHER_COUNTS,
    MOST_RECOUNTED,
    counted_by_variant,
)


class Counts:
    """A count per filter: colours by value, the price bucket by its low edge; every filter asked is kept, and
    how many times counts were asked for."""

    def __init__(self) -> None:
        self.asked: list[Filters] = []
        self.batches = 0

    def __call__(self, filters: Filters) -> int:
        self.asked.append(filters)
        colours = [v for n, v in filters.attributes if n == "color"]
        if filters.price_min is not None and filters.price_min >= 100:
            return 2
        return 0 if "Gone" in colours else len(colours) + (1 if filters.price_max is None else 0)

    def each(self, asked: list[Filters]) -> list[int]:
        self.batches += 1
        return [self(filters) for filters in asked]


def test_without_an_attribute_filter_nor_one_holding_per_variant_nothing_is_counted_again():
    counts, facets = Counts(), Facets(attributes={"color": [("Red", 3)]}, price_ranges=[(10.0, 25.0, 3)])
    assert counted_by_variant(counts.each, Filters(brands=("Acme",)), facets) == facets
    assert counts.asked == []


def test_under_a_price_or_in_stock_alone_few_valued_attributes_are_counted_as_choosing_them_finds():
    counts = Counts()
    listed = {"color": [("Red", 3), ("Gone", 1)], "fit": [(f"F{i}", 3) for i in range(FEW_VALUES + 1)]}
    buckets = [(10.0, 25.0, 3)]
    for held in (Filters(price_max=Decimal(30)), Filters(in_stock=True)):
        facets = counted_by_variant(counts.each, held, Facets(attributes=listed, price_ranges=buckets))
        assert facets.attributes["color"] == [("Red", 1 if held.price_max else 2)]  # "Gone" finds nothing
        assert facets.attributes["fit"] == listed["fit"]  # too many values: as the engine counted
        assert facets.price_ranges == buckets  # no attribute chosen: a bucket finds what it counts
    asked = len(counts.asked)
    many = Facets(attributes=listed, price_ranges=buckets)
    assert counted_by_variant(counts.each, Filters(in_stock=True), many, MOST_MATCHES_RECOUNTED + 1) == many
    assert len(counts.asked) == asked  # a search matching more is left as the engine counted it


def test_a_chosen_attributes_values_are_counted_when_a_price_holds_per_variant():
    values = [(f"C{i:02}", 50 - i) for i in range(MOST_RECOUNTED + 5)] + [("Gone", 1)]
    chosen = Filters(attributes=(("color", "C24"),), price_max=Decimal(60))
    facets = counted_by_variant(Counts().each, chosen, Facets(attributes={"color": values, "size": [("M", 9)]}))
    listed = dict(facets.attributes["color"])
    assert len(listed) == MOST_RECOUNTED + 1 and listed["C24"] == 1  # the first 20 and the chosen one
    assert "Gone" not in listed and facets.attributes["size"] == [("M", 1)]  # few values: counted under C24


def test_attributes_not_chosen_are_counted_again_when_they_list_few_values_fewest_first():
    counts = Counts()
    listed = {
        "size": [("S", 5), ("M", 4)],
        "fit": [(f"F{i}", 3) for i in range(FEW_VALUES)],
        "material": [(f"M{i}", 2) for i in range(FEW_VALUES + 1)],
        "color": [("Red", 7)],
    }
    facets = counted_by_variant(counts.each, Filters(attributes=(("color", "Red"),)), Facets(attributes=listed))
    assert facets.attributes["size"] == [("M", 2), ("S", 2)]  # under red: Counts gives 2 to each
    assert facets.attributes["fit"] == [(f"F{i}", 2) for i in range(FEW_VALUES)]
    assert facets.attributes["material"] == listed["material"]  # too many values: as the engine counted
    asked = [f for f in counts.asked if len(f.attributes) == 2]
    assert len(asked) == 2 + FEW_VALUES <= MOST_OTHER_COUNTS


def test_in_stock_holds_per_variant_too():
    counts = Counts()
    chosen = Filters(attributes=(("color", "Red"),), in_stock=True)
    facets = counted_by_variant(counts.each, chosen, Facets(attributes={"color": [("Red", 3), ("Blue", 2)]}))
    assert facets.attributes["color"] == [("Blue", 2), ("Red", 2)]  # counted again, as Counts gives them
    assert Filters(attributes=(("color", "Blue"),), in_stock=True) in counts.asked


def test_no_price_nor_other_attribute_leaves_the_chosen_attributes_values_as_counted():
    counts = Counts()
    facets = counted_by_variant(
        counts.each, Filters(attributes=(("color", "Red"),)), Facets(attributes={"color": [("Red", 3)]})
    )
    assert facets.attributes == {"color": [("Red", 3)]}
    assert all(f.attributes == (("color", "Red"),) for f in counts.asked)  # the price buckets only


def test_every_price_bucket_is_counted_with_the_filter_its_link_has_even_when_none_was_listed():
    for listed in ([(25.0, 50.0, 4)], []):  # a sold-out red variant below the product's shown price: none listed
        counts = Counts()
        red = Filters(attributes=(("color", "Red"),))
        facets = counted_by_variant(counts.each, red, Facets(price_ranges=listed))
        asked = [(f.price_min, f.price_max) for f in counts.asked]
        chosen = [price_filter(lo, hi) for lo, hi in PRICE_EDGES]  # what each bucket's link asks for
        assert asked == [
            (None if lo is None else Decimal(str(lo)), None if hi is None else Decimal(str(hi))) for lo, hi in chosen
        ]
        assert facets.price_ranges == [(lo, hi, 2 if lo is not None and lo >= 100 else 1) for lo, hi in PRICE_EDGES]
