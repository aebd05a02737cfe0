from __future__ import annotations

from decimal import Decimal

from aisle.domain.search.query import ParsedQuery
from aisle.services.search.engine import KeywordGroup
from aisle.services.search.params import SearchParams
from aisle.services.search.service import _plan


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


def test_explicit_parameters_win_over_what_the_text_implied():
    parsed = ParsedQuery(raw="sony tv under $500", keywords=("tv",), brands=("Sony",), price_max=Decimal(500))
    params = SearchParams(q=parsed.raw, brands=("LG",), price_max=Decimal(300), sort="price_desc")
    plan = _plan(parsed, params, 42)
    assert plan.filters.brands == ("LG",)
    assert plan.filters.price_max == Decimal(300)
    assert plan.filters.category_id == 42
    assert plan.sort == "price_desc"


def test_the_text_may_choose_the_sort():
    parsed = ParsedQuery(raw="cheapest charger", keywords=("charger",), sort="price_asc")
    assert _plan(parsed, SearchParams(q=parsed.raw), None).sort == "price_asc"


def test_model_numbers_are_also_indexed_as_shoppers_type_them():
    from aisle.domain.search.document import model_codes

    assert model_codes("Canon EW-73B Lens Hood for SP-2 and B350-XT (2-pack)") == ("ew73b", "sp2", "b350xt", "2pack")
    assert model_codes("USB-C Cable") == ()
