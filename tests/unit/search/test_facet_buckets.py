"""The price and rating buckets the index stores give the counts ranges over the same edges give."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aisle.domain.search.facet_buckets import (
    ATTRIBUTE_SET_TOO_LONG,
    MAX_ATTRIBUTE_SET_BYTES,
    PRICE_EDGES,
    RATING_STEPS,
    attribute_counts,
    attribute_set,
    facet_bucket,
    price_and_rating_facets,
    price_bucket,
    rating_bucket,
)

prices = st.one_of(
    st.floats(min_value=-1.0, max_value=1e7, allow_nan=False),
    st.sampled_from([edge for pair in PRICE_EDGES for edge in pair if edge is not None]),
    st.sampled_from([9.999999, 24.99, 1999.99, 2000.0000001]),
)
ratings = st.one_of(
    st.none(), st.floats(min_value=0.0, max_value=5.0), st.sampled_from([0.0, 0.99, 1.0, 2.0, 3.0, 3.999, 4.0, 5.0])
)


def in_range(value: float, low: float | None, high: float | None) -> bool:
    """What a range aggregation counts: from inclusive, to exclusive."""
    return (low is None or value >= low) and (high is None or value < high)


@given(prices)
def test_a_price_falls_in_the_one_range_a_range_count_puts_it_in(price: float) -> None:
    holding = [i for i, (low, high) in enumerate(PRICE_EDGES) if in_range(price, low, high)]
    assert holding == [price_bucket(price)]


@given(ratings)
def test_a_rating_counts_in_every_n_stars_and_up_it_reaches(rating: float | None) -> None:
    _ranges, counted = price_and_rating_facets([(facet_bucket(50.0, rating), 1)])
    reached = {n: int(rating is not None and rating >= n) for n in RATING_STEPS}
    assert dict(counted) == reached
    assert rating_bucket(rating) == max((n for n in RATING_STEPS if reached[n]), default=0)


@given(st.lists(st.tuples(prices, ratings), max_size=40))
def test_bucket_counts_equal_range_counts(products: list[tuple[float, float | None]]) -> None:
    terms: dict[str, int] = {}
    for price, rating in products:
        terms[facet_bucket(price, rating)] = terms.get(facet_bucket(price, rating), 0) + 1
    price_ranges, stars = price_and_rating_facets(terms.items())
    by_range = [(low, high, sum(in_range(p, low, high) for p, _ in products)) for low, high in PRICE_EDGES]
    assert price_ranges == [bucket for bucket in by_range if bucket[2]]
    assert stars == [(n, sum(r is not None and r >= n for _, r in products)) for n in RATING_STEPS]


def test_attribute_sets_sum_into_counts_per_value_most_common_first() -> None:
    red_m = attribute_set([("color", "Red"), ("size", "M"), ("color", "Red")])
    red = attribute_set([("color", "Red")])
    blue_m = attribute_set([("size", "M"), ("color", "Blue")])
    assert red_m == attribute_set([("size", "M"), ("color", "Red")])  # a set, in any order
    counted = attribute_counts([(red_m, 3), (red, 2), (blue_m, 1)], size=10)
    assert counted == [("color\x1fRed", 5), ("size\x1fM", 4), ("color\x1fBlue", 1)]
    assert attribute_counts([(red_m, 3), (red, 2), (blue_m, 1)], size=2) == counted[:2]


def test_a_set_too_long_for_one_term_asks_for_the_count_value_by_value() -> None:
    many = [(f"spec {i}", "x" * 90) for i in range(MAX_ATTRIBUTE_SET_BYTES // 90)]
    assert attribute_set(many) == ATTRIBUTE_SET_TOO_LONG
    assert attribute_counts([(attribute_set([("color", "Red")]), 1), (ATTRIBUTE_SET_TOO_LONG, 1)], size=5) is None
