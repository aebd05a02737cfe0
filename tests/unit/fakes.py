"""In-memory stand-ins for the unit of work and its repositories, for service tests with no database.

Only what the service tests need. Writes are staged in the unit of work and applied at ``commit`` under one lock,
where every compare-and-set is checked again against what was committed meanwhile, as a database would."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from aisle.domain.catalog import Product, ProductStatus, content_to_dict
from aisle.domain.categories import Category
from aisle.domain.events import Event
from aisle.domain.inventory import Reservation, ReservationStatus, StockLevel, Warehouse
from aisle.services.ports import CardFacts, CardVariant, IdempotencyKey, PriceRecord, VersionConflict


@dataclass
class Store:
    """What a database would hold, committed."""

    products: dict[int, Product] = field(default_factory=dict)
    snapshots: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    categories: dict[int, Category] = field(default_factory=dict)
    prices: list[PriceRecord] = field(default_factory=list)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    levels: dict[tuple[int, str], StockLevel] = field(default_factory=dict)
    owners: dict[int, tuple[int, int]] = field(default_factory=dict)  # variant -> (product, seller)
    reservations: dict[int, Reservation] = field(default_factory=dict)
    remembered: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[Event] = field(default_factory=list)
    commits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    before_save: Callable[[Product], None] = lambda _product: None  # a test's concurrent writer steps in here


class FakeProducts:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.seen: list[Product] = []

    def get(self, product_id: int, for_update: bool = False) -> Product | None:
        found = self.get_many([product_id])
        return found[0] if found else None

    def get_many(self, product_ids: Sequence[int]) -> list[Product]:
        with self._uow.store.lock:
            found = [copy.deepcopy(self._uow.store.products[i]) for i in product_ids if i in self._uow.store.products]
        self.seen.extend(found)
        return found

    def card_facts(self, product_ids: Sequence[int]) -> list[CardFacts]:
        return [
            CardFacts(
                p.product_id,
                p.seller_id,
                p.content.title,
                p.content.brand,
                p.content.category_id,
                p.content.images,
                p.created_at,
                tuple(
                    CardVariant(
                        v.variant_id or 0,
                        v.price,
                        v.compare_price,
                        tuple((name, str(value)) for name, value in v.attributes.items()),
                    )
                    for v in p.content.variants
                ),
            )
            for p in self.get_many(product_ids)
            if p.status is ProductStatus.ACTIVE
        ]

    def add(self, product: Product, actor: str) -> None:
        self.seen.append(product)
        self._uow.stage(lambda store: _put_new(store, product))

    def save(self, product: Product, expected_version: int, actor: str) -> None:
        self._uow.store.before_save(product)
        stored = self._uow.store.products.get(product.product_id)
        if stored is None or stored.version != expected_version:
            raise VersionConflict(product.product_id)
        self._uow.stage(
            lambda store: _put_new(store, product), check=lambda store: _same_version(store, product, expected_version)
        )

    def snapshot(self, product_id: int, version: int) -> dict[str, Any] | None:
        return self._uow.store.snapshots.get((product_id, version))


def _put_new(store: Store, product: Product) -> None:
    stored = copy.deepcopy(product)
    stored.events.clear()  # the unit of work writes them to the outbox
    store.products[product.product_id] = stored
    store.snapshots[(product.product_id, product.version)] = content_to_dict(product.content)


def _same_version(store: Store, product: Product, expected_version: int) -> None:
    if store.products[product.product_id].version != expected_version:
        raise VersionConflict(product.product_id)


class FakeCategories:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, category_id: int) -> Category | None:
        return self._store.categories.get(category_id)

    def all(self) -> list[Category]:
        return list(self._store.categories.values())


class FakePricing:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def recent_prices(self, variant_ids: Sequence[int], since: datetime) -> dict[int, list[Decimal]]:
        found: dict[int, list[Decimal]] = {}
        for record in sorted(self._uow.store.prices, key=lambda r: r.changed_at):
            if record.variant_id in variant_ids and record.changed_at >= since:
                if record.variant_id not in found and record.old is not None:
                    found[record.variant_id] = [record.old]
                found.setdefault(record.variant_id, []).append(record.new)
        return found

    def record_prices(self, records: Sequence[PriceRecord]) -> None:
        self._uow.stage(lambda store: store.prices.extend(records))


class FakeInventory:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self._store = uow.store

    def warehouse(self, warehouse_id: str) -> Warehouse | None:
        return self._store.warehouses.get(warehouse_id)

    def levels(self, variant_ids: Sequence[int]) -> dict[int, list[StockLevel]]:
        with self._store.lock:
            found: dict[int, list[StockLevel]] = {v: [] for v in variant_ids}
            for (variant_id, _warehouse), level in sorted(self._store.levels.items()):
                if variant_id in found:
                    found[variant_id].append(level)
        return found

    def save_level(self, level: StockLevel, expected_version: int) -> None:
        key = (level.variant_id, level.warehouse_id)
        if self._version(key) != expected_version:
            raise VersionConflict(level.variant_id)

        def check(_store: Store) -> None:
            if self._version(key) != expected_version:
                raise VersionConflict(level.variant_id)

        self._uow.stage(lambda store: store.levels.__setitem__(key, level), check=check)

    def take(self, variant_id: int, warehouse_id: str | None, quantity: int) -> StockLevel | None:
        """The conditional write, applied at commit: short stock answers None; a row changed meanwhile makes the
        commit fail as a lost compare-and-set (the real one re-checks inside the database instead)."""
        if warehouse_id is None:
            ranked = sorted(self.levels([variant_id])[variant_id], key=lambda lvl: (-lvl.available, lvl.warehouse_id))
            if not ranked:
                return None
            warehouse_id = ranked[0].warehouse_id
        key = (variant_id, warehouse_id)
        with self._store.lock:
            current = self._store.levels.get(key)
        if current is None or current.available < quantity:
            return None
        taken = current.reserve(quantity)
        self.save_level(taken, current.version)
        return taken

    def take_each(self, wanted: Sequence[tuple[int, int]]) -> dict[int, StockLevel]:
        taken = {variant_id: self.take(variant_id, None, quantity) for variant_id, quantity in sorted(wanted)}
        return {variant_id: level for variant_id, level in taken.items() if level is not None}

    def _version(self, key: tuple[int, str]) -> int:
        current = self._store.levels.get(key)
        return 0 if current is None else current.version

    def variant_owner(self, variant_id: int) -> tuple[int, int] | None:
        return self._store.owners.get(variant_id)

    def reservable(self, variant_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        return {
            v: (self._store.owners[v][0], self.variant_product_status(v) or "")
            for v in variant_ids
            if v in self._store.owners
        }

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        staged = len(self._uow.staged)
        try:
            yield
        except Exception:
            del self._uow.staged[staged:], self._uow.checks[staged:]
            raise

    def add_reservations(self, reservations: Sequence[Reservation]) -> None:
        for reservation in reservations:
            self.add_reservation(reservation)

    def variant_product_status(self, variant_id: int) -> str | None:
        owner = self._store.owners.get(variant_id)
        if owner is None:
            return None
        product = self._store.products.get(owner[0])
        return "ACTIVE" if product is None else product.status.value  # stock seeded without a product: on sale

    def add_reservation(self, reservation: Reservation) -> None:
        self._uow.stage(lambda store: store.reservations.__setitem__(reservation.reservation_id, reservation))

    def reservation(self, reservation_id: int) -> Reservation | None:
        return self._store.reservations.get(reservation_id)

    def change_status(self, reservation_id: int, expected: ReservationStatus, new: ReservationStatus) -> bool:
        return False

    def remembered(self, key: IdempotencyKey) -> dict[str, Any] | None:
        return self._store.remembered.get(key.scope)

    def remember(self, key: IdempotencyKey, response: dict[str, Any], now: datetime) -> None:
        self._uow.stage(lambda store: store.remembered.__setitem__(key.scope, response))


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.staged: list[Callable[[Store], None]] = []
        self.checks: list[Callable[[Store], None]] = []
        self._recorded: list[Event] = []
        self.products = FakeProducts(self)
        self.categories = FakeCategories(store)
        self.pricing = FakePricing(self)
        self.inventory = FakeInventory(self)

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def stage(self, write: Callable[[Store], None], check: Callable[[Store], None] = lambda _store: None) -> None:
        """``check`` raises VersionConflict when the compare-and-set the write stands for lost at commit."""
        self.staged.append(write)
        self.checks.append(check)

    def record(self, events: Iterable[Event]) -> None:
        self._recorded.extend(events)

    def commit(self) -> None:
        events = [e for product in self.products.seen for e in product.events] + self._recorded
        with self.store.lock:
            for check in self.checks:  # all or nothing: a lost compare-and-set applies none of the writes
                check(self.store)
            for write in self.staged:
                write(self.store)
            self.store.outbox.extend(events)
            self.store.commits += 1
        self.rollback()
        for product in self.products.seen:
            product.events.clear()

    def rollback(self) -> None:
        self.staged.clear()
        self.checks.clear()
        self._recorded.clear()


def fake_uow_factory(store: Store) -> Callable[..., FakeUnitOfWork]:
    def make(readonly: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    return make
