"""Query understanding against the real Best Buy catalog (../shared/data), where others find nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from aisle.domain.search.query import QueryParser
from aisle.domain.search.synonyms import SynonymTable
from aisle.domain.search.vocabulary import Vocabulary

pytestmark = pytest.mark.sample_data


@pytest.fixture(scope="module")
def bestbuy(sample_data: Path, synonyms: SynonymTable) -> QueryParser:
    products = json.loads((sample_data / "bestbuy" / "products.json").read_text(encoding="utf-8"))
    texts: list[tuple[str, float]] = []
    for product in products:
        texts.append((product["name"], 1.0))
        texts.append((product.get("brand") or "", 1.0))
        texts.extend((category, 1.0) for category in product.get("categories", []))
        texts.append((product.get("description") or "", 0.2))  # searched too, but says less than a title
    brands = sorted({p["brand"] for p in products if p.get("brand")})
    return QueryParser(Vocabulary.from_texts(texts), brands, synonyms)


def test_samsng_galaxy_is_samsung_phones(bestbuy: QueryParser) -> None:
    parsed = bestbuy.parse("samsng galaxy")
    assert parsed.brands == ("Samsung",)
    assert "galaxy" in parsed.keywords
    assert parsed.corrections == (("samsng", "samsung"),)


def test_otterbox_defnder(bestbuy: QueryParser) -> None:
    parsed = bestbuy.parse("otterbox defnder")
    assert "OtterBox" in parsed.brands  # with "Otterbox", the catalog's other spelling
    assert parsed.keywords == ("defender",)


def test_charger_under_30(bestbuy: QueryParser) -> None:
    parsed = bestbuy.parse("charger under 30")
    assert parsed.keywords == ("charger",)
    assert parsed.price_max == Decimal("30")
    assert parsed.brands == ()


def test_iphone_6_case_keeps_its_model_number(bestbuy: QueryParser) -> None:
    parsed = bestbuy.parse("iphone 6 case")
    assert parsed.keywords == ("iphone", "6", "case")
    assert (parsed.price_min, parsed.price_max, parsed.brands) == (None, None, ())


def test_samsung_galaxy_s7(bestbuy: QueryParser) -> None:
    parsed = bestbuy.parse("samsung galaxy s7")
    assert parsed.brands == ("Samsung",)
    assert parsed.keywords == ("galaxy", "s7")


def test_brands_spelled_several_ways_in_the_catalog(bestbuy: QueryParser) -> None:
    assert set(bestbuy.parse("insignia").brands) == {"Insignia™", "Insignia\x99"}
    assert set(bestbuy.parse("tech21 case").brands) == {"Tech21", "tech21"}
    assert bestbuy.parse("urban armor gear iphone 7").brands == ("Urban Armor Gear",)
    assert bestbuy.parse("at&t gophone").brands == ("AT&T GoPhone",)


def test_real_queries_keep_something_to_search_for(bestbuy: QueryParser, sample_data: Path) -> None:
    suggestions = json.loads((sample_data / "queries" / "bestbuy_query_suggestions.json").read_text(encoding="utf-8"))
    parsed = [bestbuy.parse(suggestion["query"]) for suggestion in suggestions]
    empty = [p.raw for p in parsed if not (p.keywords or p.brands or p.rating_min)]
    assert len(empty) <= len(parsed) // 100, empty  # only queries of nothing but stop words: "for you", "this is"
