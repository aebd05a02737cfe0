from __future__ import annotations

from decimal import Decimal

from aisle.domain.search.query import ParsedQuery
from aisle.services.search.engine import KeywordGroup
from aisle.services.search.params import SearchParams
from aisle.services.search.planning import plan_for as _plan
from aisle.services.search.planning import word_groups


def test_a_multi_word_synonym_term_becomes_one_phrase_group():
    parsed = ParsedQuery(
        raw="unlocked cell phones",
        keywords=("unlocked", "cell", "phones"),
        synonyms=(("cell phones", ("mobile phones", "smartphones")),),
    )
    plan = _plan(parsed, SearchParams(q=parsed.raw), None)
    assert plan.keywords == (
        KeywordGroup("unlocked"),
        KeywordGroup("cell phones", ("mobile phones", "smartphones")),
    )


def test_a_number_typed_after_a_word_numbers_that_word():
    def groups(*keywords: str, synonyms=()) -> tuple[KeywordGroup, ...]:
        parsed = ParsedQuery(raw=" ".join(keywords), keywords=keywords, synonyms=synonyms)
        return _plan(parsed, SearchParams(q=parsed.raw), None).keywords

    assert [g.numbers for g in groups("iphone", "8", "case")] == ["", "iphone", ""]
    assert [g.numbers for g in groups("3", "pack", "batteries")] == ["", "", ""]  # first: it counts, not numbers
    assert [g.numbers for g in groups("usb", "3", "0")] == ["", "usb", ""]  # "0" comes after a number
    assert [g.numbers for g in groups("galaxy", "s7", "32")] == ["", "", ""]  # after a code, not a word
    # it counts the word after it: eight ports, whatever the order, not a "Switch 8"
    assert [g.numbers for g in groups("gigabit", "switch", "8", "port")] == ["", "", "", ""]
    assert [g.numbers for g in groups("power", "strip", "6", "outlets")] == ["", "", "", ""]
    assert [g.numbers for g in groups("ryzen", "7", "pc")] == ["", "ryzen", ""]  # a model's number, before a pc
    # a model the catalog also writes joined is one phrase group, and its words again when apart
    gtx = groups("gtx", "1080", synonyms=(("gtx 1080", ("gtx1080",)),))
    assert gtx == (KeywordGroup("gtx 1080", ("gtx1080",)),)
    assert [g.numbers for g in word_groups(gtx, lambda _w: ())] == ["", "gtx"]


def test_explicit_parameters_win_over_what_the_text_implied():
    parsed = ParsedQuery(raw="sony tv under $500", keywords=("tv",), brands=("Sony",), price_max=Decimal(500))
    params = SearchParams(q=parsed.raw, brands=("LG",), price_max=Decimal(300), sort="price_desc")
    plan = _plan(parsed, params, 42)
    assert plan.filters.brands == ("LG",)
    assert plan.filters.price_max == Decimal(300)
    assert plan.filters.category_id == 42
    assert plan.sort == "price_desc"


def test_a_typed_brand_with_a_kind_of_product_also_keeps_what_names_the_brand():
    parsed = ParsedQuery(raw="apple chargers", keywords=("chargers",), brands=("Apple",))
    assert _plan(parsed, SearchParams(q=parsed.raw), None, names_a_kind=True).filters.brands_in_title
    # a brand alone asks for the maker's products; a clicked brand is the maker, whatever the words
    assert not _plan(parsed, SearchParams(q=parsed.raw), None, names_a_kind=False).filters.brands_in_title
    clicked = SearchParams(q=parsed.raw, brands=("Apple",))
    assert not _plan(parsed, clicked, None, names_a_kind=True).filters.brands_in_title
    # the brand facet counts under a typed brand, and what it let through (it is part of the query), and
    # without a clicked one (one value among many)
    typed = _plan(parsed, SearchParams(q=parsed.raw), None, names_a_kind=True).filters
    assert typed.without("brands") == typed
    assert _plan(parsed, clicked, None, names_a_kind=True).filters.without("brands").brands == ()


def test_the_text_may_choose_the_sort():
    parsed = ParsedQuery(raw="cheapest charger", keywords=("charger",), sort="price_asc")
    assert _plan(parsed, SearchParams(q=parsed.raw), None).sort == "price_asc"


def test_model_numbers_are_also_indexed_as_shoppers_type_them():
    from aisle.domain.search.document import model_codes

    codes = model_codes("Canon EW-73B Lens Hood for SP-2 and B350-XT (2-pack)")
    assert codes[:4] == ("ew73b", "sp2", "b350xt", "2pack")
    assert set(codes[4:]) == {"ew73", "b350", "350xt"}  # without the letters after their number; the series alone
    assert model_codes("USB-C Cable") == ()
    assert model_codes("Sony MDR570LPL Headphones") == ("mdr570", "570lpl")
    assert model_codes("Apple - iPhone 7 32GB - Black") == ()  # a size is no model code


def test_relaxing_a_long_query_counts_each_word_once():
    """Dropping words one by one asks the engine for each word's count once, not once per step, and tries what
    is found without each word only when few are left: a long query would otherwise cost the square of its
    length in engine requests."""
    from datetime import UTC, datetime

    from aisle.adapters.search.tantivy_engine import TantivyEngine
    from aisle.services.search.engine import EngineQuery, Filters
    from aisle.services.search.planning import MAX_TRIED, Plan
    from aisle.services.search.planning import relax_once as _relax_once
    from tests.contract.test_search_engine import CATALOG

    engine = TantivyEngine(None, lambda: datetime(2026, 6, 1, tzinfo=UTC))
    engine.upsert(CATALOG)
    engine.refresh()
    asked: list[EngineQuery] = []

    class Counting:
        def search(self, query: EngineQuery):
            asked.append(query)
            return engine.search(query)

    words = ("sony", "headphones", "speaker", "zebra", "quokka", "wombat", "lamp", "phone")
    plan = Plan(tuple(KeywordGroup(w) for w in words), Filters(), "relevance")
    counted: dict = {}
    dropped = []
    while engine.search(EngineQuery(keywords=plan.keywords, limit=0)).total == 0:
        plan, step = _relax_once(plan, Counting(), counted)
        dropped.append(step.value)
    assert set(dropped[:4]) == {"zebra", "quokka", "wombat", "lamp"}  # the words that match nothing go first
    single = [q for q in asked if len(q.keywords) == 1]
    assert sorted(q.keywords[0].word for q in single) == sorted(words)
    assert len(asked) - len(single) <= MAX_TRIED * len(dropped)  # a few tries per step, however long the query


def test_a_phrase_apart_gives_each_word_what_takes_its_place_in_the_phrases_synonyms():
    phrase = KeywordGroup("wireless earbuds", ("bluetooth earbuds", "true wireless earbuds", "ear buds"))
    synonyms = {"earbuds": ["earphones"]}
    split = word_groups((phrase,), lambda word: synonyms.get(word, []), held={"wireless", "earbuds"})
    assert split == (
        KeywordGroup("wireless", ("bluetooth",), fuzzy=False),  # "true wireless earbuds" differs by a word more
        KeywordGroup("earbuds", ("earphones",), fuzzy=False),
    )


def test_the_words_let_go_of_come_back_to_lift_but_not_a_number_or_edition_after_a_name():
    from aisle.services.search.engine import Filters
    from aisle.services.search.planning import Plan, lifted_by_dropped

    def plan(*words: str) -> Plan:
        return Plan(tuple(KeywordGroup(w) for w in words), Filters(), "relevance")

    lifted = lifted_by_dropped(plan("appliance"), plan("small", "kitchen", "appliance", "2000w"))
    assert lifted is not None
    assert [(g.word, g.required) for g in lifted.keywords] == [
        ("small", False),
        ("kitchen", False),
        ("appliance", True),
    ]  # "2000w" is a measure: it says nothing of which appliance is closer
    # "one" numbers the Xbox: a "VR One" headset is no closer to "xbox one headsets"
    assert [g.word for g in lifted_by_dropped(plan("headsets"), plan("xbox", "one", "headsets")).keywords] == [
        "xbox",
        "headsets",
    ]
    assert lifted_by_dropped(plan("rx"), plan("rx", "480")) is None
    assert lifted_by_dropped(plan("a", "b"), plan("a", "b")) is None  # nothing let go of
    # a model the catalog holds nowhere lifts only typo-tolerant look-alikes, and would rank the line's other
    # models as not the one asked
    assert lifted_by_dropped(plan("galaxy"), plan("galaxy", "s8"), found_nothing={"s8"}) is None
    assert lifted_by_dropped(plan("galaxy"), plan("galaxy", "s8")) is not None
