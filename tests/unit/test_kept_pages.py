"""Ranked pages kept per index generation: a repeated search is ranked once while the index and what ranks it stay
the same, its cards (live price and stock) are read every time, and anything that could change the page ranks it
again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from aisle.services.cache_lookups import CacheLookups
from aisle.services.search import service as search_service
from aisle.services.search.engine import EngineQuery, EngineResult, Facets, Filters, Hit, KeywordGroup
from aisle.services.search.kept_pages import KeptPages
from aisle.services.search.params import SearchParams
from aisle.services.search.service import SearchService
from aisle.services.search.understanding import QueryUnderstanding

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
CATEGORIES: dict = {}  # one tree, as the category cache hands out until it reloads


class CountingEngine:
    """Every shoe matches; ``catalog`` is what the index holds (product id -> title)."""

    def __init__(self) -> None:
        self.catalog = {1: "red trail shoe", 2: "blue trail shoe"}
        self.searches = 0
        self.cuts = [0.1 * n for n in range(1, 100)]

    def search(self, query: EngineQuery) -> EngineResult:
        self.searches += 1
        hits = [Hit(pid, 1.0 + pid / 10, 0.5, None, title=title) for pid, title in sorted(self.catalog.items())]
        return EngineResult(hits[query.offset : query.offset + query.limit], len(hits), Facets(brands=[("Acme", 2)]))

    def count_each(self, keywords: tuple[KeywordGroup, ...], filters: Sequence[Filters]) -> list[int]:
        queries = (EngineQuery(keywords=keywords, filters=f, limit=0, with_facets=False) for f in filters)
        return [self.search(query).total for query in queries]

    def term_completions(self, prefix: str, limit: int, within: str = "") -> list[tuple[str, int]]:
        return [("shoe", 2), ("trail", 2)]

    def brands(self) -> list[str]:
        return ["Acme"]

    def popularity_cuts(self) -> list[float]:
        return list(self.cuts)  # a new list at every read, as an engine gives


@dataclass(frozen=True)
class Card:
    product_id: int
    price: float
    pictured_variants: tuple = ()  # as a ProductCard: the search picks a variant's picture from these
    brand: str | None = None  # and shows the brand as the index spells it


class LiveCards:
    def __init__(self) -> None:
        self.prices = {1: 10.0, 2: 20.0, 3: 30.0}
        self.reads = 0

    def cards(self, product_ids):
        self.reads += 1
        return [Card(pid, self.prices[pid]) for pid in product_ids]


@dataclass
class Index:
    generation: object = 1

    def __call__(self) -> object:
        return self.generation


@pytest.fixture
def engine() -> CountingEngine:
    return CountingEngine()


@pytest.fixture
def cards() -> LiveCards:
    return LiveCards()


@pytest.fixture
def index() -> Index:
    return Index()


@pytest.fixture
def lookups() -> CacheLookups:
    return CacheLookups()


@pytest.fixture
def understanding(engine: CountingEngine) -> QueryUnderstanding:
    return QueryUnderstanding(lambda limit: engine.term_completions("", limit), engine.brands)


@pytest.fixture
def search(engine, cards, index, lookups, understanding) -> SearchService:
    pages = KeptPages(index, lookups=lookups)
    return SearchService(engine, understanding, cards, lambda: CATEGORIES, lambda: NOW, pages=pages)  # type: ignore[arg-type]


def test_a_repeated_search_is_ranked_once_and_its_cards_are_read_every_time(search, engine, cards, lookups):
    first = search.search(SearchParams(q="trail shoe", client="a"))
    asked = engine.searches
    cards.prices[1] = 7.5  # a price changed: no index commit, the card shows it at once
    again = search.search(SearchParams(q="trail shoe", client="b"))  # who asks does not change the page
    assert engine.searches == asked
    assert cards.reads == 2
    assert [c.product_id for c in again.cards] == [c.product_id for c in first.cards] == [2, 1]
    assert {c.product_id: c.price for c in again.cards} == {1: 7.5, 2: 20.0}
    assert (again.total, again.facets, again.query) == (first.total, first.facets, first.query)
    assert (lookups.count("search_page", "hit"), lookups.count("search_page", "miss")) == (1, 1)


def test_a_new_index_generation_ranks_the_search_again(search, engine, index):
    search.search(SearchParams(q="trail shoe"))
    engine.catalog[3] = "green trail shoe"
    assert [c.product_id for c in search.search(SearchParams(q="trail shoe")).cards] == [2, 1]  # not committed yet
    index.generation = 2
    result = search.search(SearchParams(q="trail shoe"))
    assert [c.product_id for c in result.cards] == [3, 2, 1]
    assert result.total == 3


@pytest.mark.parametrize(
    "other",
    [
        SearchParams(q="trail shoes"),
        SearchParams(q="trail shoe", page=2, page_size=1),
        SearchParams(q="trail shoe", sort="price_asc"),
        SearchParams(q="trail shoe", brands=("Acme",)),
    ],
)
def test_every_parameter_but_who_asked_names_another_page(search, engine, other):
    search.search(SearchParams(q="trail shoe", page_size=1))
    asked = engine.searches
    search.search(other)
    assert engine.searches > asked


def test_a_rebuilt_query_parser_ranks_the_search_again(search, engine, understanding):
    """New synonyms or a vocabulary that followed the index may read the words differently."""
    search.search(SearchParams(q="trail shoe"))
    asked = engine.searches
    understanding.rebuild()
    search.search(SearchParams(q="trail shoe"))
    assert engine.searches > asked


def test_an_engine_that_cannot_name_its_generation_ranks_every_search(search, engine, index, lookups):
    index.generation = None
    search.search(SearchParams(q="trail shoe"))
    asked = engine.searches
    search.search(SearchParams(q="trail shoe"))
    assert engine.searches == 2 * asked
    assert lookups.count("search_page", "hit") == lookups.count("search_page", "miss") == 0


def test_the_least_recently_used_page_goes_first(engine, cards, index, understanding):
    search = SearchService(
        engine,  # type: ignore[arg-type]
        understanding,
        cards,  # type: ignore[arg-type]
        lambda: CATEGORIES,
        lambda: NOW,
        pages=KeptPages(index, kept=2),
    )
    for q in ("trail", "shoe", "trail", "red"):  # "shoe" is the least recently used when "red" comes
        search.search(SearchParams(q=q))
    asked = engine.searches
    search.search(SearchParams(q="trail"))
    assert engine.searches == asked
    search.search(SearchParams(q="shoe"))
    assert engine.searches > asked


def test_popularity_cuts_read_again_keep_the_pages_while_they_hold(search, engine, monkeypatch):
    monkeypatch.setattr(search_service, "POPULARITY_CUTS_TTL_SECONDS", -1)  # read again at every search
    search.search(SearchParams(q="trail shoe"))
    asked = engine.searches
    search.search(SearchParams(q="trail shoe"))
    assert engine.searches == asked
    engine.cuts[0] = 0.05  # the catalog's popularity moved: the re-rank may order the page differently
    search.search(SearchParams(q="trail shoe"))
    assert engine.searches > asked
