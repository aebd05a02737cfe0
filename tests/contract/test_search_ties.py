"""Equal values break in product id order on every engine: the same query pages the same way on every index."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from aisle.adapters.search.tantivy_engine import TantivyEngine
from aisle.services.search.engine import EngineQuery, Filters
from tests.contract.test_search_engine import NOW, _engine, doc

BRAND = "Tiebrand"
TIED = Filters(brands=(BRAND,))


@pytest.fixture(params=["tantivy", "opensearch"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path):
    yield from _engine(request.param, tmp_path, lambda: NOW)


def tied_catalog() -> list:
    """40 products on 4 prices, 3 ratings and 2 listing days, written newest id first in batches, so the engine's
    own order of equal values (segment, then document) is not the product id order."""
    prices = ["9.99", "19.99", "19.99", "29.99"]
    return [
        doc(
            1000 + n,
            f"Tied Widget {n}",
            BRAND,
            prices[n % 4],
            rating=(4.0, 4.5, 5.0)[n % 3],
            rating_count=10,
            created_at=NOW - timedelta(days=3 + n % 2),
        )
        for n in range(40)
    ]


def write_scrambled(engine, documents: list) -> None:
    ordered = sorted(documents, key=lambda d: -d.product_id)
    for start in range(0, len(ordered), 7):  # several segments on Tantivy
        engine.upsert(ordered[start : start + 7])
        engine.refresh()


def expected(documents: list, sort: str) -> list[int]:
    keys = {
        "price_asc": lambda d: (d.price, d.product_id),
        "price_desc": lambda d: (-d.price, d.product_id),
        "newest": lambda d: (-d.created_at.timestamp(), d.product_id),
    }
    return [d.product_id for d in sorted(documents, key=keys[sort])]


def pages(engine, sort: str, size: int) -> list[int]:
    found: list[int] = []
    for offset in range(0, 40, size):
        result = engine.search(EngineQuery(filters=TIED, sort=sort, offset=offset, limit=size))
        found += [h.product_id for h in result.hits]
    return found


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "newest"])
@pytest.mark.parametrize("size", [1, 3, 7, 10, 40])
def test_field_sorts_break_ties_by_product_id_across_pages(empty_engine, sort, size):
    catalog = tied_catalog()
    write_scrambled(empty_engine, catalog)
    assert pages(empty_engine, sort, size) == expected(catalog, sort)  # contiguous: no gap, no duplicate


def test_rating_sort_breaks_ties_by_product_id(empty_engine):
    catalog = tied_catalog()
    write_scrambled(empty_engine, catalog)
    by_rating = sorted(catalog, key=lambda d: (-d.rating_avg, d.product_id))  # equal counts: rating_rank follows
    assert pages(empty_engine, "rating", 6) == [d.product_id for d in by_rating]


def test_the_same_catalog_written_in_another_order_sorts_the_same(tmp_path: Path):
    catalog = tied_catalog()
    first = TantivyEngine(tmp_path / "one", lambda: NOW)
    second = TantivyEngine(tmp_path / "two", lambda: NOW)
    write_scrambled(first, catalog)
    for start in range(0, 40, 5):  # oldest id first this time: the other way round
        second.upsert(catalog[start : start + 5])
        second.refresh()
    for sort in ("price_asc", "price_desc", "newest", "rating"):
        assert pages(first, sort, 9) == pages(second, sort, 9)


def test_filters_and_sort_windows_agree_with_the_count(empty_engine):
    catalog = tied_catalog()
    write_scrambled(empty_engine, catalog)
    cheap = Filters(brands=(BRAND,), price_max=Decimal("19.99"))
    result = empty_engine.search(EngineQuery(filters=cheap, sort="price_desc", offset=25, limit=10))
    by_price = sorted(catalog, key=lambda d: (-d.price, d.product_id))
    in_order = [d.product_id for d in by_price if d.price <= Decimal("19.99")]
    assert result.total == 30
    assert [h.product_id for h in result.hits] == in_order[25:30]


def test_related_products_tie_in_product_id_order(empty_engine):
    twins = [doc(2000 + n, "Quokka Lantern Deluxe", "Quokkabrand", "5.00") for n in range(12)]
    write_scrambled(empty_engine, twins)
    assert empty_engine.related(2011, 4) == [2000, 2001, 2002, 2003]
    assert empty_engine.related(2000, 11) == [2001 + n for n in range(11)]


def test_an_optional_word_lifts_its_matches_without_requiring_them(empty_engine):
    from aisle.services.search.engine import KeywordGroup

    sony_lifted = (KeywordGroup("sony", required=False), KeywordGroup("headphones"))
    found = [h.product_id for h in empty_engine.search(EngineQuery(keywords=sony_lifted)).hits]
    assert set(found) == {1, 2, 3, 6}  # every headphone, Sony or not
    assert set(found[:2]) == {1, 2}  # the Sony ones first
    assert empty_engine.search(EngineQuery(keywords=sony_lifted, limit=0)).total == 4


def test_equal_scores_at_the_relevance_cut_keep_the_lowest_product_ids(empty_engine):
    """Which of many equally matching products make the engine's best N does not depend on the index's layout."""
    from aisle.services.search.engine import KeywordGroup

    twins = [doc(3000 + n, "Wombat Doorstop", "Wombatco", "5.00") for n in range(30)]
    write_scrambled(empty_engine, twins)
    query = EngineQuery(keywords=(KeywordGroup("doorstop"),), limit=7)
    assert [h.product_id for h in empty_engine.search(query).hits] == [3000 + n for n in range(7)]
    assert empty_engine.search(query).total == 30
