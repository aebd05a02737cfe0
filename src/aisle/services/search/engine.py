"""The search engine port: what the pipeline asks of Tantivy (embedded) or OpenSearch (distributed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aisle.domain.catalog import attribute_name as attribute_name  # adapters read it from the port
from aisle.domain.catalog import folded
from aisle.domain.search.document import ATTRIBUTE_SEPARATOR, SearchDocument, attribute_key, attribute_values
from aisle.domain.search.facet_buckets import PRICE_LADDER as PRICE_LADDER  # facet bucket edges, in dollars
from aisle.domain.search.filters import Filters as Filters  # what the port applies: the domain's one Filters
from aisle.domain.search.variant_offers import filter_ranges

PERCENTILES = tuple(range(1, 100))


@dataclass(frozen=True)
class KeywordGroup:
    """One word the shopper typed: a document must match it, or one of its alternatives (synonyms)."""

    word: str
    alternatives: tuple[str, ...] = ()  # may be several words each ("mobile phone")
    fuzzy: bool = True  # also match terms one edit away (typo tolerance)
    required: bool = True  # False: a match only lifts the score (a brand word that would empty the query)
    # A number typed after a word ("iphone 8", "gtx 1080"): the word it numbers, which it must stand near
    # (NUMBERED_WITHIN words, either side) to match; "" for any other word
    numbers: str = ""
    # True: found in the product's name, brand, category or codes; a description that mentions it is not enough
    in_names: bool = False


# "iPhone 8", "iPhone® 8", "Galaxy Tab A 10.1", "8-Pack" for "pack 8"; not "iPhone 7 ... ƒ/1.8" nor
# "pixels AMD Athlon 4"
NUMBERED_WITHIN = 1
# A synonym phrase's words a word apart match too ("Wireless HiFi Headphone", "Smart LED TV"), scoring this share of
# the words side by side, which also match the phrase itself
PHRASE_WITHIN = 1
SPREAD_PHRASE_WEIGHT = 0.5


@dataclass(frozen=True)
class EngineQuery:
    keywords: tuple[KeywordGroup, ...] = ()
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    minimum_should_match: int | None = None  # None: every keyword must match; n: any n of them (relaxation)
    with_facets: bool = True
    with_total: bool = True  # False: the caller reads only the facets; an engine may skip counting (total 0)
    with_titles: bool = False  # hits carry their titles in any order (relevance-ranked keyword hits always do)


@dataclass(frozen=True)
class Hit:
    product_id: int
    text_score: float  # the engine's relevance score (0 when browsing without keywords)
    static_score: float  # the non-text part of the ranking formula, computed at index time
    category_id: int | None
    popularity: float = 0.0  # the catalog's popularity score, ranked against the other candidates when re-ranking
    title: str = ""  # filled for keyword searches ranked by relevance (re-ranking reads what each product is) or
    # when the query asks ``with_titles``
    price: float | None = None  # the effective price the index holds (what price filters and sorts read)


@dataclass
class Facets:
    brands: list[tuple[str, int]] = field(default_factory=list)
    categories: list[tuple[int, int]] = field(default_factory=list)  # every level of the tree
    price_ranges: list[tuple[float | None, float | None, int]] = field(default_factory=list)
    ratings: list[tuple[int, int]] = field(default_factory=list)  # (n, count of products rated n and up)
    attributes: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # name -> (value, count)


def facets_to_dict(facets: Facets) -> dict[str, Any]:
    """A JSON-safe form, for caches."""
    return {
        "brands": facets.brands,
        "categories": facets.categories,
        "price_ranges": facets.price_ranges,
        "ratings": facets.ratings,
        "attributes": facets.attributes,
    }


def facets_from_dict(data: dict[str, Any]) -> Facets:
    return Facets(
        brands=[(str(b), int(n)) for b, n in data["brands"]],
        categories=[(int(c), int(n)) for c, n in data["categories"]],
        price_ranges=[(low, high, int(n)) for low, high, n in data["price_ranges"]],
        ratings=[(int(stars), int(n)) for stars, n in data["ratings"]],
        attributes={str(k): [(str(v), int(n)) for v, n in values] for k, values in data.get("attributes", {}).items()},
    )


@dataclass
class EngineResult:
    hits: list[Hit]
    total: int
    facets: Facets


class EngineUnavailable(Exception):
    """The search engine cannot answer right now (down, timing out, or its circuit breaker is open)."""


class Searcher(Protocol):
    """What answering a search needs: the engine, or the database browsing in its stead while it is down."""

    def search(self, query: EngineQuery) -> EngineResult: ...


class RebuildTarget(Protocol):
    """A fresh, not yet serving index that a rebuild writes into."""

    def upsert(self, documents: Sequence[SearchDocument]) -> None: ...

    def delete(self, product_ids: Sequence[int]) -> None: ...

    def refresh(self) -> None: ...


class SearchEngine(Protocol):
    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        """Adds or replaces documents; visible to searches after ``refresh``."""

    def delete(self, product_ids: Sequence[int]) -> None: ...

    def refresh(self) -> None:
        """Makes every write so far visible to searches (a commit)."""

    def search(self, query: EngineQuery) -> EngineResult: ...

    def related(self, product_id: int, limit: int) -> list[int]:
        """ACTIVE products like this one (title words, brand, category), best first, without itself."""

    def count_each(self, keywords: tuple[KeywordGroup, ...], filters: Sequence[Filters]) -> list[int]:
        """How many products these keywords find under each of ``filters``, asked together (one request where
        the engine can)."""

    def term_completions(self, prefix: str, limit: int, within: str = "") -> list[tuple[str, int]]:
        """Indexed title words that start with ``prefix``, most frequent first: in every title, or counted in the
        titles holding every word of ``within`` ("iphone" and "c": case, clear, cover)."""

    def title_completions(self, prefix: str, limit: int) -> list[tuple[int, str]]:
        """(product id, title) of products whose title contains a word starting with the prefix's last word."""

    def brands(self) -> list[str]:
        """Every brand in the index, as sellers spell it: those with the most products first, then by name."""

    def claim_brand_spellings(self, wanted: Mapping[str, str]) -> dict[str, str]:
        """Brand key → the one spelling the index uses for it: the first ever claimed, by any index builder
        writing to this index (a conditional insert); ``wanted`` is claimed for keys that have none yet."""

    def popularity_cuts(self) -> list[float]:
        """The catalog's popularity at the percentiles 1..99 over the whole index, ascending (empty when empty)."""

    def count(self) -> int: ...

    def close(self) -> None: ...

    def begin_rebuild(self) -> RebuildTarget:
        """A new, empty index beside the serving one; searches keep using the serving one meanwhile."""

    def drop_abandoned_rebuilds(self) -> None:
        """Removes the indexes of rebuilds begun and never finished (their process died). Only for a caller that
        holds the index's rebuild lock: a rebuild still running elsewhere would lose its index."""

    def finish_rebuild(self, target: RebuildTarget) -> None:
        """Atomically makes ``target`` the serving index (no moment without results) and drops older ones.

        Changes made while the target was built are the caller's to re-sync (``IndexBuilder.catch_up``) before
        finishing; other serving processes notice the switch and catch up on their own."""


def attribute_facets(buckets: list[tuple[str, int]]) -> dict[str, list[tuple[str, int]]]:
    """Facet field terms ("color<US>Red", count) grouped by attribute name, most common values first. Values
    spelt alike but for case ("BLACK", "Black") are one entry, as the filter matches them both, under the
    commonest spelling (one with lowercase letters on a tie)."""
    grouped: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for term, count in buckets:
        name, _, value = term.partition(ATTRIBUTE_SEPARATOR)
        if value:
            grouped.setdefault(name, {}).setdefault(value.casefold(), []).append((value, count))
    return {name: _one_per_spelling(spellings) for name, spellings in sorted(grouped.items())}


def _one_per_spelling(spellings: dict[str, list[tuple[str, int]]]) -> list[tuple[str, int]]:
    merged = [
        (min(alike, key=lambda v: (-v[1], v[0].isupper(), v[0]))[0], sum(count for _v, count in alike))
        for alike in spellings.values()
    ]
    return sorted(merged, key=lambda v: (-v[1], v[0]))


def attribute_filter_keys(filters: Filters) -> list[list[str]]:
    """The attribute filter as index keys, one list per attribute name (any of its values matches)."""
    return [keys for _name, keys in attribute_filters_by_name(filters)]


def variant_filter_ranges(filters: Filters) -> list[tuple[int, int]] | None:
    """The variant_offer ranges that hold the attribute filter, the price range and "in stock" for one variant
    (None: no attribute filter, or one too wide for them; the product-level filters then apply)."""
    keys = attribute_filter_keys(filters)
    return filter_ranges(keys, filters.price_min, filters.price_max, in_stock_only=filters.in_stock is True)


def attribute_filters_by_name(filters: Filters) -> list[tuple[str, list[str]]]:
    """(attribute name, its index keys), sorted by name."""
    return [(name, [attribute_key(name, v) for v in values]) for name, values in attribute_filter_values(filters)]


def attribute_filter_values(filters: Filters) -> list[tuple[str, list[str]]]:
    """(attribute name, the values asked of it, lowercase and sorted), sorted by name; read as the index reads the
    variants' values: "color:Black,Silver" asks for either colour."""
    by_name: dict[str, set[str]] = {}
    for name, value in filters.attributes:
        read = attribute_values(name, value) or [(attribute_name(name), value)]
        by_name.setdefault(attribute_name(name), set()).update(folded(one) for _n, one in read)
    return [(name, sorted(values)) for name, values in sorted(by_name.items())]


def with_own_attribute_counts(
    counted: dict[str, list[tuple[str, int]]], own: dict[str, dict[str, list[tuple[str, int]]]]
) -> dict[str, list[tuple[str, int]]]:
    """Attribute facets where each filtered attribute counts without its own filter (so its other values stay
    pickable) and under every other filter, attribute filters included. ``counted``: every attribute under all
    filters; ``own``: for each filtered attribute, the facets counted with that attribute's filter lifted."""
    merged = {name: values for name, values in counted.items() if name not in own}
    for name, facets in own.items():
        if facets.get(name):
            merged[name] = facets[name]
    return dict(sorted(merged.items()))
