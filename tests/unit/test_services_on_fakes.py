"""Use cases on in-memory fakes (tests/unit/fakes.py): the catalog's compare-and-set retry, the order in which search
lets go of what the shopper asked for, and hot-SKU reservation in each of its modes. No database, no engine."""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

import pytest

from aisle.adapters.cache.memory import MemoryCache
from aisle.domain.catalog import Product, ProductContent, ProductStatus, Variant
from aisle.domain.errors import Conflict, DomainError, StaleVersion
from aisle.domain.events import SEARCH_UNCHANGED
from aisle.domain.inventory import StockLevel, Warehouse
from aisle.services.catalog import MAX_CAS_ATTEMPTS, CatalogService
from aisle.services.hot_sku import HotSkuReserver
from aisle.services.inventory import InventoryService, ReserveLine
from aisle.services.search.cards import ProductCards
from aisle.services.search.engine import EngineQuery, EngineResult, Facets, Filters, KeywordGroup
from aisle.services.search.params import SearchParams
from aisle.services.search.results import PriceDropped
from aisle.services.search.service import SearchService
from aisle.services.search.understanding import QueryUnderstanding
from tests.unit.fakes import Store, fake_uow_factory

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SELLER = 7


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def new_id():
    ids = count(1000)
    return lambda: next(ids)


# -- the catalog's compare-and-set retry -----------------------------------------------------------------------


@pytest.fixture
def catalog(store: Store, new_id) -> CatalogService:
    return CatalogService(fake_uow_factory(store), new_id, lambda: NOW)


@pytest.fixture
def product(catalog: CatalogService) -> Product:
    content = ProductContent(title="Trail Shoe", variants=(Variant("SHOE-1", Decimal("59.99")),))
    return catalog.create_product(SELLER, replace(content, status=ProductStatus.ACTIVE))


def another_writer(store: Store, new_id, times: int | None = 1) -> list[int]:
    """Before our save, someone else saves a change to the description (``times`` times; None: forever)."""
    interruptions: list[int] = []

    def interrupt(ours: Product) -> None:
        if times is not None and len(interruptions) >= times:
            return
        theirs = copy.deepcopy(store.products[ours.product_id])
        theirs.update(replace(theirs.content, description=f"edit {len(interruptions) + 1}"), NOW, new_id)
        theirs.events.clear()  # their unit of work, not ours, writes their events
        store.products[ours.product_id] = theirs
        interruptions.append(theirs.version)

    store.before_save = interrupt
    return interruptions


def test_a_lost_compare_and_set_rereads_and_applies_the_edit_once(store, new_id, catalog, product):
    interruptions = another_writer(store, new_id)
    edited = catalog.edit_product(SELLER, product.product_id, lambda c: replace(c, title=c.title + " v2"))
    assert interruptions == [2]
    assert edited.content.title == "Trail Shoe v2"  # applied once, on the re-read content
    assert edited.content.description == "edit 1"  # the other writer's change is kept
    assert edited.version == 3
    assert store.products[product.product_id].version == 3
    assert [e.name for e in store.outbox] == ["product.created", "product.updated"]


def test_with_if_match_a_lost_compare_and_set_is_a_stale_version(store, new_id, catalog, product):
    another_writer(store, new_id)
    with pytest.raises(StaleVersion) as stale:
        catalog.edit_product(SELLER, product.product_id, lambda c: replace(c, title="Mine"), if_match=1)
    assert (stale.value.expected, stale.value.actual) == (1, 2)
    assert store.products[product.product_id].content.title == "Trail Shoe"


def test_a_product_that_never_stops_changing_gives_up_with_a_conflict(store, new_id, catalog, product):
    interruptions = another_writer(store, new_id, times=None)
    with pytest.raises(Conflict, match="too often"):
        catalog.edit_product(SELLER, product.product_id, lambda c: replace(c, title="Mine"))
    assert len(interruptions) == MAX_CAS_ATTEMPTS
    assert store.products[product.product_id].content.title == "Trail Shoe"


# -- search lets go of the most specific thing first ---------------------------------------------------------------


class FindsOnlyWithoutFilters:
    """An engine that matches nothing while any filter is set: the search must drop them all, one at a time."""

    def __init__(self) -> None:
        self.queries: list[EngineQuery] = []

    def search(self, query: EngineQuery) -> EngineResult:
        self.queries.append(query)
        f = query.filters
        filtered = f.brands or f.category_id or f.price_min or f.price_max or f.rating_min or f.in_stock is not None
        return EngineResult([], 0 if filtered else 3, Facets())

    def count_each(self, keywords: tuple[KeywordGroup, ...], filters: Sequence[Filters]) -> list[int]:
        queries = (EngineQuery(keywords=keywords, filters=f, limit=0, with_facets=False) for f in filters)
        return [self.search(query).total for query in queries]

    def term_completions(self, prefix: str, limit: int, within: str = "") -> list[tuple[str, int]]:
        return [("headphones", 10), ("sony", 5)]

    def brands(self) -> list[str]:
        return ["Sony"]

    def popularity_cuts(self) -> list[float]:
        return []


def test_relaxation_drops_rating_then_stock_then_price(store):
    """The brand that emptied the query became words first (a brand filters only when that leaves results)."""
    engine = FindsOnlyWithoutFilters()
    understanding = QueryUnderstanding(lambda limit: engine.term_completions("", limit), engine.brands)
    cards = ProductCards(fake_uow_factory(store), lambda _uow, _cards: {}, lambda: NOW, MemoryCache())
    search = SearchService(engine, understanding, cards, lambda: {}, lambda: NOW)
    result = search.search(SearchParams(q="sony headphones under $50 with 4+ stars in stock"))
    assert result.relaxed is not None
    steps = result.relaxed.steps
    assert [step.dropped for step in steps] == ["rating_min", "in_stock", "price"]
    assert steps[2].value == PriceDropped(min=None, max=Decimal(50))
    assert result.query.brands == () and result.query.keywords[0] == "sony"
    assert result.total == 3


# -- hot-SKU reservation, in each mode -------------------------------------------------------------------------------

VARIANT, PRODUCT, STOCK, SHOPPERS = 501, 500, 12, 40


@pytest.fixture
def stocked(store: Store) -> Store:
    store.warehouses["east"] = Warehouse("east", "East", "us-east")
    store.owners[VARIANT] = (PRODUCT, SELLER)
    store.levels[(VARIANT, "east")] = StockLevel(VARIANT, "east", available=STOCK, reserved=0, version=1)
    return store


@pytest.mark.parametrize("mode", ["direct", "batched", "auto", "group"])
def test_many_shoppers_for_one_sku_never_oversell(stocked: Store, new_id, mode: str):
    uow = fake_uow_factory(stocked)
    inventory = InventoryService(uow, new_id, lambda: NOW, 900, 5)
    reserver = HotSkuReserver(inventory, uow, new_id, lambda: NOW, mode=mode)
    granted: list[int] = []
    refused: list[DomainError] = []
    start = threading.Barrier(SHOPPERS)

    def shopper(n: int) -> None:
        start.wait()
        try:
            answer = reserver.reserve_one(ReserveLine(VARIANT, 1), owner=f"cart-{n}")
            granted.append(answer.reservation_id)
        except DomainError as error:
            refused.append(error)

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(SHOPPERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    level = stocked.levels[(VARIANT, "east")]
    assert len(granted) == len(set(granted)) == STOCK  # every unit once, none twice
    assert len(refused) == SHOPPERS - STOCK
    assert (level.available, level.reserved) == (0, STOCK)
    assert len(stocked.reservations) == STOCK
    if mode == "direct":
        assert reserver.batches == 0  # every request its own compare-and-set
    if mode == "batched":
        assert 1 <= reserver.batches < SHOPPERS  # requests shared transactions
    assert {e.name for e in stocked.outbox} == {"inventory.changed"}
    seen_by_search = [e for e in stocked.outbox if not e.payload.get(SEARCH_UNCHANGED)]
    assert len(seen_by_search) == 1  # the write that sold the last unit; the others reserved out of plenty
