"""The ports the use cases need. Each has an embedded and a distributed adapter that pass one contract suite."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO, Protocol

from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.categories import Category
from aisle.domain.coupons import Coupon
from aisle.domain.events import Event
from aisle.domain.images import ImageFacts, ProductImage
from aisle.domain.inventory import Reservation, ReservationStatus, StockLevel, Warehouse
from aisle.domain.pricing import Deal, PriceChange
from aisle.domain.reviews import Review, ReviewSummary
from aisle.domain.sellers import ApiKeyInfo, Seller


class VersionConflict(Exception):
    """A compare-and-set write found the row at another version than expected."""


class ConnectionLost(VersionConflict):
    """The database connection broke under a transaction (it was rolled back): run it again on a fresh one.
    Retried like a lost compare-and-set, so no connection is pinged before use."""


class CommitInDoubt(Exception):
    """The database connection broke while a commit was on its way: it may or may not have been saved. Never
    retried, unlike ConnectionLost: running the change again could make it twice."""


class DatabaseUnavailable(Exception):
    """The database could not be used at all: it refused or dropped the connection before anything ran (down,
    starting, stopping, out of connections), or another writer kept SQLite's write lock past the wait. Nothing
    was done; the same request can be sent again in a moment."""


class StorageFull(Exception):
    """The database has no disk space left for this write (its transaction was rolled back): nothing can be
    written until an operator frees space; reads go on."""


@dataclass(frozen=True)
class VersionInfo:
    version: int
    created_at: datetime
    actor: str
    event: str


@dataclass(frozen=True)
class CardVariant:
    variant_id: int
    price: Decimal
    compare_price: Decimal | None
    attributes: tuple[tuple[str, str], ...] = ()  # ("color", "Red"): what a card's picture of this variant shows


@dataclass(frozen=True)
class CardFacts:
    """What a result card shows of an ACTIVE product, read without building the whole product."""

    product_id: int
    seller_id: int
    title: str
    brand: str | None
    category_id: int | None
    images: tuple[str, ...]
    created_at: datetime
    variants: tuple[CardVariant, ...]  # in the product's order


@dataclass(frozen=True)
class PriceRecord:
    """One line of a variant's price history."""

    variant_id: int
    product_id: int
    old: Decimal | None
    new: Decimal
    actor: str
    changed_at: datetime


@dataclass(frozen=True)
class OutboxEntry:
    event_id: int
    name: str
    key: int
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    traceparent: str | None = None  # W3C trace context of the request that recorded it (when traces are on)


class ProductRepository(Protocol):
    def add(self, product: Product, actor: str) -> None:
        """Inserts the product and its first version. Raises Conflict on a SKU the seller already uses, in any
        case ("case-sku-1" is "CASE-SKU-1")."""

    def add_many(self, products: Sequence[Product], actor: str, skus_checked: bool = False) -> None:
        """``add`` for a batch, in a few statements; Conflict when a SKU is taken (``skus_checked``: the caller
        has just left out what ``skus_in_use`` named, so only the database's unique index checks again)."""

    def skus_in_use(self, products: Sequence[Product]) -> dict[int, tuple[str, int]]:
        """Product id -> (a SKU it claims that another product of its seller holds in any case, that product's id)."""

    def get(self, product_id: int, for_update: bool = False) -> Product | None:
        """``for_update``: other writers of this product wait until this unit of work ends."""

    def get_many(self, product_ids: Sequence[int]) -> list[Product]: ...

    def card_facts(self, product_ids: Sequence[int]) -> list[CardFacts]:
        """The ACTIVE ones among these products, as cards need them (any order)."""

    def save(self, product: Product, expected_version: int, actor: str) -> None:
        """Writes the new version only if the stored one is still ``expected_version``, else VersionConflict."""

    def list_for_seller(
        self,
        seller_id: int,
        statuses: Collection[ProductStatus],
        offset: int,
        limit: int,
        text: str = "",
        after: int | None = None,
    ) -> tuple[list[Product], int]:
        """Newest first, with the count of every match. ``statuses``: the products in any of them (none: every
        product); ``text``: only those whose title holds it or with a variant of that SKU (any case); ``after``:
        only those with a smaller id (a cursor: rows added or deleted meanwhile shift nothing)."""
        ...

    def versions(self, product_id: int) -> list[VersionInfo]: ...

    def snapshot(self, product_id: int, version: int) -> dict[str, Any] | None: ...

    def count_active_by_category(self) -> dict[int, int]: ...

    def any_exist(self) -> bool: ...

    def count_active(self) -> int: ...

    def offers_for(self, products: Sequence[Product]) -> list[Product]:
        """ACTIVE listings of the same products (same GTIN, or the same canonical listing), the given ones included
        (as given, when they are ACTIVE in the database)."""

    def named_canonical(self, product_ids: Sequence[int]) -> set[int]:
        """Those of ``product_ids`` that an ACTIVE listing names as its canonical product."""

    def ids_for_seller(self, seller_id: int) -> list[int]:
        """The seller's ACTIVE products."""

    def ids_in_category_tree(
        self, category_id: int, categories: dict[int, Category], seller_id: int | None = None
    ) -> list[int]:
        """ACTIVE products in the category or below it (only the seller's, when one is named)."""

    def active_after(self, product_id: int, limit: int) -> list[Product]:
        """ACTIVE products with ids above ``product_id``, in id order: a cursor over the live catalog."""


class SellerRepository(Protocol):
    def add(self, seller: Seller) -> None: ...

    def get(self, seller_id: int) -> Seller | None: ...

    def get_many(self, seller_ids: Iterable[int]) -> dict[int, Seller]: ...

    def by_api_key_hash(self, api_key_hash: str) -> Seller | None: ...

    def by_name(self, name: str) -> Seller | None: ...

    def all_by_name(self, name: str) -> list[Seller]:
        """Every seller of that name (names need not be unique), the oldest first."""

    def listed(self, limit: int) -> list[Seller]:
        """The first ``limit`` sellers by id (the oldest first)."""

    def add_key(self, seller_id: int, key_id: int, key_hash: str, now: datetime) -> None: ...

    def keys(self, seller_id: int) -> list[ApiKeyInfo]:
        """The seller's keys, newest first, active or revoked."""

    def revoke_keys(self, seller_id: int, now: datetime, key_id: int | None = None, keep: int | None = None) -> int:
        """Revokes active keys: the one with ``key_id``, else all but ``keep``; returns how many."""


class CategoryRepository(Protocol):
    def all(self) -> list[Category]: ...

    def get(self, category_id: int) -> Category | None: ...

    def get_or_create_path(self, names: Sequence[str], new_id: Callable[[], int]) -> Category: ...


class ReviewRepository(Protocol):
    def add(self, review: Review) -> None:
        """Inserts the review and folds it into the product's summary, atomically."""

    def add_many(self, reviews: Sequence[Review]) -> None: ...

    def list_for_product(self, product_id: int, offset: int, limit: int) -> tuple[list[Review], int]: ...

    def summary(self, product_id: int) -> ReviewSummary: ...

    def summaries(self, product_ids: Sequence[int]) -> dict[int, ReviewSummary]: ...

    def confirm_order(self, order_id: str, product_ids: Sequence[int], now: datetime) -> None:
        """Checkout's word that this order bought these products (repeating it changes nothing)."""

    def order_confirmed(self, order_id: str, product_id: int) -> bool: ...


@dataclass(frozen=True)
class BulkJob:
    job_id: int
    seller_id: int
    status: str  # QUEUED, RUNNING, DONE, FAILED
    total: int
    processed: int
    succeeded: int
    failed: int
    created_at: datetime
    finished_at: datetime | None
    failure_reason: str | None = None
    failed_attempts: int = 0  # consecutive failed steps, kept in the job's row


@dataclass(frozen=True)
class BulkLine:
    line_no: int
    body: str


class BulkJobRepository(Protocol):
    def create(self, job: BulkJob, lines: Sequence[BulkLine]) -> None: ...

    def get(self, job_id: int) -> BulkJob | None: ...

    def unfinished(self) -> list[BulkJob]: ...

    def pending_lines(self, job_id: int, limit: int) -> list[BulkLine]: ...

    def record_line(self, job_id: int, line_no: int, product_id: int | None, errors: list[dict[str, Any]]) -> None:
        """Marks a line done (or failed with errors) and advances the job's counters, once per line; a recorded
        line also clears the job's count of failed attempts."""

    def errors(self, job_id: int, offset: int, limit: int) -> list[dict[str, Any]]: ...

    def finish(self, job_id: int, now: datetime) -> None: ...

    def note_failed_attempt(self, job_id: int, reason: str) -> int:
        """Counts one more failed step of the job (durably, with the reason); returns the count so far."""

    def fail(self, job_id: int, reason: str, now: datetime) -> None:
        """Ends the job FAILED with the reason; its pending lines stay unprocessed."""

    def prune_finished(self, before: datetime) -> int:
        """Deletes jobs that finished before ``before``, with their lines; returns how many jobs."""


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's Idempotency-Key, scoped to who sent it, which operation and which target (so one key can never
    replay another request's answer), with a hash of the request (so a reused key with another body is refused)."""

    scope: str
    request_hash: str


class Outbox(Protocol):
    added_ids: list[int]  # the events this unit of work recorded

    def add(self, events: Iterable[Event], now: datetime) -> list[OutboxEntry]: ...

    def hold_new_events(self, until: datetime) -> None:
        """Events added from now on are not due for the relay before ``until`` (a bulk import indexes them itself)."""

    def release_held(self, event_ids: Sequence[int]) -> None:
        """Makes held events due at once."""

    def held_after(self, event_id: int, now: datetime, limit: int) -> list[OutboxEntry]:
        """Pending events an import holds (due after ``now``), with a larger id than ``event_id``, oldest first."""

    def oldest_pending_at(self, now: datetime | None = None) -> datetime | None:
        """When the oldest event not yet delivered was recorded; with ``now``, leaving out events an import holds
        (never tried, due later): the import indexes them itself, and the relay when it does not."""

    def last_event_id(self) -> int: ...

    def recorded_after(self, event_id: int, limit: int) -> list[OutboxEntry]:
        """Events with a larger id, delivered or not, oldest first."""

    def prune_delivered(self, before: datetime, limit: int) -> int:
        """Deletes up to ``limit`` delivered events recorded before ``before``; returns how many."""

    def claim_pending(self, limit: int, now: datetime | None = None) -> list[OutboxEntry]:
        """Pending entries due by ``now``, in order; on PostgreSQL the rows stay locked (SKIP LOCKED) until the
        transaction ends."""

    def mark_delivered(self, event_ids: Sequence[int], now: datetime) -> None: ...

    def mark_failed(self, event_id: int, error: str, retry_at: datetime | None = None, park: bool = False) -> None: ...

    def pending_count(self) -> int: ...

    def parked_count(self) -> int:
        """Events that failed too often and wait for a person (a subscriber refused them)."""

    def keys_since(self, since: datetime) -> list[int]:
        """The keys (product ids) of every event recorded since ``since``, delivered or not."""


class InventoryRepository(Protocol):
    def add_warehouse(self, warehouse: Warehouse, now: datetime) -> None:
        """Raises Conflict when the warehouse id is taken."""

    def warehouse(self, warehouse_id: str) -> Warehouse | None: ...

    def warehouses(self) -> list[Warehouse]: ...

    def levels(self, variant_ids: Sequence[int]) -> dict[int, list[StockLevel]]: ...

    def save_level(self, level: StockLevel, expected_version: int) -> None:
        """Compare-and-set on the version (0: the row must not exist yet); VersionConflict when it moved on."""

    def add_reservation(self, reservation: Reservation) -> None: ...

    def reservation(self, reservation_id: int) -> Reservation | None: ...

    def change_status(self, reservation_id: int, expected: ReservationStatus, new: ReservationStatus) -> bool: ...

    def expired(self, now: datetime, limit: int) -> list[Reservation]: ...

    def take(self, variant_id: int, warehouse_id: str | None, quantity: int) -> StockLevel | None:
        """Reserves in one conditional write, at the warehouse with the most stock when ``warehouse_id`` is None;
        the row as written, or None when missing or short of stock."""

    def take_each(self, wanted: Sequence[tuple[int, int]]) -> dict[int, StockLevel]:
        """``take`` at the most stocked warehouse of each (variant id, quantity), each variant once, in one write;
        the rows as written, by variant id. A variant missing from the answer took nothing."""

    def reservable(self, variant_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """variant id -> (product id, product status) for those of ``variant_ids`` that exist."""

    def add_reservations(self, reservations: Sequence[Reservation]) -> None: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """Writes inside it are undone, and the rest of the transaction kept, when it exits with an exception."""

    def remembered(self, key: IdempotencyKey) -> dict[str, Any] | None:
        """The answer given to this key, or None; InvalidInput when the key came with another request."""

    def remember(self, key: IdempotencyKey, response: dict[str, Any], now: datetime) -> None: ...

    def forget_idempotency_keys(self, before: datetime) -> int: ...

    def record_sale(self, sale_id: int, product_id: int, variant_id: int, quantity: int, now: datetime) -> None: ...

    def units_sold_since(self, product_ids: Sequence[int], since: datetime) -> dict[int, int]: ...

    def variant_owner(self, variant_id: int) -> tuple[int, int] | None: ...

    def variant_product_status(self, variant_id: int) -> str | None: ...


class PricingRepository(Protocol):
    def add_deal(self, deal: Deal) -> None: ...

    def running_deals(
        self, now: datetime, product_ids: Sequence[int], category_ids: Sequence[int], seller_ids: Sequence[int]
    ) -> list[Deal]: ...

    def deals_starting_or_ending(self, after: datetime, until: datetime) -> list[Deal]:
        """Deals whose start or end falls in (after, until]."""

    def deal_edges_announced_until(self) -> datetime | None:
        """How far deals' starts and ends have been announced; None before the first announcement."""

    def announce_deal_edges_until(self, until: datetime) -> None:
        """Moves that mark forward to ``until`` (never back)."""

    def deal(self, deal_id: int) -> Deal | None: ...

    def deals_of(self, seller_id: int | None, ending_after: datetime, limit: int) -> list[Deal]:
        """Deals not over by ``ending_after``, newest first: a seller's own, or (None) every deal."""

    def end_deal(self, deal_id: int, at: datetime) -> None: ...

    def add_coupon(self, coupon: Coupon) -> None: ...

    def coupon(self, code: str, seller_id: int | None = None) -> Coupon | None:
        """The platform's coupon with this code, or the named seller's."""

    def code_taken(self, code: str) -> bool:
        """Whether the platform or any seller has a coupon with this code."""

    def redeem(self, code: str, order_id: str, now: datetime, seller_id: int | None = None) -> bool:
        """False when this order already redeemed the coupon; CouponRefused when it is used up."""

    def record_price(
        self, variant_id: int, product_id: int, old: Decimal | None, new: Decimal, actor: str, now: datetime
    ) -> None: ...

    def record_prices(self, records: Sequence[PriceRecord]) -> None: ...

    def price_history(self, variant_id: int, limit: int = 200) -> list[PriceChange]:
        """Newest first."""

    def recent_prices(self, variant_ids: Sequence[int], since: datetime) -> dict[int, list[Decimal]]:
        """Each variant's prices since ``since``, oldest first: the one it had then, and each set after it; none for a
        variant whose price has not changed since."""


class ImageRepository(Protocol):
    def add(self, image: ProductImage) -> None: ...

    def get(self, image_id: int) -> ProductImage | None: ...

    def save_edits(self, image: ProductImage) -> None:
        """Writes the seller's edits (alt text, position, variant) and nothing else."""

    def finish(self, image: ProductImage) -> bool:
        """Compare-and-set: writes the outcome (status, reason, size) only if the image is still PENDING; says
        whether it did (False: deleted, or finished by another worker)."""

    def delete(self, image_id: int) -> None: ...

    def for_products(self, product_ids: Sequence[int]) -> dict[int, list[ProductImage]]:
        """Each product's images, by position then upload order."""

    def pending(self, limit: int) -> list[ProductImage]: ...

    def ready_with_hash(self, content_hash: str) -> ProductImage | None:
        """A READY image of these same bytes (any product): its renditions can be shared."""

    def count_with_hash(self, content_hash: str) -> int: ...


class UnitOfWork(Protocol):
    """One transaction; its repositories exist between ``__enter__`` and ``__exit__``."""

    @property
    def products(self) -> ProductRepository: ...

    @property
    def sellers(self) -> SellerRepository: ...

    @property
    def categories(self) -> CategoryRepository: ...

    @property
    def reviews(self) -> ReviewRepository: ...

    @property
    def jobs(self) -> BulkJobRepository: ...

    @property
    def inventory(self) -> InventoryRepository: ...

    @property
    def pricing(self) -> PricingRepository: ...

    @property
    def images(self) -> ImageRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def record(self, events: Iterable[Event]) -> None:
        """Events no loaded aggregate records (a deal's price changes, stock changes): written at commit."""

    def commit(self) -> None:
        """Writes the change and every event recorded by the products this unit loaded or added, or by ``record``,
        to the outbox in one transaction."""

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[..., UnitOfWork]


class BusUnavailable(Exception):
    """The bus could not take events at all (its brokers down or unreachable): no event is at fault, so none is
    counted as failing (an outage of any length parks nothing); the relay waits and sends them again, in order."""


class EventPublisher(Protocol):
    def publish(self, entries: Sequence[OutboxEntry]) -> None:
        """Delivers the entries (in order per key); raises when they could not all be delivered: BusUnavailable
        when the bus itself could not take them, anything else when a subscriber refused one."""

    def check(self) -> None:
        """Raises BusUnavailable while the bus cannot take events (a look at it; nothing is sent)."""


class SubscriptionLost(Exception):
    """The subscription can do nothing more (a Kafka consumer in a fatal state, e.g. fenced by another member
    with its static id): it must be closed and a new one made."""


class EventSubscription(Protocol):
    """One consumer of a named group: each event reaches one consumer per group, and every group sees every event.
    At least once: events polled but not committed come again (to this or another consumer) after a crash.
    ``poll`` and ``commit`` raise SubscriptionLost when the subscription must be replaced."""

    def poll(self, max_events: int, timeout_seconds: float) -> list[OutboxEntry]: ...

    def commit(self) -> None:
        """Everything polled so far has been handled."""

    def close(self) -> None: ...


class EventStream(Protocol):
    """The distributed bus: the outbox relay publishes, workers subscribe as consumer groups."""

    def publish(self, entries: Sequence[OutboxEntry]) -> None:
        """Delivers the entries durably (in order per key) or raises."""

    def check(self) -> None:
        """Raises BusUnavailable while the brokers cannot be reached."""

    def subscription(self, group: str, names: Sequence[str]) -> EventSubscription: ...

    def positions(self, group: str, names: Sequence[str]) -> Positions:
        """Per partition of these events' stream: how far the group has committed and where the stream ends;
        the differences are the events waiting for the group. Raises BusUnavailable while the brokers cannot be
        reached."""


Positions = Mapping[str, tuple[int, int]]  # partition -> (the group's committed offset, the partition's end)


class Cache(Protocol):
    @property
    def hits(self) -> int:
        """Reads answered from the cache since start."""

    @property
    def misses(self) -> int: ...

    def get(self, key: str) -> Any | None: ...

    def get_many(self, keys: Sequence[str]) -> list[Any | None]:
        """The keys' values in order, None where missing: one round trip on a remote cache."""

    def set(self, key: str, value: Any, ttl_seconds: float) -> None: ...

    def set_many(self, values: Mapping[str, Any], ttl_seconds: float) -> None:
        """Sets every key to its value: one round trip on a remote cache."""

    def delete(self, *keys: str) -> None: ...

    def increment(self, key: str) -> int:
        """Adds one to a counter that never expires (kept apart from the entries a full cache evicts) and
        returns the new value: 1 for a new counter."""

    def add_to_list(self, key: str, items: Sequence[str], ttl_seconds: float) -> None:
        """Adds the items to the list of strings at ``key`` (each kept once) and sets its TTL, in one atomic step:
        two processes adding at once both land. ``get`` reads the list."""

    def set_unless_forgotten(self, entries: Sequence[GuardedEntry], counter: str, mark: int) -> list[str]:
        """Sets each entry unless one of its ``built_from`` keys (tombstones) holds a number above ``mark``, or the
        ``counter`` is below ``mark`` (it went backwards, and took the tombstones with it); a missing number counts
        as 0. Each entry's check and set are one atomic step: no write lands between them. Returns the keys set."""


@dataclass(frozen=True)
class GuardedEntry:
    """A value to cache unless something it was built from changed: ``built_from`` names those things (product ids
    for a service's cache guard, which hands the cache the keys of their tombstones)."""

    key: str
    value: Any
    ttl_seconds: float
    built_from: tuple[Hashable, ...]


class BlobStoreUnavailable(Exception):
    """The blob store could not be reached or answered that it cannot serve now: try again later."""


class BlobStore(Protocol):
    """Immutable bytes by key (the disk in the embedded shape, S3 in the distributed one). A store that cannot be
    reached raises BlobStoreUnavailable."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Stores the bytes under the key; writing the same key again replaces it atomically."""

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Idempotent: deleting a missing key is fine."""


@dataclass(frozen=True)
class Rendition:
    """An image made fit to serve: the original re-encoded without metadata, and its thumbnails (size -> WebP)."""

    original: bytes
    original_ext: str
    width: int
    height: int
    thumbnails: dict[int, bytes]


class ImagePipeline(Protocol):
    def check(self, data: BinaryIO) -> ImageFacts:
        """Validates the bytes (type, pixel count, integrity) or raises ImageRefused; reads the stream to its end."""

    def render(self, data: bytes) -> Rendition:
        """Orientation applied, converted to sRGB 8-bit, metadata stripped, thumbnails made; ImageRefused if not."""
