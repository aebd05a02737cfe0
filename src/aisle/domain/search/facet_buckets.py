"""The price and rating facets' buckets, and a product's attribute set: what the index stores so that facets are
counted over single-valued fields (a terms count, the engines' cheapest aggregation) instead of ranges over
numbers or terms over multi-valued fields.

The bucket edges are product decisions and live only here: the engines index a product's bucket with these
functions and turn counted buckets back into the facets the shopper sees with them, so the counts are the same as
ranges over ``PRICE_LADDER`` and over whole stars would give.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from aisle.domain.search.document import attribute_facet_value

PRICE_LADDER = (10, 25, 50, 100, 200, 500, 1000, 2000)  # facet bucket edges, in dollars
RATING_STEPS = (4, 3, 2, 1)  # "n stars and up", best first
_EDGES = tuple(float(edge) for edge in PRICE_LADDER)
PRICE_EDGES: tuple[tuple[float | None, float | None], ...] = tuple(zip((None, *_EDGES), (*_EDGES, None), strict=True))
"""Price bucket i is [low, high) of PRICE_EDGES[i]; None is an open end."""
NO_STARS = 0  # rated below one star (or not rated): in no rating bucket
BUCKET_SEPARATOR = "."
ATTRIBUTE_SET_SEPARATOR = "\u001e"  # between a product's attributes: whitespace, so never in a name or value
MAX_ATTRIBUTE_SET_BYTES = 30_000  # well below the longest term the engines keep (Tantivy: 65,530 bytes)
ATTRIBUTE_SET_TOO_LONG = ATTRIBUTE_SET_SEPARATOR + "too long"

PriceRanges = list[tuple[float | None, float | None, int]]
Ratings = list[tuple[int, int]]


def price_bucket(price: float) -> int:
    """Which PRICE_EDGES range holds ``price``: a low edge belongs to its range, a high edge to the next."""
    return bisect_right(PRICE_LADDER, price)


def price_filter(low: float | None, high: float | None) -> tuple[float | None, float | None]:
    """The price_min and price_max (both edges in) that choose exactly the range [low, high): prices are whole
    cents, so the dearest price in it is a cent below ``high``."""
    return low, None if high is None else round(high - 0.01, 2)


def rating_bucket(rating: float | None) -> int:
    """Whole stars, 4 and up counted as 4; NO_STARS below one star."""
    if rating is None or not rating >= min(RATING_STEPS):  # NaN too
        return NO_STARS
    return min(int(rating), max(RATING_STEPS))


def facet_bucket(price: float, rating: float | None) -> str:
    """Both buckets in one term ("3.4"): one count over it gives the price facet and the rating facet at once."""
    return f"{price_bucket(price)}{BUCKET_SEPARATOR}{rating_bucket(rating)}"


def price_and_rating_facets(counted: Iterable[tuple[str, int]]) -> tuple[PriceRanges, Ratings]:
    """Counts of facet_bucket terms turned into the price ranges (non-empty ones, cheapest first) and the
    ratings ("n stars and up", every step, best first)."""
    prices: Counter[int] = Counter()
    stars: Counter[int] = Counter()
    for term, count in counted:
        price, _, rating = term.partition(BUCKET_SEPARATOR)
        prices[int(price)] += count
        stars[int(rating)] += count
    ranges = [(low, high, prices[i]) for i, (low, high) in enumerate(PRICE_EDGES) if prices[i]]
    ratings = [(n, sum(c for rated, c in stars.items() if rated >= n)) for n in RATING_STEPS]
    return ranges, ratings


def attribute_set(attributes: Iterable[tuple[str, str]]) -> str:
    """A product's (name, value) attributes in one term of sorted facet values: products sharing a set count
    together, and the count of each value is the sum over the sets that hold it (attribute_counts). A set too
    long for one term is ATTRIBUTE_SET_TOO_LONG, which sends the count back to every value (the slower way)."""
    term = ATTRIBUTE_SET_SEPARATOR.join(sorted({attribute_facet_value(name, value) for name, value in attributes}))
    return term if len(term.encode()) <= MAX_ATTRIBUTE_SET_BYTES else ATTRIBUTE_SET_TOO_LONG


def attribute_counts(counted_sets: Iterable[tuple[str, int]], size: int) -> list[tuple[str, int]] | None:
    """Counts of attribute sets turned into counts per attribute facet value: the ``size`` most common, ties in
    value order. None when a set was too long to index (its values must be counted one by one)."""
    counts: Counter[str] = Counter()
    for term, count in counted_sets:
        if term == ATTRIBUTE_SET_TOO_LONG:
            return None
        for value in _values_of(term):
            counts[value] += count
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:size]


@lru_cache(maxsize=65_536)  # a catalog holds a few thousand distinct sets; each is split once, not per search
def _values_of(attribute_set_term: str) -> tuple[str, ...]:
    return tuple(attribute_set_term.split(ATTRIBUTE_SET_SEPARATOR))
