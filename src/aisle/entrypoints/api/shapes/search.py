"""The search answer: how the query was read, the cards, the facets, and what was relaxed or degraded."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from aisle.domain.search.document import attribute_key
from aisle.domain.search.facet_buckets import price_filter
from aisle.domain.search.query import ParsedQuery
from aisle.entrypoints.api.shapes.common import (
    CategoryRef,
    ProductCard,
    Wire,
    Wired,
    card_shown,
    category_ref,
    optional_number,
)
from aisle.services.search.engine import Filters
from aisle.services.search.results import CategoryCount, PriceDropped, Relaxation, RelaxStep, SearchResult


class Correction(Wire):
    from_: str = Field(alias="from")
    to: str


class SynonymUsed(Wire):
    term: str
    expansions: list[str]


class FiltersRead(Wire):
    brand: list[str]
    brand_in_titles: bool = Field(
        False,
        description="The brand read from the words also keeps products whose titles name it (cases made for a "
        'Samsung phone for "samsung galaxy s7 case"); the brand facet then shows it unselected, since choosing it '
        "keeps the maker's own products only",
    )
    price_min: float | None
    price_max: float | None
    rating_min: float | None
    in_stock: bool | None
    attributes: list[str] = Field(
        default_factory=list, description='Variant attributes read from the words, as name:value ("size 10": size:10)'
    )
    excluded: list[str] = Field(
        default_factory=list,
        description='Words the shopper ruled out ("case -otterbox", "laptop not hp", "without windows"): no result '
        "has one in its title or brand",
    )
    not_made_by: list[str] = Field(
        default_factory=list,
        description='Brands the words named as what the product fits, made by anyone else ("apple watch bands third '
        'party"): no result is of one of these brands',
    )


class QueryRead(Wire):
    """How the text was understood."""

    keywords: list[str]
    filters: FiltersRead
    sort: str | None
    corrected: str | None
    corrections: list[Correction]
    synonyms: list[SynonymUsed]
    predicted_category: CategoryRef | None = Field(
        description="The deepest category holding more than half of the first 20 results in relevance order: a "
        "department to offer the shopper; null when they spread over several"
    )


class FacetEntry(Wire):
    """One value of a facet: what to show, how many results picking it would leave, and whether it is picked."""

    name: str
    count: int
    selected: bool


class CategoryFacet(Wire):
    id: str
    name: str
    path: str
    count: int
    selected: bool


class PriceRangeFacet(Wire):
    name: str
    min: float | None = Field(description="The price_min that chooses this range (None: no lower end)")
    max: float | None = Field(
        description="The price_max that chooses this range: a cent below the next range's min, as ranges hold "
        "their low edge and not their high one ($10.00 is in $10-$25, not Under $10); None: no upper end"
    )
    label: str
    count: int
    selected: bool


class RatingFacet(Wire):
    name: str
    min: int = Field(description="n: products rated n stars and up")
    label: str
    count: int
    selected: bool


class Facets(Wire):
    brands: list[FacetEntry] = Field(description="One entry per brand, whatever the case sellers typed it in")
    categories: list[CategoryFacet] = Field(
        description="The chosen category first (selected: true), then its children; the roots when none is chosen"
    )
    price_ranges: list[PriceRangeFacet] = Field(description="On the price shoppers pay now, deals applied")
    ratings: list[RatingFacet]
    attributes: dict[str, list[FacetEntry]] = Field(
        description="Variant attributes (color, size, storage ...): attribute name -> its values; filter with "
        "attr=name:value",
    )


class CategoryCountShown(Wire):
    id: str
    name: str
    path: str
    count: int


class PriceBand(Wire):
    min: float | None
    max: float | None


class RelaxStepShown(Wire):
    dropped: str = Field(
        description="rating_min, in_stock, price, attribute (name:value), keyword or brand: only what the words said "
        "or implied; a filter given as a parameter is never dropped"
    )
    value: bool | float | str | list[str] | PriceBand


class RelaxationShown(Wire):
    steps: list[RelaxStepShown] = Field(description="What was dropped, in order")
    spelling_suggestion: str | None
    related_categories: list[CategoryCountShown]


class DegradedShown(Wire):
    reason: str
    served_by: str
    limits: str = Field(description="What the answer cannot do while the search engine is away")


class SearchCard(ProductCard):
    near_match: bool = Field(
        description="Matches the query but for a word (or holds the brand word without being of that brand): "
        "shown after the exact matches when they are few, and counted in near_matches"
    )


class SearchResponse(Wire):
    query: QueryRead
    results: list[SearchCard]
    facets: Facets
    total: int = Field(description="Every product the results can page through, near matches included")
    near_matches: int = Field(description="How many of total only nearly match (each marked near_match)")
    described_only: int = Field(
        0,
        description="Sorted by price, rating or date: the matches left out of total because a query word is only "
        "in their descriptions, not in their name, brand or category (sorted by relevance they come last)",
    )
    page: int
    page_size: int
    sort: str
    relaxed: RelaxationShown | None = Field(description="Set when the query as given matched nothing")
    degraded: DegradedShown | None = Field(
        None, description="Present only when the catalog database answered instead of the search engine"
    )
    took_ms: float


def search_shown(result: SearchResult) -> Wired:
    shown = {
        "query": _query_read(result),
        "results": [{**card_shown(c), "near_match": c.product_id in result.near_on_page} for c in result.cards],
        "facets": _facets(result),
        "total": result.total,
        "near_matches": result.near_matches,
        "described_only": result.described_only,
        "page": result.page,
        "page_size": result.page_size,
        "sort": result.sort,
        "relaxed": None if result.relaxed is None else _relaxation(result.relaxed),
    }
    if (degraded := result.degraded) is not None:
        shown["degraded"] = {"reason": degraded.reason, "served_by": degraded.served_by, "limits": degraded.limits}
    shown["took_ms"] = result.took_ms
    return shown


def _query_read(result: SearchResult) -> Wired:
    predicted = result.predicted_category
    read = understood(result.query)
    read["filters"]["brand_in_titles"] = result.filters.brands_in_title
    return {**read, "predicted_category": None if predicted is None else category_ref(predicted)}


def understood(parsed: ParsedQuery) -> Wired:
    """The ``query`` block: how the text was read."""
    return {
        "keywords": list(parsed.keywords),
        "filters": {
            "brand": list(parsed.brands),
            "price_min": optional_number(parsed.price_min),
            "price_max": optional_number(parsed.price_max),
            "rating_min": parsed.rating_min,
            "in_stock": parsed.in_stock,
            "attributes": list(dict.fromkeys(f"{name}:{value}" for name, value in parsed.attributes)),
            "excluded": list(parsed.excluded),
            "not_made_by": list(parsed.not_made_by),
        },
        "sort": parsed.sort,
        "corrected": parsed.corrected,
        "corrections": [{"from": typed, "to": fixed} for typed, fixed in parsed.corrections],
        "synonyms": [{"term": term, "expansions": list(found)} for term, found in parsed.synonyms],
    }


def _facets(result: SearchResult) -> Wired:
    facets, filters = result.facets, result.filters
    chosen_brands = set() if filters.brands_in_title else {b.casefold() for b in filters.brands}
    return {
        "brands": [{"name": b, "count": n, "selected": b.casefold() in chosen_brands} for b, n in facets.brands],
        "categories": [{**_category_count(c), "selected": c.selected} for c in result.facet_categories],
        "price_ranges": [_price_bucket(low, high, n, filters) for low, high, n in facets.price_ranges],
        "ratings": [
            {
                "name": f"{stars}★ & up",
                "min": stars,
                "label": f"{stars}★ & up",
                "count": n,
                "selected": filters.rating_min == stars,
            }
            for stars, n in facets.ratings
            if n or filters.rating_min == stars  # a step nothing reaches would only find what was not asked for
        ],
        "attributes": _attribute_facet(facets.attributes, filters),
    }


def _attribute_facet(attributes: dict[str, list[tuple[str, int]]], filters: Filters) -> Wired:
    chosen = {attribute_key(name, value) for name, value in filters.attributes}
    return {
        name: [{"name": v, "count": n, "selected": attribute_key(name, v) in chosen} for v, n in values]
        for name, values in attributes.items()
    }


def _price_bucket(low: float | None, high: float | None, count: int, filters: Filters) -> Wired:
    if low is None:
        label = f"Under ${high:,.0f}"
    elif high is None:
        label = f"${low:,.0f} & above"
    else:
        label = f"${low:,.0f} – ${high:,.0f}"  # noqa: RUF001 - an en dash is right for a range
    low, high = price_filter(low, high)
    selected = _same(filters.price_min, low) and _same(filters.price_max, high)
    return {"name": label, "min": low, "max": high, "label": label, "count": count, "selected": selected}


def _same(chosen: Any, edge: float | None) -> bool:
    return (chosen is None and edge is None) or (chosen is not None and edge is not None and float(chosen) == edge)


def _relaxation(relaxed: Relaxation) -> Wired:
    return {
        "steps": [_step(step) for step in relaxed.steps],
        "spelling_suggestion": relaxed.spelling_suggestion,
        "related_categories": [_category_count(c) for c in relaxed.related_categories],
    }


def _category_count(counted: CategoryCount) -> Wired:
    return {**category_ref(counted.category), "count": counted.count}


def _step(step: RelaxStep) -> Wired:
    value = step.value
    if isinstance(value, PriceDropped):
        return {
            "dropped": step.dropped,
            "value": {"min": optional_number(value.min), "max": optional_number(value.max)},
        }
    return {"dropped": step.dropped, "value": list(value) if isinstance(value, tuple) else value}
