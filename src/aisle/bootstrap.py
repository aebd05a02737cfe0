"""The composition root: builds every adapter and service from settings, once, at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from aisle.adapters.bus.inprocess import InProcessBus
from aisle.adapters.cache.memory import MemoryCache
from aisle.adapters.search.tantivy_engine import TantivyEngine
from aisle.adapters.search.tantivy_home import SwitchingEngine, TantivyIndexHome
from aisle.adapters.sql.engine import lease_node_id, make_engine, ping
from aisle.adapters.sql.migrate import upgrade_to_head
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.domain import events as ev
from aisle.domain.ids import SnowflakeIds
from aisle.services.bulk import BulkImportService
from aisle.services.buybox import BuyBoxes
from aisle.services.catalog import CatalogService
from aisle.services.categories import CategoryCache
from aisle.services.changes import ProductChanges
from aisle.services.clock import utc_now
from aisle.services.hot_sku import HotSkuReserver
from aisle.services.importing import CatalogImporter
from aisle.services.inventory import InventoryService
from aisle.services.outbox_relay import BackgroundLoop, OutboxRelay
from aisle.services.pdp import ProductPageService
from aisle.services.ports import OutboxEntry, UnitOfWorkFactory
from aisle.services.pricing import PricingService
from aisle.services.reviews import ReviewService
from aisle.services.search.autocomplete import Autocomplete
from aisle.services.search.cards import ProductCards
from aisle.services.search.index_builder import INDEXED_EVENTS, IndexBuilder
from aisle.services.search.popular import PopularQueries
from aisle.services.search.related import EngineRelatedProducts
from aisle.services.search.service import SearchService
from aisle.services.search.understanding import QueryUnderstanding
from aisle.services.sellers import SellerService
from aisle.settings import Settings


@dataclass
class Container:
    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory
    ids: SnowflakeIds
    bus: InProcessBus
    cache: MemoryCache
    categories: CategoryCache
    catalog: CatalogService
    sellers: SellerService
    reviews: ReviewService
    pdp: ProductPageService
    bulk: BulkImportService
    relay: OutboxRelay
    search_engine: SwitchingEngine
    index_builder: IndexBuilder
    search: SearchService
    autocomplete: Autocomplete
    understanding: QueryUnderstanding
    inventory: InventoryService
    reserver: HotSkuReserver
    pricing: PricingService
    popular: PopularQueries
    loops: list[BackgroundLoop]

    def importer(self) -> CatalogImporter:
        return CatalogImporter(self.uow, self.ids.next_id, utc_now)

    def start_background(self) -> None:
        for loop in self.loops:
            loop.start()

    def stop(self) -> None:
        for loop in self.loops:
            loop.stop()
        self.search_engine.engine.close()
        self.engine.dispose()

    def ready(self) -> None:
        """Raises when storage cannot be reached."""
        ping(self.engine)


def bootstrap(settings: Settings | None = None) -> Container:
    settings = settings or Settings()
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database)
    upgrade_to_head(engine)
    ids = SnowflakeIds(settings.node_id if settings.node_id is not None else lease_node_id(engine))
    uow = sql_unit_of_work_factory(engine, ids.next_id, utc_now)
    bus, cache, categories, changes = InProcessBus(), MemoryCache(), CategoryCache(uow), ProductChanges()
    relay = OutboxRelay(uow, bus, utc_now, exclusive_claims=engine.dialect.name == "postgresql")
    relay_loop = BackgroundLoop("outbox-relay", relay.relay_once, idle_seconds=0.1)
    changes.listen(lambda _product_id: relay_loop.wake())

    inventory = InventoryService(
        uow, ids.next_id, utc_now, settings.reservation_ttl_seconds, settings.low_stock_threshold
    )
    pricing = PricingService(uow, ids.next_id, utc_now, categories, on_prices_changed=changes.many)
    buy_boxes = BuyBoxes(pricing.final_prices)
    search_engine = open_search_engine(data_dir / "search")
    index_builder = IndexBuilder(uow, search_engine, utc_now, buy_boxes)
    search_engine.set_on_switch(index_builder.catch_up)
    bus.subscribe_batch(INDEXED_EVENTS, index_builder.handle)
    understanding = QueryUnderstanding(lambda limit: search_engine.term_completions("", limit), search_engine.brands)
    index_builder.add_listener(understanding.mark_stale)
    popular = PopularQueries()

    cards = ProductCards(uow, pricing.final_prices, utc_now)
    pdp = ProductPageService(
        uow,
        cache,
        EngineRelatedProducts(search_engine, cards),
        categories,
        inventory.availability_of,
        pricing.final_prices,
        buy_boxes,
    )
    changes.listen(pdp.forget)  # this process sees its own writes at once; other processes hear the events
    _subscribe_cache_invalidation(bus, pdp)
    bulk = BulkImportService(uow, ids.next_id, utc_now, settings.bulk_max_lines, on_product_changed=changes)
    loops = [
        relay_loop,
        BackgroundLoop("bulk-jobs", bulk.run_pending, idle_seconds=1.0),
        BackgroundLoop("query-understanding", understanding.rebuild_if_stale, settings.vocabulary_refresh_seconds),
        BackgroundLoop("reservation-expirer", inventory.expire_due, idle_seconds=1.0),
    ]
    bulk.on_submitted(loops[1].wake)
    return Container(
        settings=settings,
        engine=engine,
        uow=uow,
        ids=ids,
        bus=bus,
        cache=cache,
        categories=categories,
        catalog=CatalogService(uow, ids.next_id, utc_now, on_product_changed=changes),
        sellers=SellerService(uow, ids.next_id),
        reviews=ReviewService(uow, ids.next_id, utc_now, on_product_changed=changes),
        pdp=pdp,
        bulk=bulk,
        relay=relay,
        search_engine=search_engine,
        index_builder=index_builder,
        search=SearchService(search_engine, understanding, cards, categories, utc_now, on_searched=popular.record),
        autocomplete=Autocomplete(search_engine, understanding, categories, popular.top),
        understanding=understanding,
        popular=popular,
        inventory=inventory,
        reserver=HotSkuReserver(
            inventory, uow, ids.next_id, utc_now, settings.reservation_mode, settings.reservation_ttl_seconds
        ),
        pricing=pricing,
        loops=loops if settings.run_background_workers else [],
    )


def open_search_engine(root: Path) -> SwitchingEngine:
    return SwitchingEngine(TantivyIndexHome(root), lambda generation: TantivyEngine(generation, utc_now))


def _subscribe_cache_invalidation(bus: InProcessBus, pdp: ProductPageService) -> None:
    def invalidate(entry: OutboxEntry) -> None:
        pdp.forget(entry.key)

    for name in (
        ev.PRODUCT_CREATED,
        ev.PRODUCT_UPDATED,
        ev.PRODUCT_DELETED,
        ev.PRICE_CHANGED,
        ev.REVIEW_ADDED,
        ev.INVENTORY_CHANGED,
    ):
        bus.subscribe(name, invalidate)
