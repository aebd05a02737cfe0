"""Facets that show every value the shopper picked, even one past a facet's size (a brand with 11 products after
the first 30 brands): a filter that is applied but not listed can be neither seen nor unpicked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from aisle.domain.catalog import attribute_name
from aisle.domain.search.brand_spellings import brand_key
from aisle.domain.search.document import attribute_key
from aisle.services.search.engine import EngineQuery, Facets, Filters, KeywordGroup, Searcher

MOST_ADDED = 20  # picked values counted apart per search: a request naming 500 brands costs 20 counts, not 500


def with_chosen_values(
    engine: Searcher,
    keywords: tuple[KeywordGroup, ...],
    filters: Filters,
    facets: Facets,
    spellings: Callable[[], list[str]],
) -> Facets:
    """``facets`` with each picked brand and attribute value they lack, counted as its facet counts it (under
    every other facet's filter); a brand in the index's spelling (``spellings``: every brand the index holds)."""
    brands = _missing_brands(filters, facets)
    attributes = _missing_attributes(filters, facets)
    if not brands and not attributes:
        return facets

    def count(narrowed: Filters) -> int:
        return engine.search(EngineQuery(keywords=keywords, filters=narrowed, limit=0, with_facets=False)).total

    shown = {brand_key(b): b for b in spellings()} if brands else {}
    added = [(shown.get(brand_key(b), b), count(replace(filters, brands=(b,)))) for b in brands]
    values = {name: list(found) for name, found in facets.attributes.items()}
    for name, value in attributes:
        lifted = filters.without_attribute(name)
        values.setdefault(name, []).append(
            (value, count(replace(lifted, attributes=(*lifted.attributes, (name, value)))))
        )
    return replace(facets, brands=[*facets.brands, *added], attributes=dict(sorted(values.items())))


def _missing_brands(filters: Filters, facets: Facets) -> list[str]:
    if filters.brands_typed:  # counted under the typed brand: what it lacks, none of the results has
        return []
    listed = {brand_key(b) for b, _n in facets.brands}
    missing: dict[str, str] = {}
    for brand in filters.brands:
        if brand_key(brand) not in listed:
            missing.setdefault(brand_key(brand), brand)
    return list(missing.values())[:MOST_ADDED]


def _missing_attributes(filters: Filters, facets: Facets) -> list[tuple[str, str]]:
    missing: dict[str, tuple[str, str]] = {}
    for name, value in filters.attributes:
        listed = {attribute_key(name, v) for v, _n in facets.attributes.get(attribute_name(name), [])}
        if attribute_key(name, value) not in listed:
            missing.setdefault(attribute_key(name, value), (attribute_name(name), value))
    return list(missing.values())[:MOST_ADDED]
