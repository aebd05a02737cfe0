"""The composition root: builds every adapter and service from settings, once, at start-up.

The embedded profile wires SQLite, Tantivy, an in-process cache, rate limiter and event bus; the distributed one
PostgreSQL, OpenSearch, Redis and Kafka. The services are the same objects either way.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from aisle.adapters.blobs.disk import DiskBlobStore
from aisle.adapters.bus.inprocess import InProcessBus
from aisle.adapters.cache.memory import MemoryCache
from aisle.adapters.images.pillow_pipeline import PillowImagePipeline
from aisle.adapters.leadership import FileLock
from aisle.adapters.prometheus import INDEX_EVENTS_DELIVERED, INDEX_LAG
from aisle.adapters.ratelimit.memory import MemoryRateLimiter
from aisle.adapters.ratelimit.sqlite_limiter import RATE_LIMITS_FILE, SQLiteRateLimiter
from aisle.adapters.resilience import CircuitBreaker
from aisle.adapters.search.guarded import GuardedEngine
from aisle.adapters.search.tantivy_engine import TantivyEngine
from aisle.adapters.search.tantivy_home import SwitchingEngine, TantivyIndexHome
from aisle.adapters.search.tantivy_schema import stemmed_analyzer
from aisle.adapters.sql.advisory_lock import AdvisoryLock
from aisle.adapters.sql.engine import make_engine, ping, warn_if_commits_may_be_lost
from aisle.adapters.sql.migrate import upgrade_to_head
from aisle.adapters.sql.node_slots import NodeSlot, hold_node_slot
from aisle.adapters.sql.search_fallback import DatabaseSearch
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.adapters.tracing import Tracing
from aisle.domain import events as ev
from aisle.domain.categories import Category
from aisle.domain.ids import SnowflakeIds
from aisle.domain.search.synonyms import DEFAULT_SYNONYMS_PATH
from aisle.services.bulk import BulkImportService
from aisle.services.buybox import BuyBoxes
from aisle.services.cache_guard import Guard, InvalidationGuard, SharedInvalidationGuard
from aisle.services.cache_lookups import CacheLookups
from aisle.services.catalog import CatalogService
from aisle.services.categories import CategoryCache
from aisle.services.clock import utc_now
from aisle.services.consumers import ConsumerLoop
from aisle.services.handlers import INDEX_BUILDER, EventHandlers, Handler, index_switched, register_handlers
from aisle.services.hot_sku import HotSkuReserver
from aisle.services.images import ImageService
from aisle.services.import_indexing import IndexFeed
from aisle.services.importing import CatalogImporter
from aisle.services.inventory import InventoryService
from aisle.services.leadership import Leadership, Lock, OutboxFollower
from aisle.services.maintenance import Backlog, BacklogWatch, IndexProgress, Pruner, index_progress
from aisle.services.media import MediaUrls
from aisle.services.outbox_relay import BackgroundLoop, OutboxRelay
from aisle.services.pdp import ProductPageService
from aisle.services.ports import BlobStore, Cache, EventStream, OutboxEntry, UnitOfWorkFactory
from aisle.services.pricing import PricingService
from aisle.services.ratelimit import RateLimiter
from aisle.services.reviews import ReviewService
from aisle.services.search.autocomplete import Autocomplete
from aisle.services.search.cards import ProductCards
from aisle.services.search.engine import SearchEngine
from aisle.services.search.index_builder import IndexBuilder, changes_search
from aisle.services.search.index_rebuild import EmptyIndexRepair, LostIndexWatch
from aisle.services.search.kept_pages import KeptPages
from aisle.services.search.popular import PopularQueries, QueryCounts
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
    handlers: EventHandlers  # who reacts to which event: services/handlers.py
    bus: InProcessBus
    stream: EventStream | None  # Kafka in the distributed profile
    cache: Cache
    lookups: CacheLookups
    limiter: RateLimiter
    categories: CategoryCache
    catalog: CatalogService
    sellers: SellerService
    reviews: ReviewService
    pdp: ProductPageService
    bulk: BulkImportService
    relay: OutboxRelay
    search_engine: GuardedEngine
    index_builder: IndexBuilder
    search: SearchService
    autocomplete: Autocomplete
    understanding: QueryUnderstanding
    popular: PopularQueries
    inventory: InventoryService
    reserver: HotSkuReserver
    pricing: PricingService
    relay_loop: BackgroundLoop
    blobs: BlobStore
    media: MediaUrls
    images: ImageService
    image_loop: BackgroundLoop  # embedded: renders PENDING images in-process
    index_lost: LostIndexWatch | None = None  # whether the index is lost: searches and readiness ask
    node_slot: NodeSlot | None = None  # the Snowflake node id this process holds (freed by stop, or on exit)
    loops: list[BackgroundLoop] = field(default_factory=list)
    leadership: Leadership | None = None  # embedded: which of the processes sharing the data dir runs the workers
    tracing: Tracing = field(default_factory=Tracing.off)  # OpenTelemetry, when configured
    _slot_watch: BackgroundLoop | None = None
    _index_backlog: BacklogWatch | None = None
    _readiness_checks: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "readiness"))

    @property
    def distributed(self) -> bool:
        return self.settings.profile == "distributed"

    def importer(self, index: bool = True, feed: Callable[[], IndexFeed] | None = None) -> CatalogImporter:
        """Imports in batches; with ``index`` each batch goes into the search index as it is committed, in this
        process, or through ``feed`` when given (entrypoints/import_indexer.py: in a second process)."""
        indexer = self.index_builder if index else None
        return CatalogImporter(self.uow, self.ids.next_id, utc_now, indexer=indexer, feed=feed)

    def rebuild_lock(self) -> Lock:
        """Held while the search index is rebuilt, by whichever process rebuilds it: one rebuild at a time."""
        if self.distributed:
            return AdvisoryLock(self.engine, f"search-rebuild:{self.settings.search_index}")
        return FileLock(Path(self.settings.data_dir) / "search" / REBUILD_LOCK)

    def announce_rebuild(self, started: datetime) -> None:
        """Tells every index builder, through the outbox, to re-sync what changed since ``started``."""
        with self.uow() as uow:
            uow.record([ev.Event(ev.INDEX_REBUILD, 0, {"built_from": started.isoformat()})])
            uow.commit()

    def start_background(self) -> None:
        for loop in self._background():
            loop.start()

    def stop(self) -> None:
        for loop in self._background():
            loop.stop()
        if self.leadership is not None:
            self.leadership.stop()
        self.search_engine.close()
        if self.node_slot is not None:
            self.node_slot.release()
        self._readiness_checks.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()
        self.tracing.flush()

    def _background(self) -> list[BackgroundLoop]:
        """The loops, and for a long-running process with a node id, the watch over that id."""
        if not self.loops or self.node_slot is None:
            return self.loops
        if self._slot_watch is None:
            self._slot_watch = slot_watch(self.node_slot, on_lost=_stop_this_process)
        return [*self.loops, self._slot_watch]

    def readiness(self) -> IndexProgress:
        """Storage pinged (raising when it cannot be reached), then ``index_progress``, answered within
        READY_CHECK_SECONDS or raising TimeoutError: a database that stopped answering (a hung server, a cut
        network) holds a query for the driver's 30 s, and a readiness probe must say "not ready" sooner than that.
        A check still waiting holds up the next ones."""
        return self._readiness_checks.submit(self._check_readiness).result(timeout=READY_CHECK_SECONDS)

    def _check_readiness(self) -> IndexProgress:
        ping(self.engine)
        return self.index_progress()

    def index_progress(self) -> IndexProgress:
        max_lag = timedelta(seconds=self.settings.ready_max_index_lag_seconds)
        relayed = self._relayed_backlog().backlog() if self.stream is not None else Backlog()
        lost = self.index_lost.lost_now if self.index_lost is not None else None
        return index_progress(self.uow, self.search_engine, utc_now(), max_lag, relayed, lost)

    def _relayed_backlog(self) -> BacklogWatch:
        """Distributed: the events on the stream that the index builders' consumer group has not committed."""
        if self._index_backlog is None:
            stream, builder = self.stream, next(h for h in self.handlers.delivered if h.name == INDEX_BUILDER)
            assert stream is not None
            group, names = f"aisle-{builder.name}", sorted(builder.events)
            every = timedelta(seconds=self.settings.ready_backlog_read_seconds)
            self._index_backlog = BacklogWatch(lambda: stream.positions(group, names), utc_now, every)
        return self._index_backlog


def bootstrap(
    settings: Settings | None = None, tracing: Tracing | None = None, one_of_processes: bool = False
) -> Container:
    """``tracing``: by default from the settings (traces only when an exporter is configured).
    ``one_of_processes``: one of the N processes of `aisle serve --workers N`, which share each rate limit."""
    settings = settings or Settings()
    tracing = tracing or Tracing.from_settings(settings.traces_exporter)
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database, lock_wait_seconds=settings.sqlite_lock_wait_seconds)
    tracing.instrument_engine(engine)
    upgrade_to_head(engine)
    warn_if_commits_may_be_lost(engine)
    slot = hold_node_slot(engine, settings.node_id)
    ids = SnowflakeIds(slot.node_id)
    handlers = EventHandlers()  # filled by register_handlers below, before any event flows
    uow = sql_unit_of_work_factory(engine, ids.next_id, utc_now, on_committed=handlers.handle_committed)
    categories, bus = CategoryCache(uow), InProcessBus(handlers)
    stream = _event_stream(settings, ids.node_id, tracing)
    publisher = tracing.traced_publisher(stream or bus)
    relay = OutboxRelay(
        uow, publisher, utc_now, exclusive_claims=engine.dialect.name == "postgresql", on_delivered=_count_for_index
    )
    relay_loop = BackgroundLoop("outbox-relay", relay.relay_once, idle_seconds=0.1)

    inventory = InventoryService(
        uow, ids.next_id, utc_now, settings.reservation_ttl_seconds, settings.low_stock_threshold
    )
    pricing = PricingService(uow, ids.next_id, utc_now, categories)
    built: list[Container] = []  # the container once made (an index switch seen before it re-syncs)

    def switched(since: datetime) -> None:  # another process rebuilt the index: re-sync what changed meanwhile
        # only where the index is written: of the processes sharing a data dir, the leader (its writer's lock)
        leadership = built[0].leadership if built else None
        if leadership is None or leadership.leading:
            handlers.handle_delivered([index_switched(since, utc_now())])

    search_engine, tantivy = _search_engine(settings, categories, switched)
    understanding = QueryUnderstanding(
        lambda limit: search_engine.term_completions("", limit),
        search_engine.brands,
        settings.synonyms_path or DEFAULT_SYNONYMS_PATH,
        stems=stemmed_analyzer().analyze,  # OpenSearch's aisle_en analyzer stems the same (opensearch_mapping.py)
    )
    index_builder = IndexBuilder(
        uow,
        search_engine,
        utc_now,
        BuyBoxes(pricing.final_prices),
        on_indexed=_indexed(understanding),
        prices=pricing.final_prices,
    )
    if tantivy is not None and tantivy.needs_rebuild:  # an index written by an older version of the layout
        index_builder.rebuild_into(tantivy)
        tantivy.needs_rebuild = False
    popular = PopularQueries(counts=_query_counts(settings))
    cache, lookups = _cache(settings), CacheLookups()
    media = MediaUrls(settings.media_base_url)
    cards = ProductCards(
        uow, pricing.card_prices, utc_now, cache, media=media, lookups=lookups, guard=_guard(settings, cache, "card")
    )
    pdp = ProductPageService(
        uow,
        cache,
        EngineRelatedProducts(search_engine, cards, understanding.brand_spelling),
        categories,
        inventory.availability_of,
        pricing.final_prices,
        BuyBoxes(pricing.final_prices),
        lookups=lookups,
        media=media,
        guard=_guard(settings, cache, "pdp"),
    )
    blobs = _blob_store(settings)
    pipeline = PillowImagePipeline(settings.image_max_pixels)
    images = ImageService(uow, blobs, pipeline, ids.next_id, utc_now, media, settings.image_max_bytes)
    image_loop = BackgroundLoop("image-worker", images.process_pending, idle_seconds=2.0)
    register_handlers(
        handlers,
        index_builder,
        forget_views=(pdp.forget, cards.forget),
        wake_relay=relay_loop.wake,
        render_images=images.handle_uploaded if stream is not None else _wake_on_any(image_loop),
    )
    handlers.delivered[:] = [replace(h, handle=tracing.traced_handler(h.name, h.handle)) for h in handlers.delivered]
    index_lost = LostIndexWatch(uow, search_engine)
    container = Container(
        settings=settings,
        engine=engine,
        uow=uow,
        ids=ids,
        handlers=handlers,
        bus=bus,
        stream=stream,
        cache=cache,
        lookups=lookups,
        limiter=_limiter(settings, one_of_processes),
        categories=categories,
        catalog=CatalogService(uow, ids.next_id, utc_now),
        sellers=SellerService(uow, ids.next_id, utc_now),
        reviews=ReviewService(uow, ids.next_id, utc_now),
        pdp=pdp,
        bulk=BulkImportService(uow, ids.next_id, utc_now, settings.bulk_max_lines),
        relay=relay,
        search_engine=search_engine,
        index_builder=index_builder,
        search=SearchService(
            search_engine,
            understanding,
            cards,
            categories,
            utc_now,
            on_searched=popular.record,
            fallback=DatabaseSearch(engine, categories),
            cache=cache,
            pages=_kept_pages(settings, tantivy, lookups),
            index_lost=index_lost,
        ),
        autocomplete=Autocomplete(search_engine, understanding, categories, popular.top),
        understanding=understanding,
        popular=popular,
        inventory=inventory,
        reserver=HotSkuReserver(
            inventory, uow, ids.next_id, utc_now, _reservation_mode(settings), settings.reservation_ttl_seconds
        ),
        pricing=pricing,
        relay_loop=relay_loop,
        index_lost=index_lost,
        node_slot=slot,
        blobs=blobs,
        media=media,
        images=images,
        image_loop=image_loop,
        tracing=tracing,
    )
    built.append(container)
    if settings.run_background_workers:
        container.loops = serving_loops(container, settings.with_workers)
    return container


def _kept_pages(settings: Settings, tantivy: SwitchingEngine | None, lookups: CacheLookups) -> KeptPages | None:
    """Only Tantivy names its index generation (a commit by any process changes it); OpenSearch keeps none."""
    if tantivy is None or settings.search_pages_kept == 0:
        return None
    return KeptPages(tantivy.generation, settings.search_pages_kept, lookups)


def slot_watch(slot: NodeSlot, on_lost: Callable[[], None]) -> BackgroundLoop:
    """Checks every second that this process still holds its node id. A database restart silently ends the hold;
    if another process took the id meanwhile, this one stops rather than mint ids that may collide."""

    def step() -> int:
        if not slot.keep():
            log.critical("node id %d is held by another process now; stopping so no id is minted twice", slot.node_id)
            on_lost()
        return 0

    return BackgroundLoop("node-slot", step, idle_seconds=1.0)


def _stop_this_process() -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # a graceful stop: uvicorn and the worker command both honour it


def _reservation_mode(settings: Settings) -> str:
    """Group commit beat the other modes on both databases (bench/reports/inventory.md): it is what auto means."""
    return "group" if settings.reservation_mode == "auto" else settings.reservation_mode


def _count_for_index(delivered: list[OutboxEntry]) -> None:
    """What the index builders must take, counted as it is delivered: the metric beside the index lag's count says
    whether any builder is taking it (deploy/prometheus/rules.yml: AisleIndexBuilderStalled)."""
    if count := sum(map(changes_search, delivered)):
        INDEX_EVENTS_DELIVERED.inc(count)


def _indexed(understanding: QueryUnderstanding) -> Callable[[float], None]:
    """After each indexed batch: the query vocabulary may have new words, and the lag is a metric."""

    def indexed(lag_seconds: float) -> None:
        understanding.mark_stale(lag_seconds)
        INDEX_LAG.observe(lag_seconds)

    return indexed


def serving_loops(container: Container, with_workers: bool) -> list[BackgroundLoop]:
    """What an API process runs beside HTTP. Embedded, the workers run in whichever of the processes sharing the
    data dir holds the leader lock; distributed, in worker processes (or here with ``with_workers``)."""
    settings = container.settings
    bulk = BackgroundLoop("bulk-jobs", container.bulk.run_pending, idle_seconds=1.0)
    container.bulk.on_submitted(bulk.wake)
    if container.distributed:
        vocabulary = BackgroundLoop(
            "query-understanding", paced(_rebuilt_after_writes(container)), settings.vocabulary_refresh_seconds
        )
        return [bulk, vocabulary, *(worker_loops(container) if with_workers else [])]
    vocabulary = BackgroundLoop(
        "query-understanding", paced(container.understanding.rebuild_if_stale), settings.vocabulary_refresh_seconds
    )
    follower = OutboxFollower(container.uow, _follow(container))
    container.leadership = Leadership(
        FileLock(Path(settings.data_dir) / LEADER_LOCK),
        leader_loops=[bulk, *worker_loops(container)],
        follower_loops=[BackgroundLoop("outbox-follower", follower.step, idle_seconds=0.2)],
    )
    return [vocabulary, BackgroundLoop("leader-election", container.leadership.step, idle_seconds=1.0)]


def _follow(container: Container) -> Callable[[list[OutboxEntry]], None]:
    """What a follower does with the events it reads: what every process does on delivery, except indexing
    (the leader's job; Tantivy's readers here see its commits by themselves)."""
    handlers = [h for h in container.handlers.delivered if h.name != INDEX_BUILDER]

    def follow(entries: list[OutboxEntry]) -> None:
        for handler in handlers:
            if wanted := handler.wanted(entries):
                handler.handle(wanted)
        container.understanding.mark_stale(0.0)

    return follow


log = logging.getLogger(__name__)
LEADER_LOCK = "leader.lock"
REBUILD_LOCK = "rebuild.lock"
PRUNE_EVERY_SECONDS = 300.0


INDEX_REPAIR_SECONDS = 30.0  # how soon a lost index is noticed (a check is a document count)
READY_CHECK_SECONDS = 5.0  # a readiness probe answers "not ready" within this long, whatever storage does
DEAL_CLOCK_SECONDS = 1.0  # a deal's start or end reaches search and cached pages within about this long


def worker_loops(container: Container, names: tuple[str, ...] | None = None) -> list[BackgroundLoop]:
    """The workers: each may run as many processes as load needs (the distributed profile). Embedded, the relay
    itself hands events to the registry's handlers; distributed, each delivered handler is a consumer group."""
    loops = {"relay": container.relay_loop}
    retention = timedelta(hours=container.settings.retention_hours)
    pruner = Pruner(container.uow, utc_now, retention)
    loops["pruner"] = BackgroundLoop("pruner", pruner.prune_once, idle_seconds=PRUNE_EVERY_SECONDS)
    loops["reservation-expirer"] = BackgroundLoop("reservation-expirer", container.inventory.expire_due, 1.0)
    loops["deal-clock"] = BackgroundLoop("deal-clock", container.pricing.announce_deal_edges, DEAL_CLOCK_SECONDS)
    announce = container.announce_rebuild if container.distributed else None
    repair = EmptyIndexRepair(
        container.uow, container.search_engine, container.index_builder, utc_now, container.rebuild_lock(), announce
    )
    loops["index-repair"] = BackgroundLoop("index-repair", repair.repair_once, idle_seconds=INDEX_REPAIR_SECONDS)
    if container.stream is not None:
        for handler in container.handlers.delivered:
            step, close = _consumer(container.stream, handler)
            loops[handler.name] = BackgroundLoop(handler.name, step, idle_seconds=0.05, on_stop=close)
    else:  # the database's PENDING rows are the queue, so a restart loses no upload
        loops["image-worker"] = container.image_loop
    return list(loops.values()) if names is None else [loops[name] for name in names if name in loops]


def _consumer(stream: EventStream, handler: Handler) -> tuple[Callable[[], int], Callable[[], None]]:
    """A consumer that joins its group on its first step, so a process starts (and keeps retrying) while Kafka is
    down; and how to close it when the loop stops (the group hears at once, instead of waiting out a session
    timeout)."""
    consumer = ConsumerLoop(
        lambda: stream.subscription(f"aisle-{handler.name}", sorted(handler.events)), handler.handle
    )
    return consumer.step, consumer.close


def _wake_on_any(loop: BackgroundLoop) -> Callable[[list[OutboxEntry]], None]:
    """Embedded, the relay hands image.uploaded to this in its own thread: rendering takes seconds and would hold up
    every other event, so it only wakes the in-process image loop."""

    def wake(_entries: list[OutboxEntry]) -> None:
        loop.wake()

    return wake


def paced(step: Callable[[], int]) -> Callable[[], int]:
    """A loop step that never reports work, so its loop waits a full interval after each run. The vocabulary is
    marked stale after every index batch: while writes flow (stock changes under reservations, price updates) a
    loop that ran again at once after each rebuild rebuilt it back to back, costing more CPU than the writes."""

    def run() -> int:
        step()
        return 0

    return run


def _rebuilt_after_writes(container: Container) -> Callable[[], int]:
    """Distributed, the index builder runs in other processes, so no indexed batch here says the vocabulary may
    have new words (a new seller's brand): the outbox's newest event does, as every catalog write records one. Stale
    when it moved, and again one round later, by when the workers have indexed that write."""
    newest_seen: list[int] = []  # the last two rounds' newest event ids

    def rebuild() -> int:
        with container.uow() as uow:
            newest = uow.outbox.last_event_id()
        if len(set([*newest_seen, newest])) > 1:
            container.understanding.mark_stale()
        newest_seen[:] = [*newest_seen[-1:], newest]
        return container.understanding.rebuild_if_stale()

    return rebuild


def _search_engine(
    settings: Settings, categories: CategoryCache, switched: Callable[[datetime], None]
) -> tuple[GuardedEngine, SwitchingEngine | None]:
    breaker = CircuitBreaker(failure_threshold=3, reset_after_seconds=5.0)
    if settings.profile == "distributed":
        from aisle.adapters.search.opensearch_engine import OpenSearchEngine

        def open_opensearch() -> SearchEngine:
            return OpenSearchEngine(
                settings.opensearch_hosts,
                settings.search_index,
                utc_now,
                shards=settings.search_shards,
                replicas=settings.search_replicas,
            )

        return GuardedEngine(open_opensearch, breaker, "OpenSearch"), None

    tantivy = open_search_engine(Path(settings.data_dir) / "search", on_switch=switched, categories=categories)
    return GuardedEngine(lambda: tantivy, breaker, "Tantivy"), tantivy


def open_search_engine(
    root: Path,
    on_switch: Callable[[datetime], None] = lambda _since: None,
    categories: Callable[[], dict[int, Category]] | None = None,
) -> SwitchingEngine:
    root.parent.mkdir(parents=True, exist_ok=True)

    def engine(generation: Path) -> TantivyEngine:
        return TantivyEngine(generation, utc_now, categories=categories)

    return SwitchingEngine(TantivyIndexHome(root), engine, on_switch)


def _blob_store(settings: Settings) -> BlobStore:
    if settings.blobs == "s3":
        from aisle.adapters.blobs.s3 import S3BlobStore

        return S3BlobStore(settings.s3_url, settings.s3_bucket)
    return DiskBlobStore(Path(settings.data_dir) / "media")


def _cache(settings: Settings) -> Cache:
    if settings.cache == "redis":
        from aisle.adapters.cache.redis_cache import RedisCache
        from aisle.adapters.resilience import ResilientCache

        return ResilientCache(RedisCache(settings.redis_url, settings.redis_namespace), CircuitBreaker())
    return MemoryCache()


def _guard(settings: Settings, cache: Cache, name: str) -> Guard:
    """In a shared cache, one process (a worker) forgets entries that others load: the guard must live there too."""
    return SharedInvalidationGuard(cache, name) if settings.cache == "redis" else InvalidationGuard(cache)


def _query_counts(settings: Settings) -> QueryCounts | None:
    """Distributed, every API process learns autocomplete's popular queries from all shoppers, in Redis."""
    if settings.profile != "distributed":
        return None  # this process's memory
    from aisle.adapters.cache.redis_query_counts import RedisQueryCounts

    return RedisQueryCounts(settings.redis_url, settings.redis_namespace)


def _limiter(settings: Settings, one_of_processes: bool) -> RateLimiter:
    if settings.profile == "distributed":
        from aisle.adapters.ratelimit.redis_limiter import RedisRateLimiter

        return RedisRateLimiter(settings.redis_url, settings.redis_namespace)
    if one_of_processes:  # each process's own buckets would let each client through N times
        return SQLiteRateLimiter(Path(settings.data_dir) / RATE_LIMITS_FILE)
    return MemoryRateLimiter()


def _event_stream(settings: Settings, node_id: int, tracing: Tracing) -> EventStream | None:
    if settings.profile != "distributed":
        return None
    from aisle.adapters.bus.kafka import KafkaEventStream

    return KafkaEventStream(
        settings.kafka_bootstrap,
        topic_prefix=settings.topic_prefix,
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
        min_insync_replicas=settings.kafka_min_insync_replicas,
        instance_id=f"{socket.gethostname()}-node{node_id}",  # the same after a restart: the node slot is reused
        wrap_producer=tracing.kafka_producer,
        wrap_consumer=tracing.kafka_consumer,
    )
