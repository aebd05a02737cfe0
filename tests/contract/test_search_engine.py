"""The search engine contract: every engine (Tantivy now, OpenSearch next) must pass these."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from aisle.adapters.search.opensearch_engine import OpenSearchEngine
from aisle.adapters.search.opensearch_mapping import MAPPINGS, index_body
from aisle.adapters.search.opensearch_writes import OpenSearchWriteError
from aisle.adapters.search.tantivy_engine import TantivyEngine
from aisle.adapters.search.tantivy_home import SwitchingEngine, TantivyIndexHome
from aisle.domain.categories import Category
from aisle.domain.search.document import SearchDocument, attribute_key
from aisle.domain.search.variant_offers import MAX_KEYS_COMBINED, VariantOffer
from aisle.services.search.engine import EngineQuery, Filters, KeywordGroup, SearchEngine
from tests.conftest import opensearch_test_alias, opensearch_url

NOW = datetime(2026, 6, 1, tzinfo=UTC)
AUDIO, HEADPHONES, SPEAKERS, PHONES = 1, 2, 3, 4
TREE = {  # what the catalog's category tree says; Tantivy sums its leaf counts up it, as the service wires it
    AUDIO: Category(AUDIO, "Audio", None, "Audio"),
    HEADPHONES: Category(HEADPHONES, "Headphones", AUDIO, "Audio > Headphones"),
    SPEAKERS: Category(SPEAKERS, "Speakers", AUDIO, "Audio > Speakers"),
    PHONES: Category(PHONES, "Phones", None, "Phones"),
}


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
        home = TantivyIndexHome(tmp_path / "search")
        switching = SwitchingEngine(home, lambda path: TantivyEngine(path, clock, categories=lambda: TREE))
        yield from _loaded(switching)
        switching.engine.close()
        return
    url = opensearch_url()
    opensearch = OpenSearchEngine(url, opensearch_test_alias(), clock)
    try:
        yield from _loaded(opensearch)
    finally:
        leftovers = opensearch.physical_indexes()
        if leftovers:
            OpenSearch(url).indices.delete(index=",".join(leftovers))
        opensearch.brand_claims.drop()
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


def test_any_n_of_the_words_match_when_asked_and_more_words_score_higher(engine):
    query = EngineQuery(keywords=words("sony", "wired", "headphones"), minimum_should_match=2)
    hits = engine.search(query).hits
    assert {h.product_id for h in hits} == {1, 2}  # Sony headphones; Bose and the rest match one word only
    assert hits[0].product_id == 2  # all three words
    assert engine.search(query).total == 2


def test_relevance_hits_carry_their_titles(engine):
    hits = engine.search(EngineQuery(keywords=words("speaker"))).hits
    assert [h.title for h in hits] == ["JBL Flip 6 Portable Waterproof Speaker"]


def test_sorted_hits_carry_their_titles_when_asked(engine):
    query = EngineQuery(keywords=words("sony"), sort="price_asc", with_titles=True)
    hits = engine.search(query).hits
    titles = {d.product_id: d.title for d in CATALOG}
    assert hits and [h.title for h in hits] == [titles[h.product_id] for h in hits]


def test_words_are_stemmed_and_case_folded(engine):
    assert set(ids(engine, keywords=words("HEADPHONE"))) == {1, 2, 3, 6}
    assert ids(engine, keywords=words("speakers")) == [4]


def test_one_typo_is_tolerated_in_longer_words(engine):
    assert set(ids(engine, keywords=words("headphnes"))) == {1, 2, 3, 6}
    assert ids(engine, keywords=words("smartphne")) == [5]


def test_a_typo_is_one_letter_from_the_word_as_typed_not_from_its_stem(engine):
    # "fellowes" (a brand this catalog lacks) stems to "fellow", one letter from "yellow"; as typed, three
    engine.upsert([doc(91, "Anker Braided Cable - Yellow", "Anker", "12.99", categories=(PHONES,))])
    engine.refresh()
    assert ids(engine, keywords=words("fellowes")) == []
    assert ids(engine, keywords=words("yelow")) == [91]  # one letter from the word the title holds
    assert ids(engine, keywords=words("yellows")) == [91]  # a plural is the word, as typed or stemmed


def test_synonyms_widen_a_word(engine):
    assert ids(engine, keywords=(KeywordGroup("earphones", ("headphones",)),)) != []
    assert ids(engine, keywords=(KeywordGroup("cellphone", ("smartphone",)),)) == [5]


def test_codes_find_their_product(engine):
    assert ids(engine, keywords=words("SM-G930")) == [5]


TWINS = [
    ('DELL E Series E2720H 68.6 cm (27") LED Monitor', "Dell", "199.00"),
    ('DELL E Series E2720HS 68.6 cm (27") LED Monitor', "Dell", "209.00"),
]


def test_a_code_ending_in_s_finds_its_own_product_first_not_the_one_its_stem_names(engine):
    # stemmed, "e2720hs" is "e2720h": the code field, not stemmed, must be asked for the code as typed
    engine.upsert(
        [
            doc(7, *TWINS[0], codes=("E2720H",)),
            doc(8, *TWINS[1], codes=("E2720HS",)),
        ]
    )
    engine.refresh()
    assert ids(engine, keywords=words("e2720hs"))[0] == 8
    assert ids(engine, keywords=words("E2720H"))[0] == 7
    # and where no product lists its code: the titles' words as typed
    engine.upsert([replace(doc(n, *twin), version=2) for n, twin in ((7, TWINS[0]), (8, TWINS[1]))])
    engine.refresh()
    assert ids(engine, keywords=words("e2720hs"))[0] == 8
    assert ids(engine, keywords=(KeywordGroup("e2720hs", in_names=True),))[0] == 8


def test_the_beginning_of_a_code_finds_it_when_the_catalog_lacks_the_word(engine):
    engine.upsert([doc(90, "Epson T096140 Ink Cartridge", "Epson", "9.99", codes=("C13-T09614010",))])
    engine.refresh()
    assert ids(engine, keywords=(KeywordGroup("t096"),)) == [90]  # a title's code
    assert ids(engine, keywords=(KeywordGroup("t0961"),)) == [90]  # a listed code's piece
    assert ids(engine, keywords=(KeywordGroup("t096", fuzzy=False),)) == []  # a word the catalog holds as typed
    assert ids(engine, keywords=(KeywordGroup("t09"),)) == []  # too short to say which codes
    assert ids(engine, keywords=(KeywordGroup("ink0"),)) == []  # begins no word


def test_filters(engine):
    assert set(ids(engine, filters=Filters(brands=("sony",)))) == {1, 2}
    assert set(ids(engine, filters=Filters(brands=("Bang & Olufsen", "Bose")))) == {3, 6}
    assert set(ids(engine, filters=Filters(category_id=AUDIO))) == {1, 2, 3, 4, 6}
    assert ids(engine, filters=Filters(category_id=SPEAKERS)) == [4]
    assert set(ids(engine, filters=Filters(price_min=Decimal(100), price_max=Decimal(300)))) == {3, 4, 5}
    assert set(ids(engine, filters=Filters(rating_min=4.6))) == {1, 3, 4}
    assert 6 not in ids(engine, filters=Filters(in_stock=True))


def test_a_decimal_keyword_matches_its_digits_together(engine):
    engine.upsert(
        [
            doc(7, "Anker 4-Port USB 3.0 Hub", "Anker", "19.99", categories=(PHONES,)),
            doc(8, "Anker 3-Port USB 2.0 Hub with 0 lag", "Anker", "9.99", categories=(PHONES,)),
        ]
    )
    engine.refresh()
    assert ids(engine, keywords=words("usb", "3.0")) == [7]
    assert set(ids(engine, keywords=words("usb", "3", "0"))) == {7, 8}  # the same digits apart match anywhere


def test_a_number_after_a_word_matches_only_next_to_that_word(engine):
    engine.upsert(
        [
            doc(7, "Apple iPhone 7 32GB", "Apple", "549", description="A 12MP camera with an f/1.8 aperture"),
            doc(8, "Case for Apple iPhone® 8 - Clear", "Speck", "29", categories=(PHONES,)),
            doc(9, "AA Batteries 8-Pack", "Duracell", "9", categories=(PHONES,)),
        ]
    )
    engine.refresh()
    iphone_8 = (KeywordGroup("iphone"), KeywordGroup("8", numbers="iphone"))
    assert ids(engine, keywords=iphone_8) == [8]  # not the iPhone 7 whose description holds "1.8"
    assert set(ids(engine, keywords=(KeywordGroup("iphone"), KeywordGroup("8")))) == {7, 8}  # anywhere: both
    assert ids(engine, keywords=(KeywordGroup("pack"), KeywordGroup("8", numbers="pack"))) == [9]  # either side


def test_a_synonym_phrase_matches_its_words_a_word_apart_below_them_side_by_side(engine):
    engine.upsert(
        [
            doc(7, "Philips SHC8565 Wireless HiFi Headphone", "Philips", "14.95"),
            doc(8, "Philips SHC1300 Wireless Headphone", "Philips", "47.95"),
            doc(9, "Wireless Charger with a Stand for Phones and Headphones", "Anker", "19.99", categories=(PHONES,)),
        ]
    )
    engine.refresh()
    found = ids(engine, keywords=(KeywordGroup("wireless headphone", ("bluetooth headphones",)),))
    assert found[0] == 8 and found.index(7) > 0  # side by side first
    assert 9 not in found  # five words apart is no match
    assert 3 in found  # "Bose QuietComfort 45 Bluetooth Headphones": the synonym's words


def test_a_word_asked_in_names_is_not_found_in_a_description_alone(engine):
    engine.upsert(
        [
            doc(7, "Grip and Stand - Black", "Popgrip", "9.99", categories=(PHONES,), description="holds headphones"),
            doc(8, "Ear Cushions - Black", "Wicked", "12.99", description="soft wireless headphones pads"),
        ]
    )
    engine.refresh()
    assert 7 in ids(engine, keywords=words("headphones"))
    named = (KeywordGroup("headphones", in_names=True),)
    assert set(ids(engine, keywords=named)) == {1, 2, 3, 6, 8}  # 8 by its category: Audio > Headphones
    phrase = (KeywordGroup("cushions", ("wireless headphones pads",), in_names=True),)
    assert ids(engine, keywords=phrase) == [8]  # by its name; the phrase its description holds adds nothing
    assert ids(engine, keywords=(KeywordGroup("pads", in_names=True),)) == []
    assert ids(engine, keywords=words("pads")) == [8]


def test_excluded_words_rule_out_products_whose_title_or_brand_holds_them(engine):
    # "headphones -sony": neither Sony's headphones nor those whose title says "Sony"; "without wired": stemmed
    engine.upsert([doc(7, "Ear Cushions for Sony WH-1000XM5", "Wicked", "29.99")])
    engine.refresh()
    result = engine.search(EngineQuery(keywords=words("headphones"), filters=Filters(excluded_words=("sony",))))
    assert {h.product_id for h in result.hits} == {3, 6} and result.total == 2
    assert dict(result.facets.brands) == {"Bose": 1, "Bang & Olufsen": 1}  # the facets count without them too
    assert set(ids(engine, filters=Filters(excluded_words=("sony", "wired", "jbl")))) == {3, 5, 6}
    assert set(ids(engine, filters=Filters(excluded_words=("olufsen",)))) == {1, 2, 3, 4, 5, 7}
    assert 6 not in ids(engine, filters=Filters(excluded_words=("bang-olufsen",)))  # hyphenated: the words together
    assert 4 not in ids(engine, filters=Filters(excluded_words=("flip-6",)))


def test_excluded_makers_rule_out_their_products_not_those_naming_them(engine):
    # "sony headphones third party": what fits Sony's, made by anyone else
    engine.upsert([doc(7, "Ear Cushions for Sony WH-1000XM5", "Wicked", "29.99")])
    engine.refresh()
    result = engine.search(EngineQuery(keywords=words("sony"), filters=Filters(excluded_makers=("SONY",))))
    assert [h.product_id for h in result.hits] == [7] and result.total == 1
    assert dict(result.facets.brands) == {"Wicked": 1}
    assert set(ids(engine, filters=Filters(excluded_makers=("Sony", "Bang & Olufsen")))) == {3, 4, 5, 7}


def test_in_categories_keeps_products_in_any_of_them_or_below(engine):
    assert set(ids(engine, filters=Filters(in_categories=(SPEAKERS, PHONES)))) == {4, 5}
    assert set(ids(engine, filters=Filters(in_categories=(AUDIO,)))) == {1, 2, 3, 4, 6}  # its subcategories too


def test_title_words_keep_the_products_whose_title_holds_each_phrase(engine):
    engine.upsert([doc(7, "Ear Cushions - Black", "Wicked", "29.99", description="for Sony WH-1000XM5")])
    engine.refresh()
    assert set(ids(engine, filters=Filters(title_words=("sony",)))) == {1, 2}  # not the one whose text says it
    assert ids(engine, filters=Filters(title_words=("sony", "wired headphones"))) == [2]
    result = engine.search(EngineQuery(keywords=words("headphones"), filters=Filters(title_words=("bang olufsen",))))
    assert [h.product_id for h in result.hits] == [6] and dict(result.facets.brands) == {"Bang & Olufsen": 1}


def test_a_brand_filter_may_also_keep_what_names_the_brand_in_its_title(engine):
    # "samsung case": cases by Samsung and cases for a Samsung phone; a clicked brand is still the maker only
    engine.upsert(
        [
            doc(7, "OtterBox - Commuter Case for Samsung Galaxy S7 - Black", "OtterBox", "39.99"),
            doc(8, "Wicked - Ear Cushions for Bang & Olufsen H95", "Wicked", "29.99"),
            doc(9, "Spigen - Case for Galaxy S7 - Black", "Spigen", "19.99", description="fits Samsung phones"),
        ]
    )
    engine.refresh()
    assert set(ids(engine, filters=Filters(brands=("Samsung",)))) == {5}
    assert set(ids(engine, filters=Filters(brands=("Samsung",), brands_in_title=True))) == {5, 7}
    assert set(ids(engine, filters=Filters(brands=("Bang & Olufsen",), brands_in_title=True))) == {6, 8}
    result = engine.search(
        EngineQuery(keywords=words("case"), filters=Filters(brands=("Samsung",), brands_in_title=True))
    )
    assert [h.product_id for h in result.hits] == [7]
    # the brand facet lifts this filter as it lifts any brand filter: the other makers stay pickable
    assert dict(result.facets.brands) == {"OtterBox": 1, "Spigen": 1}


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


def test_related_products_of_the_same_category_come_before_any_that_only_share_words(engine):
    """A long title shares its specification words with anything ("Black", "USB-C", "3.5 mm"): another category's
    product sharing ten of them is no better suggestion than a product of the same kind sharing none."""
    specs = "Black 3.5 mm Jack USB-C Charging Cable Included"
    engine.upsert(
        [
            doc(201, f"Probe Studio Headphones {specs}", "Probe", "80.00"),
            doc(202, "Plain Earphones", "Other", "20.00"),
            doc(203, f"Cable Adapter {specs}", "Third", "9.00", categories=(PHONES,)),
        ]
    )
    engine.refresh()
    related = engine.related(201, limit=10)
    same_kind = [p for p in related if p in {1, 2, 6, 202}]
    assert 202 in same_kind and 203 in related
    assert related.index(203) > max(related.index(p) for p in same_kind)


def test_both_engines_relate_the_same_products_in_the_same_order(tmp_path: Path, clock: Clock):
    """The product page's related products do not depend on the shape: a shared category counts the same however
    deep it lies (Tantivy's category field has length norms, OpenSearch's keyword field none)."""
    makers, nouns = ["Lumo", "Bolt", "Zenith", ""], ["Lamp", "Desk", "Chair", "Shelf", "Stool", "Clock"]
    depths = [(AUDIO,), (AUDIO, HEADPHONES), (AUDIO, HEADPHONES, 90), (AUDIO, HEADPHONES, 90, 91, 92)]
    catalog = [
        replace(
            doc(n, f"{nouns[n % 6]} {nouns[n * 7 % 5]} Model {n % 3}", makers[n % 4], "10.00"),
            category_ids=depths[n % 4][: 1 + n % 4],
            category_names=tuple(f"Level {c}" for c in depths[n % 4][: 1 + n % 4]),
        )
        for n in range(1, 41)
    ]
    related = []
    for name in CAPABILITIES:
        for engine in _engine(name, tmp_path / name, clock):
            engine.upsert(catalog)
            engine.refresh()
            related.append({d.product_id: engine.related(d.product_id, limit=8) for d in catalog})
    tantivy, opensearch = related
    assert all(set(tantivy[p]) == set(opensearch[p]) for p in tantivy)
    # in the same order, but where two scores lie within the engines' float rounding of each other
    assert sum(tantivy[p] != opensearch[p] for p in tantivy) <= 1


def test_completions(engine):
    words_found = dict(engine.term_completions("head", 5))
    assert words_found["headphones"] == 4
    titles = engine.title_completions("sony wire", 5)
    assert {pid for pid, _title in titles} == {1, 2}
    assert engine.brands() == ["Sony", "Bang & Olufsen", "Bose", "JBL", "Samsung"]  # the most products first


def test_brands_with_more_products_come_first_however_they_are_spelled(engine):
    engine.upsert([doc(100 + n, f"Mophie Juice Pack {n}", "mophie", "50.00") for n in range(3)])
    engine.refresh()
    assert engine.brands()[:2] == ["mophie", "Sony"]  # not after every capitalised brand


def test_word_completions_are_counted_in_the_titles_holding_the_words_before(engine):
    assert dict(engine.term_completions("w", 5, within="Sony")) == {"wh": 1, "wired": 1, "wireless": 1}
    assert "waterproof" in dict(engine.term_completions("w", 9))  # the JBL speaker's, in no Sony title
    assert dict(engine.term_completions("head", 5, within="sony")) == {"headphones": 2}
    assert engine.term_completions("w", 5, within="nikon") == []
    assert engine.term_completions("head", 5, within="--") == engine.term_completions("head", 5)  # no words


def test_a_title_completion_finds_the_common_word_past_many_rarer_ones(engine):
    """Tantivy's phrase prefix looks at the first 50 completions in alphabetical order: "gizmo ca" would try
    caa000 ... caa049 and never reach "case", which three gizmos have."""
    rare = [doc(100 + i, f"Gizmo Caa{i:03}", "Zeta", "5.00") for i in range(60)]
    cases = [doc(200 + i, f"Gizmo Case {i}", "Zeta", "5.00") for i in range(3)]
    engine.upsert([*rare, *cases])
    engine.refresh()
    found = {pid for pid, _title in engine.title_completions("gizmo ca", 100)}
    assert {200, 201, 202} <= found
    assert {pid for pid, _title in engine.title_completions("gizmo cas", 10)} == {200, 201, 202}


def test_relevance_hits_carry_scores_and_static_signals(engine):
    hits = engine.search(EngineQuery(keywords=words("headphones"))).hits
    assert all(h.text_score > 0 for h in hits)
    assert all(0 < h.static_score <= 0.7 for h in hits)
    in_stock_flags = {h.product_id: h.static_score for h in hits}
    assert in_stock_flags[6] < in_stock_flags[1]  # out of stock and unrated weighs less
    prices = {d.product_id: float(d.price) for d in CATALOG}
    assert {h.product_id: h.price for h in hits} == {h.product_id: prices[h.product_id] for h in hits}


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


def test_a_word_in_the_products_own_name_scores_above_one_naming_what_it_fits(engine):
    engine.upsert(
        [
            doc(20, "Google Nexus 6P 32GB Cell Phone - Graphite", "Huawei", "499.00", categories=(PHONES,)),
            doc(21, "Rugged Case for Google Nexus 6P - Black", "Spigen", "14.99", categories=(PHONES,)),
        ]
    )
    engine.refresh()
    hits = engine.search(EngineQuery(keywords=words("nexus", "6p"))).hits
    assert [h.product_id for h in hits] == [20, 21]
    assert hits[0].text_score > hits[1].text_score


def test_a_synonym_counts_less_than_the_word_typed(engine):
    engine.upsert(
        [
            doc(30, "Zeta Earphones", "Zeta", "10.00", categories=(AUDIO,)),
            doc(31, "Zeta Earbuds", "Zeta", "10.00", categories=(AUDIO,)),
        ]
    )
    engine.refresh()
    hits = engine.search(EngineQuery(keywords=(KeywordGroup("earbuds", ("earphones",)),))).hits
    assert [h.product_id for h in hits] == [31, 30]
    assert hits[0].text_score > hits[1].text_score


def test_a_rare_synonym_never_outscores_the_word_typed(engine):
    """BM25 gives a rare word a high idf: a synonym found in one product must still score below the typed word."""
    common = [doc(80 + i, f"Zeta Headphones Model {i}", "Zeta", "10.00", categories=(AUDIO,)) for i in range(8)]
    engine.upsert([*common, doc(89, "Zeta Headset", "Zeta", "10.00", categories=(AUDIO,))])
    engine.refresh()
    hits = engine.search(EngineQuery(keywords=(KeywordGroup("headphones", ("headset",)),), limit=20)).hits
    scores = {h.product_id: h.text_score for h in hits}
    assert 89 in scores and scores[89] < min(scores[80 + i] for i in range(8))


def test_the_first_brand_spelling_claimed_stays(engine):
    assert engine.claim_brand_spellings({"tech21": "tech21", "zagg": "ZAGG"}) == {"tech21": "tech21", "zagg": "ZAGG"}
    assert engine.claim_brand_spellings({"tech21": "Tech21", "otterbox": "OtterBox"}) == {
        "tech21": "tech21",
        "otterbox": "OtterBox",
    }
    assert engine.claim_brand_spellings({}) == {}


def test_popularity_cuts_span_the_whole_catalog(engine):
    engine.upsert([doc(100 + i, f"Widget {i}", "Zeta", "5.00", popularity=float(i)) for i in range(200)])
    engine.refresh()
    cuts = engine.popularity_cuts()
    assert len(cuts) == 99 and cuts == sorted(cuts)
    assert cuts[0] < 10 and 90 < cuts[49] < 110 and cuts[-1] > 190


def test_hits_carry_the_catalog_popularity(engine):
    engine.upsert([doc(40, "Popular Widget", "Zeta", "5.00", popularity=21449.0)])
    engine.refresh()
    assert [h.popularity for h in engine.search(EngineQuery(keywords=words("widget"))).hits] == [21449.0]


def test_equal_products_score_apart_by_a_stable_tie_break(engine):
    twins = [doc(50 + i, "Twin Gadget", "Zeta", "5.00", codes=(f"SKU-{i}",)) for i in range(5)]
    engine.upsert(twins)
    engine.refresh()
    first = ids(engine, filters=Filters(brands=("Zeta",)), sort="relevance")
    statics = {h.static_score for h in engine.search(EngineQuery(filters=Filters(brands=("Zeta",)))).hits}
    assert len(statics) == 5  # no two alike, so the engine's order is the same on every index
    engine.upsert(list(reversed(twins)))
    engine.refresh()
    assert ids(engine, filters=Filters(brands=("Zeta",)), sort="relevance") == first


def test_the_effective_price_filters_sorts_and_counts(engine):
    """The index holds the price with deals applied (build_document's effective_price): $120 at 30% off is $84."""
    from aisle.domain.pricing import FinalPrice
    from aisle.domain.search.document import effective_price

    variants = [
        _variant(1, "120.00"),
        _variant(2, "150.00"),
    ]
    price, was = effective_price(variants, {1: FinalPrice(Decimal("84.00"), Decimal("120.00"), None)})
    assert (price, was) == (Decimal("84.00"), Decimal("120.00"))
    engine.upsert([doc(60, "Zephyr Lamp", "Zeta", str(price), was_price=was), doc(61, "Zephyr Shade", "Zeta", "90.00")])
    engine.refresh()
    zephyr = words("zephyr")
    assert set(ids(engine, keywords=zephyr, filters=Filters(price_max=Decimal(85)))) == {60}
    assert ids(engine, keywords=zephyr, sort="price_asc") == [60, 61]
    buckets = {(low, high): n for low, high, n in engine.search(EngineQuery(keywords=zephyr)).facets.price_ranges}
    assert buckets == {(50.0, 100.0): 2}


def _variant(variant_id: int, price: str):
    from aisle.domain.catalog import Variant

    return Variant(sku=f"V-{variant_id}", price=Decimal(price), variant_id=variant_id)


def test_attribute_filters_and_facets(engine):
    engine.upsert(
        [
            doc(70, "Aero Case Red", "Zeta", "10.00", attributes=(("color", "Red"), ("storage", "64GB"))),
            doc(71, "Aero Case Blue", "Zeta", "10.00", attributes=(("color", "Blue"), ("storage", "64GB"))),
            doc(72, "Aero Case Multi", "Zeta", "10.00", attributes=(("color", "Red"), ("color", "Blue"))),
            doc(73, "Aero Case Plain", "Zeta", "10.00"),
        ]
    )
    engine.refresh()
    aero = words("aero")
    assert set(ids(engine, keywords=aero, filters=Filters(attributes=(("color", "red"),)))) == {70, 72}
    either = Filters(attributes=(("color", "Red"), ("Color", "BLUE")))  # one attribute's values: any of them
    assert set(ids(engine, keywords=aero, filters=either)) == {70, 71, 72}
    both = Filters(attributes=(("color", "Red"), ("storage", "64gb")))  # different attributes: all of them
    assert ids(engine, keywords=aero, filters=both) == [70]
    facets = engine.search(EngineQuery(keywords=aero, filters=Filters(attributes=(("color", "Red"),)))).facets
    # colour lifts its own filter; storage counts among the red ones (70 and 72) only
    assert facets.attributes == {"color": [("Blue", 2), ("Red", 2)], "storage": [("64GB", 1)]}
    assert engine.search(EngineQuery(keywords=aero, filters=Filters(attributes=(("color", "Red"),)))).total == 2


def test_a_variant_colour_or_size_is_a_word_a_query_matches(engine):
    engine.upsert(
        [
            doc(74, "Denim Slim Jeans", "Zeta", "40.00", attributes=(("color", "Sky Blue"), ("size", "XL"))),
            doc(75, "Denim Relaxed Jeans", "Zeta", "40.00", attributes=(("color", "Black"), ("size", "M"))),
            doc(76, "Denim Straight Jeans", "Zeta", "40.00", attributes=(("size", "32"),)),
        ]
    )
    engine.refresh()
    assert ids(engine, keywords=words("black", "jeans")) == [75]
    assert ids(engine, keywords=words("jeans", "sky", "blue")) == [74]
    assert ids(engine, keywords=words("xl", "jeans")) == [74]
    # a bare size is no word: "jeans 32" does not match every pair sold in size 32, nor "m" every medium
    assert ids(engine, keywords=words("jeans", "32")) == []
    assert ids(engine, keywords=words("m", "jeans")) == []


def test_an_attribute_facet_lifts_only_its_own_attribute_filter(engine):
    """Red and 64GB picked: colours count among the 64GB products, storage sizes among the red ones, and the
    other facets under both filters. Both engines give these same numbers."""
    engine.upsert(
        [
            doc(70, "Aero Case Red", "Zeta", "10.00", attributes=(("color", "Red"), ("storage", "64GB"))),
            doc(71, "Aero Case Blue", "Yota", "10.00", attributes=(("color", "Blue"), ("storage", "64GB"))),
            doc(72, "Aero Case Multi", "Zeta", "10.00", attributes=(("color", "Red"), ("color", "Blue"))),
            doc(73, "Aero Case Big", "Zeta", "10.00", attributes=(("color", "Red"), ("storage", "128GB"))),
        ]
    )
    engine.refresh()
    picked = Filters(attributes=(("Color", "red"), ("storage", "64GB")))
    result = engine.search(EngineQuery(keywords=words("aero"), filters=picked))
    assert [h.product_id for h in result.hits] == [70] and result.total == 1
    assert result.facets.attributes == {
        "color": [("Blue", 1), ("Red", 1)],  # among 70 and 71 (64GB)
        "storage": [("128GB", 1), ("64GB", 1)],  # among 70, 72 and 73 (red)
    }
    assert result.facets.brands == [("Zeta", 1)]  # brands count under every attribute filter


def sold_as(product_id: int, title: str, brand: str, *variants: tuple[str, dict[str, str]]) -> SearchDocument:
    """A document of the variants (price, attributes) given, as build_document lists them; a price starting with
    "-" is a variant sold out."""
    offers = tuple(
        VariantOffer(
            tuple(attribute_key(n, v) for n, v in attrs.items()), abs(Decimal(price)), not price.startswith("-")
        )
        for price, attrs in variants
    )
    attributes = tuple(dict.fromkeys((n, v) for _price, attrs in variants for n, v in attrs.items()))
    cheapest = min(abs(Decimal(price)) for price, _attrs in variants)
    return doc(product_id, title, brand, str(cheapest), offers=offers, attributes=attributes)


SHIRTS = [
    sold_as(
        80,
        "Polo Shirt Duo",
        "Zeta",
        ("80.00", {"color": "Red", "size": "S"}),
        ("50.00", {"color": "Blue", "size": "M"}),
    ),
    sold_as(81, "Polo Shirt Red", "Zeta", ("40.00", {"color": "Red", "size": "M"})),
    sold_as(
        82,
        "Polo Shirt Trio",
        "Yota",
        *((f"{p}.00", {"color": "Red", "size": s}) for p, s in ((60, "S"), (65, "M"), (90, "L"))),
    ),
]


def test_an_attribute_filter_holds_for_one_variant_with_its_own_price(engine):
    """Red under $60 is no answer from a shirt whose red is $80 and blue $50; red in M is none from one sold in red
    S and blue M. Both engines, the same products."""
    engine.upsert(SHIRTS)
    engine.refresh()
    polo = words("polo")

    def found(*attributes: tuple[str, str], low: str | None = None, high: str | None = None) -> set[int]:
        price = {"price_min": low and Decimal(low), "price_max": high and Decimal(high)}
        return set(ids(engine, keywords=polo, filters=Filters(attributes=attributes, **price)))

    assert found(("color", "Red"), high="60") == {81, 82}  # 80's red is $80, though its blue is $50
    assert found(("color", "Blue"), high="60") == {80}
    assert found(("color", "red"), low="70") == {80, 82}  # 80's cheapest is $50, its red $80
    assert found(("color", "Red"), ("size", "M")) == {81, 82}  # 80 has red and M, not in one variant
    assert found(("color", "Red"), ("size", "M"), high="64.99") == {81}
    assert found(("color", "Red"), ("size", "M"), ("size", "S"), low="61") == {80, 82}  # red S $80, red M $65
    assert found(("color", "Blue"), ("size", "S")) == set()
    assert found(low="45", high="55") == {80}  # no attribute picked: the product's own (cheapest) price
    assert found(("color", "Red"), low="60.001", high="60.009") == set()  # no whole cent between the bounds
    result = engine.search(
        EngineQuery(keywords=polo, filters=Filters(attributes=(("color", "Red"),), price_max=Decimal(60)))
    )
    assert result.total == 2 and result.facets.brands == [("Yota", 1), ("Zeta", 1)]


def test_counts_asked_together_are_the_totals_of_each_search(engine):
    engine.upsert(SHIRTS)
    engine.refresh()
    each = [
        Filters(attributes=(("color", "Red"),), price_max=Decimal(60)),
        Filters(attributes=(("color", "Red"), ("size", "M"))),
        Filters(price_min=Decimal(45), price_max=Decimal(55)),
        Filters(brands=("Yota",), in_stock=True),
        Filters(),
    ]
    for keywords in (words("polo"), words("shirt", "duo"), ()):
        totals = [
            engine.search(EngineQuery(keywords=keywords, filters=f, limit=0, with_facets=False)).total for f in each
        ]
        assert engine.count_each(keywords, each) == totals, keywords
    assert engine.count_each(words("polo"), []) == []


def test_in_stock_is_asked_of_the_variant_with_the_chosen_attributes(engine):
    engine.upsert(
        [
            sold_as(85, "Polo Shirt Sold", "Zeta", ("-30.00", {"color": "Red"}), ("30.00", {"color": "Blue"})),
            sold_as(86, "Polo Shirt Kept", "Zeta", ("35.00", {"color": "Red"})),
        ]
    )
    engine.refresh()

    def found(in_stock: bool | None, high: str | None = None) -> set[int]:
        filters = Filters(attributes=(("color", "Red"),), in_stock=in_stock, price_max=high and Decimal(high))
        return set(ids(engine, keywords=words("polo"), filters=filters))

    assert found(True) == {86}  # 85 is in stock in blue only
    assert found(None) == {85, 86}
    assert found(True, high="32") == set()
    assert found(None, high="32") == {85}


def test_a_variant_with_too_many_attributes_to_combine_is_matched_product_by_product(engine):
    many = {f"spec {i}": f"v{i}" for i in range(MAX_KEYS_COMBINED + 1)}
    engine.upsert(
        [
            sold_as(83, "Polo Shirt Spec", "Zeta", ("30.00", many), ("90.00", {"color": "Red"})),
            sold_as(84, "Polo Shirt Plain", "Zeta", ("30.00", {"spec 0": "v0"})),
        ]
    )
    engine.refresh()
    two = Filters(attributes=(("spec 0", "v0"), ("spec 1", "v1")), price_max=Decimal(50))
    assert ids(engine, keywords=words("polo"), filters=two) == [83]
    over = Filters(attributes=(("spec 0", "v0"),), price_min=Decimal(40))  # its cheapest ($30) is out of range
    assert ids(engine, keywords=words("polo"), filters=over) == []


def test_an_index_built_before_variant_offers_matches_attributes_product_by_product(tmp_path, clock):
    import tantivy

    from aisle.adapters.search.tantivy_schema import FACET_TERMS_LAYOUT, build_schema

    (tmp_path / "old").mkdir()
    tantivy.Index(build_schema(FACET_TERMS_LAYOUT), path=str(tmp_path / "old"), reuse=True)  # an older version's
    old = TantivyEngine(tmp_path / "old", clock)
    old.upsert(SHIRTS)
    old.refresh()
    assert old.layout == FACET_TERMS_LAYOUT and old.facet_terms
    red_under_60 = Filters(attributes=(("color", "Red"),), price_max=Decimal(60))
    assert {h.product_id for h in old.search(EngineQuery(filters=red_under_60)).hits} == {80, 81, 82}
    old.close()


def test_an_index_of_an_older_layout_is_replaced_and_flagged_for_a_rebuild(tmp_path, clock):
    import tantivy

    home = TantivyIndexHome(tmp_path / "search")
    old = tantivy.SchemaBuilder()
    old.add_integer_field("product_id", stored=True, indexed=True, fast=True)
    tantivy.Index(old.build(), path=str(home.current()), reuse=True)  # what an older version left on disk
    switching = SwitchingEngine(home, lambda path: TantivyEngine(path, clock))
    assert switching.needs_rebuild
    switching.upsert(CATALOG)
    switching.refresh()
    assert switching.count() == len(CATALOG)
    switching.close()


def test_opensearch_adds_new_fields_to_an_existing_index():
    url = opensearch_url()
    alias = opensearch_test_alias()
    client = OpenSearch(url)
    older = {**MAPPINGS, "properties": {k: v for k, v in MAPPINGS["properties"].items() if k != "attribute_facet"}}
    body = {**index_body(1, 0), "mappings": older, "aliases": {alias: {"is_write_index": True}}}
    client.indices.create(index=f"{alias}-20200101000000000000", body=body)
    try:
        engine = OpenSearchEngine(url, alias, Clock())
        engine.upsert([doc(80, "Aero Case", "Zeta", "5.00", attributes=(("color", "Red"),))])
        engine.refresh()
        assert engine.search(EngineQuery(keywords=words("aero"))).facets.attributes == {"color": [("Red", 1)]}
        engine.close()
    finally:
        client.indices.delete(index=f"{alias}-*")


def test_an_opensearch_document_written_before_variant_offers_is_matched_product_by_product(clock: Clock):
    from aisle.adapters.search.opensearch_mapping import SourceBuilder
    from aisle.domain.search.ranking import RankingWeights

    url, alias = opensearch_url(), opensearch_test_alias()
    client = OpenSearch(url)
    older = {**MAPPINGS, "properties": {k: v for k, v in MAPPINGS["properties"].items() if k != "variant_offer"}}
    index = f"{alias}-20200101000000000000"
    client.indices.create(index=index, body={**index_body(1, 0), "mappings": older, "aliases": {alias: {}}})
    try:
        written = {
            k: v for k, v in SourceBuilder(RankingWeights()).source(SHIRTS[0], NOW).items() if k != "variant_offer"
        }
        client.index(index=index, id="80", body=written, refresh=True)  # as the older version wrote it
        engine = OpenSearchEngine(url, alias, clock)
        engine.upsert([SHIRTS[1]])  # written now, with its variants
        engine.refresh()
        red_under_60 = Filters(attributes=(("color", "Red"),), price_max=Decimal(60))
        assert set(ids(engine, keywords=words("polo"), filters=red_under_60)) == {80, 81}
        engine.close()
    finally:
        client.indices.delete(index=f"{alias}-*")


def test_an_opensearch_index_deleted_behind_its_alias_is_not_recreated_by_a_write(clock: Clock):
    """A write refused (and retried by its event) instead of an index named like the alias with guessed mappings;
    the count reads 0, and a rebuild brings the alias back."""
    url = opensearch_url()
    client = OpenSearch(url)
    engine = OpenSearchEngine(url, opensearch_test_alias(), clock)
    try:
        client.indices.delete(index=",".join(engine.physical_indexes()))
        with pytest.raises(OpenSearchWriteError):
            engine.upsert([doc(95, "Lost Lantern", "Zeta", "9.00")])
        assert not client.indices.exists(index=engine.alias)
        assert engine.count() == 0

        fresh = engine.begin_rebuild()
        fresh.upsert([doc(95, "Lost Lantern", "Zeta", "9.00")])
        engine.finish_rebuild(fresh)
        engine.upsert([doc(96, "Found Lantern", "Zeta", "9.00")])
        engine.refresh()
        assert set(ids(engine, keywords=words("lantern"))) == {95, 96}
    finally:
        client.indices.delete(index=f"{engine.alias}-*")
        engine.close()


def test_a_new_opensearch_index_is_sized_by_the_cluster_it_lands_on(clock: Clock) -> None:
    """Unset shards/replicas: 1 / 0 on one data node (a replica could never be placed), 2 / 1 on more."""
    url = opensearch_url()
    client = OpenSearch(url.split(","))
    clustered = int(client.cluster.health()["number_of_data_nodes"]) > 1
    engine = OpenSearchEngine(url, opensearch_test_alias(), clock)
    try:
        (found,) = client.indices.get_settings(index=engine.alias).values()
        sizes = (found["settings"]["index"]["number_of_shards"], found["settings"]["index"]["number_of_replicas"])
        assert sizes == (("2", "1") if clustered else ("1", "0"))
    finally:
        client.indices.delete(index=",".join(engine.physical_indexes()))
        engine.close()


def test_tantivy_category_counts_summed_up_the_tree_equal_counting_every_ancestor(tmp_path: Path, clock: Clock):
    """The cheap count (per leaf, summed up the tree) and the direct one (every ancestor of every product)."""
    by_leaf = TantivyEngine(tmp_path / "leaf", clock, categories=lambda: TREE)
    direct = TantivyEngine(tmp_path / "direct", clock)
    uncategorized = doc(90, "Loose Cable", "Zeta", "3.00", categories=())
    for engine in (by_leaf, direct):
        engine.upsert([*CATALOG, uncategorized])
        engine.refresh()
    for query in (
        EngineQuery(),
        EngineQuery(keywords=words("headphones")),
        EngineQuery(filters=Filters(brands=("Sony",))),
    ):
        counted = by_leaf.search(query).facets.categories
        assert counted == sorted(direct.search(query).facets.categories, key=lambda p: (-p[1], p[0]))
    assert dict(by_leaf.search(EngineQuery()).facets.categories)[AUDIO] == sum(
        1 for d in CATALOG if AUDIO in d.category_ids
    )


def _edge_catalog() -> list[SearchDocument]:
    """Prices on and beside every bucket edge, ratings on and beside every star, attribute sets shared and not."""
    prices = ["0.50", "9.99", "10.00", "24.99", "25.00", "99.99", "100.00", "1999.99", "2000.00", "25000.00"]
    stars = [None, 0.5, 1.0, 1.99, 2.0, 3.999, 4.0, 4.5, 5.0]
    sets = [(), (("color", "Red"),), (("color", "Red"), ("size", "M")), (("color", "Blue"), ("size", "M"))]
    return [
        doc(
            200 + i,
            f"Edge Lamp {i}",
            ("Zeta", "Yota")[i % 2],
            prices[i % len(prices)],
            rating=stars[i % len(stars)],
            attributes=sets[i % len(sets)] + ((("color", "Green"),) if i % 7 == 0 else ()),
        )
        for i in range(90)
    ]


def test_tantivy_facets_from_bucket_terms_equal_ranges_and_every_value(tmp_path: Path, clock: Clock):
    """The cheap count (facet_bucket and attribute_set terms) against an index built before them, which counts
    ranges and every attribute value: the same facets for every kind of query, filters lifted or not."""
    import tantivy

    from aisle.adapters.search.tantivy_schema import BASE_LAYOUT, build_schema

    (tmp_path / "old").mkdir()
    tantivy.Index(build_schema(BASE_LAYOUT), path=str(tmp_path / "old"), reuse=True)  # an older version's
    old = TantivyEngine(tmp_path / "old", clock, categories=lambda: TREE)
    new = TantivyEngine(tmp_path / "new", clock, categories=lambda: TREE)
    assert (old.facet_terms, new.facet_terms) == (False, True)
    for engine in (old, new):
        engine.upsert([*CATALOG, *_edge_catalog()])
        engine.refresh()
    for filters in (
        Filters(),
        Filters(brands=("Zeta",)),
        Filters(price_min=Decimal("10"), price_max=Decimal("100")),
        Filters(rating_min=4),
        Filters(rating_min=2, price_max=Decimal("25")),
        Filters(attributes=(("color", "Red"),)),
        Filters(attributes=(("color", "red"), ("size", "M")), brands=("Yota",)),
    ):
        for keywords in ((), words("lamp")):
            query = EngineQuery(keywords=keywords, filters=filters)
            assert new.search(query).facets == old.search(query).facets, (keywords, filters)
    facets = new.search(EngineQuery(keywords=words("lamp"))).facets
    assert dict(facets.ratings)[4] == 30 and facets.attributes["color"][0] == ("Red", 45)


def test_tantivy_counts_attributes_value_by_value_when_a_set_is_too_long_for_a_term(tmp_path: Path, clock: Clock):
    from aisle.domain.search.facet_buckets import MAX_ATTRIBUTE_SET_BYTES

    many = tuple((f"spec {i:03}", "v" * 90) for i in range(MAX_ATTRIBUTE_SET_BYTES // 90))
    engine = TantivyEngine(tmp_path / "index", clock)
    engine.upsert(
        [
            doc(300, "Lamp Big", "Zeta", "5.00", attributes=many),
            doc(301, "Lamp Red", "Zeta", "5.00", attributes=(("spec 000", "v" * 90),)),
        ]
    )
    engine.refresh()
    counted = engine.search(EngineQuery(keywords=words("lamp"))).facets.attributes
    assert counted["spec 000"] == [("v" * 90, 2)] and len(counted) == 200  # ATTRIBUTE_FACET_SIZE values


def test_an_index_built_before_the_facet_terms_serves_until_a_rebuild_brings_them(tmp_path, clock):
    import tantivy

    from aisle.adapters.search.tantivy_schema import BASE_LAYOUT, build_schema

    home = TantivyIndexHome(tmp_path / "search")
    tantivy.Index(build_schema(BASE_LAYOUT), path=str(home.current()), reuse=True)
    switching = SwitchingEngine(home, lambda path: TantivyEngine(path, clock))
    assert not switching.needs_rebuild and not switching.engine.facet_terms  # no empty moment: it serves as it is
    switching.upsert(CATALOG)
    switching.refresh()
    before = switching.search(EngineQuery()).facets
    fresh = switching.begin_rebuild()
    fresh.upsert(CATALOG)
    switching.finish_rebuild(fresh)
    assert switching.engine.facet_terms and switching.search(EngineQuery()).facets == before
    switching.close()


def test_facets_asked_without_the_total_are_the_same_facets(engine):
    for filters in (Filters(), Filters(brands=("Sony",), rating_min=4)):
        counted = engine.search(EngineQuery(keywords=words("headphones"), filters=filters, limit=0))
        facets_only = engine.search(
            EngineQuery(keywords=words("headphones"), filters=filters, limit=0, with_total=False)
        )
        assert facets_only.facets == counted.facets and counted.total > 0


def test_tantivy_hits_carry_the_title_of_the_version_indexed_while_many_threads_rank(tmp_path: Path, clock: Clock):
    """Titles are kept per (product, version) between searches: an update's new title shows at once, and threads
    ranking at once through a small, constantly evicting set of kept titles each get their own hits' titles."""
    from concurrent.futures import ThreadPoolExecutor

    from aisle.adapters.search import tantivy_engine

    engine = TantivyEngine(tmp_path / "index", clock)
    engine._titles = tantivy_engine._RecentTitles(3)
    lamps = [doc(400 + i, f"Lamp Model {i}", "Zeta", "20.00") for i in range(12)]
    engine.upsert(lamps)
    engine.refresh()
    assert engine.search(EngineQuery(keywords=words("lamp"), limit=50)).hits[0].title.startswith("Lamp Model")
    engine.upsert([replace(lamps[0], title="Lamp Renamed 0", version=2)])
    engine.refresh()
    expected = {d.product_id: d.title for d in lamps} | {400: "Lamp Renamed 0"}

    def wrong_titles(_: int) -> int:
        hits = engine.search(EngineQuery(keywords=words("lamp"), limit=50)).hits
        return sum(h.title != expected[h.product_id] for h in hits) + (len(hits) != len(lamps))

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(wrong_titles, range(400))) == 0


def test_words_typed_together_and_found_together_in_a_title_lift_it(engine):
    apart = doc(101, "Acme - Wireless Earbuds with Charging Case - Black", "Acme", "40.00")
    together = doc(102, "Acme - Wireless Charging Pad with Stand - Black", "Acme", "40.00")  # as long, as worded
    engine.upsert([apart, together])
    engine.refresh()
    assert ids(engine, keywords=words("wireless", "charging")) == [102, 101]
    assert ids(engine, keywords=words("charging", "case")) == [101]
    assert ids(engine, keywords=words("charging", "wireless")) == [101, 102]  # a tie: typed apart, no lift
