"""Facet counts under an attribute filter, counted as that filter matches: variant by variant.

The engines count facets product by product, from each product's values and its lowest price. An attribute filter
holds for one variant at its own price (variant_offers.py), so under size=King and "under $30" a sheet set sold
in King at $40 and in Twin at $25 was counted beside King, though choosing King finds it no more; and under
size=King, the price buckets counted the Twin's price. Where the two differ, the listed entries are counted again
with the filter each one leads to:

- a chosen attribute's values, when the filters it is counted under hold per variant (a price bound, "in
  stock", or another attribute): the first ``MOST_RECOUNTED`` values and every chosen one; the others are left
  out, since their product-by-product counts would promise more than choosing them gives;
- an attribute not chosen, under the chosen ones, when it lists at most ``FEW_VALUES`` values (sizes, say, under
  a colour), up to ``MOST_OTHER_COUNTS`` counts in all, fewest values first; one listing more stays product by
  product (a colour a sheet set has only in Twin is counted under size=King);
- with no attribute chosen but a price bound or "in stock", the attributes listing at most ``FEW_VALUES`` values,
  as above: a colour sold only in a sold-out variant is no answer under "in stock". Only for searches matching at
  most ``MOST_MATCHES_RECOUNTED`` products: each count costs about what the search did, and these are counted for
  no choice the shopper made (the bench's price-filtered browsing at a million products would pay it on most
  requests);
- the price buckets, under any attribute filter, as choosing each finds (both edges in, as the filter has them),
  every one: a chosen variant may sell below the product's shown price (a cheaper colour that is sold out).

The counts needed do not depend on one another's results, so they are gathered first and asked in one go
(``CountEach``: on OpenSearch one request, a filters aggregation; on Tantivy one total-only search each).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

from aisle.domain.search.document import attribute_key
from aisle.domain.search.facet_buckets import PRICE_EDGES, price_filter
from aisle.services.search.engine import Facets, Filters, attribute_filters_by_name

MOST_RECOUNTED = 20  # values of one chosen attribute counted again per search
FEW_VALUES = 8  # an attribute not chosen is counted again when it lists no more values than this
MOST_OTHER_COUNTS = 16  # values of attributes not chosen counted again per search
MOST_MATCHES_RECOUNTED = 5_000  # no attribute chosen: recounted only for searches matching at most this many

Count = Callable[[Filters], int]
CountEach = Callable[[Sequence[Filters]], list[int]]


def counted_by_variant(count_each: CountEach, filters: Filters, facets: Facets, matches: int = 0) -> Facets:
    """``facets`` with the entries whose product-by-product count differs from what choosing them gives counted
    again (``count_each``: how many products a search finds under each of these filters; ``matches``: how many
    the search found)."""
    if not filters.attributes and (not _per_variant(filters) or matches > MOST_MATCHES_RECOUNTED):
        return facets
    asked: list[Filters] = []

    def noting(narrowed: Filters) -> int:
        asked.append(narrowed)
        return 0

    _recounted(noting, filters, facets)  # which counts it takes
    totals = iter(count_each(asked))
    return _recounted(lambda _narrowed: next(totals), filters, facets)


def _recounted(count: Count, filters: Filters, facets: Facets) -> Facets:
    attributes = dict(facets.attributes)
    for name in filters.attribute_names():
        if _per_variant(filters.without_attribute(name)):
            attributes[name] = _values(count, filters, name, attributes.get(name, []))
    attributes.update(_other_attributes(count, filters, attributes))
    if not filters.attributes:  # product by product, a price bucket holds what its filter finds
        return replace(facets, attributes=attributes)
    return replace(facets, attributes=attributes, price_ranges=_price_ranges(count, filters))


def _per_variant(lifted: Filters) -> bool:
    """Whether these filters, with one attribute added, ask anything of its variant beyond having the value."""
    priced = lifted.price_min is not None or lifted.price_max is not None
    return bool(lifted.attributes) or priced or lifted.in_stock is True


def _values(count: Count, filters: Filters, name: str, listed: list[tuple[str, int]]) -> list[tuple[str, int]]:
    lifted = filters.without_attribute(name)
    chosen = set(dict(attribute_filters_by_name(filters)).get(name, []))
    kept = [value for i, (value, _n) in enumerate(listed) if i < MOST_RECOUNTED or attribute_key(name, value) in chosen]
    counted = [(value, count(_adding(lifted, name, value))) for value in kept]
    return _ranked(counted, keep=lambda value: attribute_key(name, value) in chosen)


def _other_attributes(
    count: Count, filters: Filters, attributes: dict[str, list[tuple[str, int]]]
) -> dict[str, list[tuple[str, int]]]:
    chosen = set(filters.attribute_names())
    few = sorted((len(values), name) for name, values in attributes.items() if name not in chosen)
    recounted: dict[str, list[tuple[str, int]]] = {}
    budget = MOST_OTHER_COUNTS
    for size, name in few:
        if size > FEW_VALUES or size > budget:
            break
        budget -= size
        recounted[name] = _ranked([(value, count(_adding(filters, name, value))) for value, _n in attributes[name]])
    return recounted


def _adding(filters: Filters, name: str, value: str) -> Filters:
    return replace(filters, attributes=(*filters.attributes, (name, value)))


def _ranked(
    counted: list[tuple[str, int]], keep: Callable[[str], bool] = lambda _value: False
) -> list[tuple[str, int]]:
    """Most common first; a value counted 0 is left out unless ``keep`` says (a chosen one, to unpick)."""
    return sorted(((v, n) for v, n in counted if n or keep(v)), key=lambda entry: (-entry[1], entry[0]))


def _price_ranges(count: Count, filters: Filters) -> list[tuple[float | None, float | None, int]]:
    """Each bucket as the price filter choosing it finds (facet_buckets.price_filter), whatever the engine listed:
    a $120 red variant of a product shown at $50, or a sold-out red one at $12 of a product shown at its cheapest
    in stock, $60."""
    lifted = filters.without("price_ranges")
    counted = []
    for low, high in PRICE_EDGES:
        price_min, price_max = price_filter(low, high)
        counted.append(
            (low, high, count(replace(lifted, price_min=_decimal(price_min), price_max=_decimal(price_max))))
        )
    return [bucket for bucket in counted if bucket[2]]


def _decimal(edge: float | None) -> Decimal | None:
    return None if edge is None else Decimal(str(edge))
