"""The search engine contract: every engine (Tantivy now, OpenSearch next) must pass these."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from aisle.adapters.search.opensearch_engine import OpenSearchEngine
from aisle.adapters.search.tantivy_engine import TantivyEngine
from aisle.adapters.search.tantivy_home import SwitchingEngine, TantivyIndexHome
from aisle.domain.search.document import SearchDocument
from aisle.services.search.engine import EngineQuery, Filters, KeywordGroup, SearchEngine
from tests.conftest import opensearch_url

NOW = datetime(2026, 6, 1, tzinfo=UTC)
AUDIO, HEADPHONES, SPEAKERS, PHONES = 1, 2, 3, 4


def doc(product_id: int, title: str, brand: str, price: str, **extra) -> SearchDocument:
    categories = extra.pop("categories", (AUDIO, HEADPHONES))
    names = {AUDIO: "Audio", HEADPHONES: "Headphones", SPEAKERS: "Speakers", PHONES: "Phones"}
    base = SearchDocument(
        product_id=product_id,
        version=1,
        title=title,
        description=extra.pop("description", ""),
        brand=brand,
        category_ids=categories,
        category_names=tuple(names[c] for c in categories),
        price=Decimal(price),
        was_price=None,
        rating_avg=extra.pop("rating", None),
        rating_count=extra.pop("rating_count", 0),
        in_stock=extra.pop("in_stock", True),
        sales_velocity=extra.pop("velocity", 1.0),
        seller_id=9,
        seller_rating=None,
        created_at=extra.pop("created_at", NOW - timedelta(days=100)),
        thumbnail_url=None,
        codes=extra.pop("codes", ()),
    )
    return replace(base, **extra)


CATALOG = [
    doc(1, "Sony WH-1000XM5 Wireless Noise Cancelling Headphones", "Sony", "348.00", rating=4.7, rating_count=120),
    doc(2, "Sony MDR-ZX110 Wired Headphones", "Sony", "19.99", rating=4.1, rating_count=80, velocity=30),
    doc(3, "Bose QuietComfort 45 Bluetooth Headphones", "Bose", "279.00", rating=4.6, rating_count=50),
    doc(
        4,
        "JBL Flip 6 Portable Waterproof Speaker",
        "JBL",
        "129.95",
        categories=(AUDIO, SPEAKERS),
        rating=4.8,
        rating_count=300,
    ),
    doc(
        5,
        "Samsung Galaxy S7 32GB Smartphone",
        "Samsung",
        "199.00",
        categories=(PHONES,),
        rating=3.9,
        rating_count=10,
        codes=("SM-G930",),
    ),
    doc(
        6,
        "Bang & Olufsen Beoplay H95 Headphones",
        "Bang & Olufsen",
        "899.00",
        in_stock=False,
        created_at=NOW - timedelta(days=2),
    ),
]


def words(*items: str) -> tuple[KeywordGroup, ...]:
    return tuple(KeywordGroup(w) for w in items)


@dataclass
class Clock:
    at: datetime = NOW

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


# What each engine guarantees beyond the port's common contract. A test that needs a capability takes the fixture
# for it, which runs on exactly the engines that declare it: nothing is skipped, in CI or anywhere.
CAPABILITIES: dict[str, frozenset[str]] = {
    # One in-process writer serializes every write, so a write simply replaces what is there.
    "tantivy": frozenset(),
    # Several index builders write at once: a write carries its version, and an older one never wins.
    "opensearch": frozenset({"versioned_writes"}),
}


def engines_with(capability: str) -> list[str]:
    return [name for name, capabilities in CAPABILITIES.items() if capability in capabilities]


@pytest.fixture(params=list(CAPABILITIES))
def engine(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[SearchEngine]:
    """Each engine as production wires it: Tantivy generations behind a SwitchingEngine (the embedded shape's
    engine), OpenSearch behind an alias of its own."""
    yield from _engine(request.param, tmp_path, clock)


@pytest.fixture(params=engines_with("versioned_writes"))
def versioned_engine(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[SearchEngine]:
    yield from _engine(request.param, tmp_path, clock)


def _engine(name: str, tmp_path: Path, clock: Clock) -> Iterator[SearchEngine]:
    if name == "tantivy":
        switching = SwitchingEngine(TantivyIndexHome(tmp_path / "search"), lambda path: TantivyEngine(path, clock))
        yield from _loaded(switching)
        switching.engine.close()
        return
    url = opensearch_url()
    opensearch = OpenSearchEngine(url, f"aisle-test-{uuid.uuid4().hex[:12]}", clock)
    try:
        yield from _loaded(opensearch)
    finally:
        leftovers = opensearch.physical_indexes()
        if leftovers:
            OpenSearch(url).indices.delete(index=",".join(leftovers))
        opensearch.close()


def _loaded(engine: SearchEngine) -> Iterator[SearchEngine]:
    engine.upsert(CATALOG)
    engine.refresh()
    yield engine


def ids(engine, **query) -> list[int]:
    return [h.product_id for h in engine.search(EngineQuery(**query)).hits]


def test_every_keyword_must_match_in_some_field(engine):
    assert set(ids(engine, keywords=words("headphones"))) == {1, 2, 3, 6}
    assert set(ids(engine, keywords=words("sony", "headphones"))) == {1, 2}
    assert ids(engine, keywords=words("sony", "speaker")) == []


def test_words_are_stemmed_and_case_folded(engine):
    assert set(ids(engine, keywords=words("HEADPHONE"))) == {1, 2, 3, 6}
    assert ids(engine, keywords=words("speakers")) == [4]


def test_one_typo_is_tolerated_in_longer_words(engine):
    assert set(ids(engine, keywords=words("headphnes"))) == {1, 2, 3, 6}
    assert ids(engine, keywords=words("smartphne")) == [5]


def test_synonyms_widen_a_word(engine):
    assert ids(engine, keywords=(KeywordGroup("earphones", ("headphones",)),)) != []
    assert ids(engine, keywords=(KeywordGroup("cellphone", ("smartphone",)),)) == [5]


def test_codes_find_their_product(engine):
    assert ids(engine, keywords=words("SM-G930")) == [5]


def test_filters(engine):
    assert set(ids(engine, filters=Filters(brands=("sony",)))) == {1, 2}
    assert set(ids(engine, filters=Filters(brands=("Bang & Olufsen", "Bose")))) == {3, 6}
    assert set(ids(engine, filters=Filters(category_id=AUDIO))) == {1, 2, 3, 4, 6}
    assert ids(engine, filters=Filters(category_id=SPEAKERS)) == [4]
    assert set(ids(engine, filters=Filters(price_min=Decimal(100), price_max=Decimal(300)))) == {3, 4, 5}
    assert set(ids(engine, filters=Filters(rating_min=4.6))) == {1, 3, 4}
    assert 6 not in ids(engine, filters=Filters(in_stock=True))


@pytest.mark.parametrize(
    ("sort", "expected_first"), [("price_asc", 2), ("price_desc", 6), ("rating", 4), ("newest", 6)]
)
def test_sorts(engine, sort, expected_first):
    assert ids(engine, sort=sort)[0] == expected_first


def test_prices_sort_in_order(engine):
    prices = [d.price for d in sorted(CATALOG, key=lambda d: d.price)]
    found = ids(engine, sort="price_asc")
    assert [next(d.price for d in CATALOG if d.product_id == i) for i in found] == prices


def test_paging(engine):
    first = ids(engine, sort="price_asc", limit=2)
    second = ids(engine, sort="price_asc", limit=2, offset=2)
    assert len(first) == len(second) == 2 and not set(first) & set(second)
    assert engine.search(EngineQuery(sort="price_asc", limit=2)).total == 6


def test_facets_count_with_every_filter_but_their_own(engine):
    result = engine.search(EngineQuery(keywords=words("headphones"), filters=Filters(brands=("Sony",))))
    assert result.total == 2
    brands = dict(result.facets.brands)
    assert brands == {"Sony": 2, "Bose": 1, "Bang & Olufsen": 1}  # other brands stay visible to pick
    assert dict(result.facets.categories) == {AUDIO: 2, HEADPHONES: 2}
    assert sum(n for _low, _high, n in result.facets.price_ranges) == 2
    ratings = dict(result.facets.ratings)
    assert ratings[4] == 2 and ratings[1] == 2


def test_price_facet_buckets(engine):
    buckets = {(low, high): n for low, high, n in engine.search(EngineQuery()).facets.price_ranges}
    assert buckets[(10.0, 25.0)] == 1
    assert buckets[(100.0, 200.0)] == 2
    assert buckets[(200.0, 500.0)] == 2
    assert buckets[(500.0, 1000.0)] == 1


def test_upsert_replaces_and_delete_removes(engine):
    engine.upsert([replace(CATALOG[1], title="Sony MDR-ZX110 Wired Earbuds", version=2)])
    engine.delete([3])
    engine.refresh()
    assert set(ids(engine, keywords=words("headphones"))) == {1, 2, 6}
    assert ids(engine, keywords=words("earbuds")) == [2]
    assert ids(engine, keywords=words("bose")) == []
    assert engine.count() == 5


def test_related_products_share_words_brand_or_category(engine):
    related = engine.related(1, limit=3)
    assert 1 not in related
    assert related[0] in {2, 3, 6}
    assert 5 not in related


def test_completions(engine):
    words_found = dict(engine.term_completions("head", 5))
    assert words_found["headphones"] == 4
    titles = engine.title_completions("sony wire", 5)
    assert {pid for pid, _title in titles} == {1, 2}
    assert set(engine.brands()) == {"Sony", "Bose", "JBL", "Samsung", "Bang & Olufsen"}


def test_relevance_hits_carry_scores_and_static_signals(engine):
    hits = engine.search(EngineQuery(keywords=words("headphones"))).hits
    assert all(h.text_score > 0 for h in hits)
    assert all(0 < h.static_score <= 0.7 for h in hits)
    in_stock_flags = {h.product_id: h.static_score for h in hits}
    assert in_stock_flags[6] < in_stock_flags[1]  # out of stock and unrated weighs less


def test_a_rebuild_serves_the_old_index_until_the_switch_and_the_new_one_after(engine):
    fresh = engine.begin_rebuild()
    rebuilt = [d for d in CATALOG if d.product_id != 3]
    rebuilt.append(doc(7, "Sennheiser Momentum 4 Wireless Headphones", "Sennheiser", "299.95"))
    fresh.upsert(rebuilt)
    fresh.refresh()
    assert set(ids(engine, keywords=words("headphones"))) == {1, 2, 3, 6}  # still the old index
    assert ids(engine, keywords=words("sennheiser")) == []

    engine.finish_rebuild(fresh)
    assert set(ids(engine, keywords=words("headphones"))) == {1, 2, 6, 7}
    assert engine.count() == len(rebuilt)  # nothing lost
    engine.upsert([doc(8, "Sennheiser HD 600 Headphones", "Sennheiser", "399.00")])
    engine.refresh()
    assert set(ids(engine, keywords=words("sennheiser"))) == {7, 8}  # writes go to the new index


def test_an_older_write_never_replaces_a_newer_one(versioned_engine, clock):
    engine = versioned_engine
    clock.at = NOW + timedelta(seconds=10)
    engine.upsert([replace(CATALOG[1], title="Sony MDR-ZX110 Wired Earbuds", version=2)])
    engine.delete([3])
    clock.at = NOW + timedelta(seconds=5)  # a slower writer holding older state
    engine.upsert([CATALOG[1], CATALOG[2]])
    engine.delete([2])
    engine.refresh()
    assert ids(engine, keywords=words("earbuds")) == [2]
    assert ids(engine, keywords=words("bose")) == []

    clock.at = NOW + timedelta(seconds=10)  # the same write again (a retry) is harmless
    engine.upsert([replace(CATALOG[1], title="Sony MDR-ZX110 Wired Earbuds", version=2)])
    engine.refresh()
    assert ids(engine, keywords=words("earbuds")) == [2]


@pytest.mark.parametrize("typed", ["title:foo^10", '{"match_all":{}}', "sony) OR (*"])
def test_query_syntax_typed_by_a_shopper_is_only_words(engine, typed):
    assert ids(engine, keywords=words(typed)) == []
    assert engine.title_completions(typed, 5) == []


@pytest.mark.parametrize("typed", [".*", "head.*", "h*", "[a-z]", "(head)"])
def test_completion_prefixes_are_literal_text(engine, typed):
    assert engine.term_completions(typed, 5) == []
    assert engine.title_completions(typed, 5) == engine.title_completions(typed.strip(".*[]()-"), 5)


@pytest.mark.parametrize("typed", ["*", '"', "\\"])
def test_punctuation_alone_is_no_keyword_at_all(engine, typed):
    result = engine.search(EngineQuery(keywords=words(typed)))
    assert result.total == len(CATALOG)  # as if nothing was typed: browsing
    assert engine.title_completions(typed, 5) == []


def test_a_new_opensearch_index_is_sized_by_the_cluster_it_lands_on(clock: Clock) -> None:
    """Unset shards/replicas: 1 / 0 on one data node (a replica could never be placed), 2 / 1 on more."""
    url = opensearch_url()
    client = OpenSearch(url.split(","))
    clustered = int(client.cluster.health()["number_of_data_nodes"]) > 1
    engine = OpenSearchEngine(url, f"aisle-test-{uuid.uuid4().hex[:12]}", clock)
    try:
        (found,) = client.indices.get_settings(index=engine.alias).values()
        sizes = (found["settings"]["index"]["number_of_shards"], found["settings"]["index"]["number_of_replicas"])
        assert sizes == (("2", "1") if clustered else ("1", "0"))
    finally:
        client.indices.delete(index=",".join(engine.physical_indexes()))
        engine.close()
