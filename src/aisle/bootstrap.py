"""The composition root: builds every adapter and service from settings, once, at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from aisle.adapters.bus.inprocess import InProcessBus
from aisle.adapters.cache.memory import MemoryCache
from aisle.adapters.sql.engine import create_schema, lease_node_id, make_engine, ping
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.domain import events as ev
from aisle.domain.ids import SnowflakeIds
from aisle.services.bulk import BulkImportService
from aisle.services.catalog import CatalogService
from aisle.services.clock import utc_now
from aisle.services.importing import CatalogImporter
from aisle.services.outbox_relay import BackgroundLoop, OutboxRelay
from aisle.services.pdp import ProductPageService
from aisle.services.ports import EventBus, OutboxEntry, UnitOfWorkFactory
from aisle.services.reviews import ReviewService
from aisle.services.sellers import SellerService
from aisle.settings import Settings


@dataclass
class Container:
    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory
    ids: SnowflakeIds
    bus: EventBus
    cache: MemoryCache
    catalog: CatalogService
    sellers: SellerService
    reviews: ReviewService
    pdp: ProductPageService
    bulk: BulkImportService
    relay: OutboxRelay
    loops: list[BackgroundLoop]

    def importer(self) -> CatalogImporter:
        return CatalogImporter(self.uow, self.ids.next_id, utc_now)

    def start_background(self) -> None:
        for loop in self.loops:
            loop.start()

    def stop(self) -> None:
        for loop in self.loops:
            loop.stop()
        self.engine.dispose()

    def ready(self) -> None:
        """Raises when storage cannot be reached."""
        ping(self.engine)

    def wake(self) -> None:
        for loop in self.loops:
            loop.wake()


def bootstrap(settings: Settings | None = None) -> Container:
    settings = settings or Settings()
    if settings.profile == "embedded":
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database)
    create_schema(engine)
    node_id = settings.node_id if settings.node_id is not None else lease_node_id(engine)
    ids = SnowflakeIds(node_id)
    uow = sql_unit_of_work_factory(engine, ids.next_id, utc_now)
    bus = InProcessBus()
    cache = MemoryCache()
    pdp = ProductPageService(uow, cache)
    relay = OutboxRelay(uow, bus, utc_now, exclusive_claims=engine.dialect.name == "postgresql")
    relay_loop = BackgroundLoop("outbox-relay", relay.relay_once)

    def product_changed(product_id: int) -> None:
        pdp.forget(product_id)  # this process sees its own writes at once; other processes via events
        relay_loop.wake()

    bulk = BulkImportService(
        uow,
        ids.next_id,
        utc_now,
        settings.bulk_max_lines,
        on_submitted=lambda: bulk_loop.wake(),  # bound late: the loop is built from the service just below
        on_product_changed=product_changed,
    )
    bulk_loop = BackgroundLoop("bulk-jobs", bulk.run_pending, idle_seconds=1.0)
    _subscribe_cache_invalidation(bus, pdp)
    return Container(
        settings=settings,
        engine=engine,
        uow=uow,
        ids=ids,
        bus=bus,
        cache=cache,
        catalog=CatalogService(uow, ids.next_id, utc_now, on_product_changed=product_changed),
        sellers=SellerService(uow, ids.next_id),
        reviews=ReviewService(uow, ids.next_id, utc_now, on_product_changed=product_changed),
        pdp=pdp,
        bulk=bulk,
        relay=relay,
        loops=[relay_loop, bulk_loop] if settings.run_background_workers else [],
    )


def _subscribe_cache_invalidation(bus: EventBus, pdp: ProductPageService) -> None:
    def invalidate(entry: OutboxEntry) -> None:
        pdp.forget(entry.key)

    for name in (
        ev.PRODUCT_CREATED,
        ev.PRODUCT_UPDATED,
        ev.PRODUCT_DELETED,
        ev.PRICE_CHANGED,
        ev.REVIEW_ADDED,
    ):
        bus.subscribe(name, invalidate)
