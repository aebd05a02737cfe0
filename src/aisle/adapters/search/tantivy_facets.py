"""Facet counting on a Tantivy searcher.

Tantivy's cheapest aggregation is a terms count over a single-valued field; ranges over numbers and terms over
multi-valued fields cost 2-10x more per document (bench/reports/search_cpu.md). So each facet counts a
single-valued field and turns the counts into what the shopper sees:

- categories: the product's own (leaf) category, summed up the catalog's tree;
- price ranges and ratings: one ``facet_bucket`` term per product ("3.4": price bucket 3, 4 stars and up), one
  count giving both facets (facet_buckets.py holds the edges);
- attributes: the product's whole attribute set as one term, each value's count summed over the sets holding it.

An index built before ``facet_bucket`` and ``attribute_set`` existed is counted the older way (ranges, every
attribute value) until `aisle reindex` rebuilds it: the same counts, more CPU.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from aisle.adapters.search.tantivy_queries import QueryBuilder
from aisle.domain.categories import Category, ancestors_path
from aisle.domain.search.facet_buckets import (
    PRICE_LADDER,
    RATING_STEPS,
    attribute_counts,
    price_and_rating_facets,
)
from aisle.services.search.engine import Facets, Filters, attribute_facets, with_own_attribute_counts

BRAND_FACET_SIZE = 30
CATEGORY_FACET_SIZE = 300
LEAF_CATEGORIES_COUNTED = 100_000  # every leaf a match set can hold, so that the sums up the tree are exact
ATTRIBUTE_FACET_SIZE = 200  # (name, value) pairs over every attribute
ATTRIBUTE_SETS_COUNTED = 10_000  # distinct sets in one match set; more, and the values are counted one by one
FACETS = ("brands", "categories", "price_ranges", "ratings", "attributes")

_BRAND_AGG = {"terms": {"field": "brand", "size": BRAND_FACET_SIZE}}
_CATEGORY_AGG = {"terms": {"field": "category", "size": CATEGORY_FACET_SIZE}}
_CATEGORY_LEAF_AGG = {"terms": {"field": "category_leaf", "size": LEAF_CATEGORIES_COUNTED}}
_BUCKET_AGG = {"terms": {"field": "facet_bucket", "size": 1_000}}  # 9 price x 5 rating buckets at most
_ATTRIBUTE_AGG = {"terms": {"field": "attribute_facet", "size": ATTRIBUTE_FACET_SIZE}}
_ATTRIBUTE_SET_AGG = {"terms": {"field": "attribute_set", "size": ATTRIBUTE_SETS_COUNTED}}
_PRICE_RANGE_AGG = {
    "range": {
        "field": "price",
        "ranges": [{"to": PRICE_LADDER[0]}]
        + [{"from": low, "to": high} for low, high in pairwise(PRICE_LADDER)]
        + [{"from": PRICE_LADDER[-1]}],
    }
}
_RATING_RANGE_AGG = {
    "range": {
        "field": "rating",
        "ranges": [{"from": n, "to": n + 1} for n in sorted(RATING_STEPS)[:-1]] + [{"from": max(RATING_STEPS)}],
    }
}


class FacetCounter:
    def __init__(
        self,
        queries: QueryBuilder,
        categories: Callable[[], dict[int, Category]] | None,
        facet_terms: bool,
    ) -> None:
        """``categories``: the catalog's tree, to count leaf categories (None: every ancestor, multi-valued).
        ``facet_terms``: the index has the facet_bucket and attribute_set fields (False: built before them)."""
        self._queries = queries
        self._categories = categories
        self._facet_terms = facet_terms
        self._aggregations = {
            "brands": _BRAND_AGG,
            "categories": _CATEGORY_AGG if categories is None else _CATEGORY_LEAF_AGG,
            "price_ranges": _BUCKET_AGG if facet_terms else _PRICE_RANGE_AGG,
            "ratings": _BUCKET_AGG if facet_terms else _RATING_RANGE_AGG,
            "attributes": _ATTRIBUTE_SET_AGG if facet_terms else _ATTRIBUTE_AGG,
        }

    def count(self, searcher: Any, text: Any, filters: Filters) -> Facets:
        """Each facet counts with every filter applied except its own, so picking a brand still shows the others."""
        facets = Facets()
        # Attributes count under every filter; each filtered attribute again without its own (_own_attributes).
        shared = [name for name in FACETS if name == "attributes" or filters == filters.without(name)]
        if shared:
            self._count(searcher, self._query(text, filters), shared, facets)
        for name in FACETS:
            if name not in shared:
                self._count(searcher, self._query(text, filters.without(name)), [name], facets)
        if filters.attributes:
            facets.attributes = with_own_attribute_counts(
                facets.attributes, self._own_attributes(searcher, text, filters)
            )
        return facets

    def _query(self, text: Any, filters: Filters) -> Any:
        return self._queries.combine(text, self._queries.filters(filters))

    def _count(self, searcher: Any, query: Any, names: list[str], facets: Facets) -> None:
        wanted = {name: self._aggregations[name] for name in names}
        if self._facet_terms and "price_ranges" in wanted:
            wanted.pop("ratings", None)  # the price_ranges count of facet_bucket gives the ratings too
        result = searcher.aggregate(query, wanted)
        if "brands" in result:
            facets.brands = [(b["key"], b["doc_count"]) for b in result["brands"]["buckets"]]
        if "categories" in result:
            facets.categories = self._categories_read(result["categories"]["buckets"])
        if self._facet_terms:
            self._read_buckets(result, names, facets)
        else:
            _read_ranges(result, facets)
        if "attributes" in result:
            facets.attributes = attribute_facets(self._attribute_values(searcher, query, result["attributes"]))

    def _categories_read(self, buckets: list[dict[str, Any]]) -> list[tuple[int, int]]:
        counted = [(int(b["key"]), b["doc_count"]) for b in buckets]
        return counted if self._categories is None else _rolled_up(counted, self._categories())

    @staticmethod
    def _read_buckets(result: dict[str, Any], names: list[str], facets: Facets) -> None:
        counted = result.get("price_ranges") or result.get("ratings")
        if counted is None:
            return
        price_ranges, ratings = price_and_rating_facets((b["key"], b["doc_count"]) for b in counted["buckets"])
        if "price_ranges" in names:
            facets.price_ranges = price_ranges
        if "ratings" in names:
            facets.ratings = ratings

    def _attribute_values(self, searcher: Any, query: Any, counted: dict[str, Any]) -> list[tuple[str, int]]:
        """(facet value, count), the ATTRIBUTE_FACET_SIZE most common."""
        buckets = [(b["key"], b["doc_count"]) for b in counted["buckets"]]
        if not self._facet_terms:
            return buckets
        values = None if counted.get("sum_other_doc_count") else attribute_counts(buckets, ATTRIBUTE_FACET_SIZE)
        if values is None:  # more sets than one count returns, or a set too long for one term: value by value
            every = searcher.aggregate(query, {"attributes": _ATTRIBUTE_AGG})["attributes"]["buckets"]
            values = [(b["key"], b["doc_count"]) for b in every]
        return values

    def _own_attributes(
        self, searcher: Any, text: Any, filters: Filters
    ) -> dict[str, dict[str, list[tuple[str, int]]]]:
        """For each filtered attribute, the attribute facets counted with that attribute's filter lifted."""
        own = {}
        for name in filters.attribute_names():
            counted = Facets()
            self._count(searcher, self._query(text, filters.without_attribute(name)), ["attributes"], counted)
            own[name] = counted.attributes
        return own


def _read_ranges(result: dict[str, Any], facets: Facets) -> None:
    """Price and rating facets from range counts (an index built before facet_bucket)."""
    if "price_ranges" in result:
        facets.price_ranges = [
            (b.get("from"), b.get("to"), b["doc_count"]) for b in result["price_ranges"]["buckets"] if b["doc_count"]
        ]
    if "ratings" in result:
        buckets = result["ratings"]["buckets"]
        counts = {int(b["from"]): b["doc_count"] for b in buckets if b.get("from") is not None}
        facets.ratings = [(n, sum(c for stars, c in counts.items() if stars >= n)) for n in RATING_STEPS]


def _rolled_up(leaves: list[tuple[int, int]], categories: dict[int, Category]) -> list[tuple[int, int]]:
    """Counts per leaf category summed into each of its ancestors: the counts of every category on the products'
    paths, the most common CATEGORY_FACET_SIZE, as the multi-valued count gives them."""
    counts: Counter[int] = Counter()
    for leaf, count in leaves:
        chain = [c.category_id for c in ancestors_path(categories, leaf)] if leaf in categories else [leaf]
        for category_id in chain:
            if category_id:  # 0: no category
                counts[category_id] += count
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:CATEGORY_FACET_SIZE]
