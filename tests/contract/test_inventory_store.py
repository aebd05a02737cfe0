"""Inventory on SQLite and PostgreSQL: compare-and-set for real, and the oversell proof under real concurrency."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from aisle.adapters.sql.engine import make_engine
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.domain.catalog import Product, ProductContent, ProductStatus, Variant
from aisle.domain.errors import Conflict, InvalidInput
from aisle.domain.ids import SnowflakeIds
from aisle.domain.inventory import Operation, Reservation, ReservationStatus, StockLevel, Warehouse
from aisle.domain.sellers import Seller, hash_api_key
from aisle.services.clock import utc_now
from aisle.services.hot_sku import HotSkuReserver
from aisle.services.inventory import InventoryService, ReserveLine
from aisle.services.ports import IdempotencyKey, VersionConflict


def some_variants(ids, uow, count: int) -> list[int]:
    """``count`` variants of one product, in two warehouses (east and west) with no stock rows yet."""
    seller = Seller(ids.next_id(), "Stocky", hash_api_key(str(ids.next_id())))
    variants = tuple(Variant(f"HOT-{n}", Decimal(10)) for n in range(1, count + 1))
    content = ProductContent(title="Hot item", variants=variants, status=ProductStatus.ACTIVE)
    product = Product.create(ids.next_id(), seller.seller_id, content, utc_now(), ids.next_id)
    with uow() as tx:
        tx.sellers.add(seller)
        tx.products.add(product, actor="test")
        tx.inventory.add_warehouse(Warehouse("east", "East", "us-east"), utc_now())
        tx.inventory.add_warehouse(Warehouse("west", "West", "us-west"), utc_now())
        tx.commit()
    return [int(v.variant_id or 0) for v in product.content.variants]


def a_variant(ids, uow) -> int:
    return some_variants(ids, uow, 1)[0]


def test_stock_writes_are_compare_and_set(ids, uow):
    variant = a_variant(ids, uow)
    with uow() as tx:
        tx.inventory.save_level(StockLevel(variant, "east", 10, 0, 1), expected_version=0)
        tx.commit()
    with uow() as tx, pytest.raises(VersionConflict):
        tx.inventory.save_level(StockLevel(variant, "east", 99, 0, 1), expected_version=0)  # row exists already
    with uow() as tx:
        tx.inventory.save_level(StockLevel(variant, "east", 7, 3, 2), expected_version=1)
        tx.commit()
    with uow() as tx, pytest.raises(VersionConflict):
        tx.inventory.save_level(StockLevel(variant, "east", 0, 10, 2), expected_version=1)  # stale
    with uow(readonly=True) as tx:
        assert tx.inventory.levels([variant])[variant] == [StockLevel(variant, "east", 7, 3, 2)]


def test_the_database_itself_refuses_negative_stock(ids, uow):
    variant = a_variant(ids, uow)
    with uow() as tx, pytest.raises(IntegrityError, match="never_negative"):
        tx.inventory.save_level(StockLevel(variant, "east", -1, 0, 1), expected_version=0)


def test_a_reservation_is_finished_once(ids, uow):
    variant = a_variant(ids, uow)
    service = InventoryService(uow, ids.next_id, utc_now)
    service.adjust(variant, Operation.SET, "east", 5)
    held = service.reserve([ReserveLine(variant, 2)], owner="cart-1")
    reservation_id = held.reservation_id
    outcomes: list[str] = []

    def finish(action) -> None:
        try:
            action(reservation_id)
            outcomes.append("done")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=finish, args=(a,)) for a in [service.release, service.deduct] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done"] + ["refused"] * 7
    stock = service.stock(variant)
    assert stock.reserved == 0 and stock.available in (3, 5)  # deducted (sold 2) or released


def test_expired_reservations_give_their_stock_back(ids, uow):
    variant = a_variant(ids, uow)
    clock = [utc_now()]
    service = InventoryService(uow, ids.next_id, lambda: clock[0], reservation_ttl_seconds=60)
    service.adjust(variant, Operation.SET, "west", 4)
    held = service.reserve([ReserveLine(variant, 3)], owner="cart-2")
    assert service.expire_due() == 0
    clock[0] += timedelta(seconds=61)
    with pytest.raises(Conflict, match="expired"):
        service.deduct(held.reservation_id)
    assert service.expire_due() == 1
    assert service.stock(variant).available == 4
    with uow(readonly=True) as tx:
        assert tx.inventory.reservation(held.reservation_id).status is ReservationStatus.EXPIRED


def test_an_idempotency_key_gives_the_same_answer_and_no_second_effect(ids, uow):
    variant = a_variant(ids, uow)
    key = IdempotencyKey("internal:RESERVE-MANY:-:k1", "same-request")
    service = InventoryService(uow, ids.next_id, utc_now)
    service.adjust(variant, Operation.SET, "east", 10)
    answers: list[Reservation] = []
    threads = [
        threading.Thread(target=lambda: answers.append(service.reserve([ReserveLine(variant, 4)], "c", key=key)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({a.reservation_id for a in answers}) == 1
    assert service.stock(variant).available == 6
    with pytest.raises(InvalidInput) as reused:  # the same key with another request is refused, not replayed
        service.reserve([ReserveLine(variant, 1)], "c", key=IdempotencyKey(key.scope, "another-request"))
    assert reused.value.errors[0].field == "Idempotency-Key"


def test_a_multi_line_reservation_is_all_or_nothing(ids, uow):
    first = a_variant(ids, uow)
    service = InventoryService(uow, ids.next_id, utc_now)
    service.adjust(first, Operation.SET, "east", 5)
    with pytest.raises(Conflict) as short:
        service.reserve([ReserveLine(first, 3), ReserveLine(first, 3)], owner="cart-3")
    assert short.value.field == "lines[1].quantity"
    assert service.stock(first).available == 5


STARTING_STOCK = 120


@pytest.mark.parametrize("mode", ["direct", "batched", "group"])
def test_no_oversell_under_threads_and_processes(engine, ids, uow, mode):
    variant = a_variant(ids, uow)
    InventoryService(uow, ids.next_id, utc_now).adjust(variant, Operation.SET, "east", STARTING_STOCK)
    url = engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        in_processes = pool.starmap(hammer, [(url, variant, mode, node, 6, 25) for node in (11, 12)])
    in_threads = hammer(url, variant, mode, 13, 6, 25)
    granted = sum(r[0] for r in [*in_processes, in_threads])
    refused = sum(r[1] for r in [*in_processes, in_threads])
    stock = InventoryService(uow, ids.next_id, utc_now).stock(variant)
    assert granted + refused == 3 * 6 * 25  # every request got an answer
    assert stock.available >= 0 and stock.reserved >= 0
    assert stock.available + stock.reserved == STARTING_STOCK  # nothing created or lost
    assert stock.reserved == granted  # every yes is backed by stock, and only those
    if mode in ("batched", "group"):
        assert granted == STARTING_STOCK  # demand (450) exceeds stock: every unit went to someone


def hammer(url: str, variant: int, mode: str, node: int, threads: int, each: int) -> tuple[int, int]:
    """Runs in a separate process too: its own engine, ids and services against the same database."""
    engine = make_engine(url)
    ids = SnowflakeIds(node)
    uow = sql_unit_of_work_factory(engine, ids.next_id, utc_now)
    reserver = HotSkuReserver(InventoryService(uow, ids.next_id, utc_now), uow, ids.next_id, utc_now, mode)
    counts = {"granted": 0, "refused": 0}
    lock = threading.Lock()

    def shopper() -> None:
        for _ in range(each):
            try:
                reserver.reserve_one(ReserveLine(variant, 1), owner="flash-sale")
                outcome = "granted"
            except Conflict:
                outcome = "refused"
            with lock:
                counts[outcome] += 1

    workers = [threading.Thread(target=shopper) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    return counts["granted"], counts["refused"]


def test_releases_in_opposite_line_orders_do_not_deadlock(ids, uow):
    first, second = a_variant(ids, uow), a_second_variant(ids, uow)
    service = InventoryService(uow, ids.next_id, utc_now)
    for variant in (first, second):
        service.adjust(variant, Operation.SET, "east", 10_000)
    failures: list[Exception] = []

    def shopper(order: list[int]) -> None:
        for _ in range(15):
            try:
                held = service.reserve([ReserveLine(v, 1, "east") for v in order], owner="cart")
                service.release(held.reservation_id)
            except Exception as error:  # a deadlock escaping as a 500 is exactly what this test is about
                failures.append(error)

    threads = [
        threading.Thread(target=shopper, args=([first, second] if n % 2 else [second, first],)) for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert service.stock(first).available == service.stock(second).available == 10_000


def test_a_sold_out_batch_writes_nothing(ids, uow):
    variant = a_variant(ids, uow)
    reserver = HotSkuReserver(InventoryService(uow, ids.next_id, utc_now), uow, ids.next_id, utc_now, "batched")
    with uow(readonly=True) as tx:
        before = tx.outbox.pending_count()
    for _ in range(5):
        with pytest.raises(Conflict):
            reserver.reserve_one(ReserveLine(variant, 1), owner="late")
    with uow(readonly=True) as tx:
        assert tx.outbox.pending_count() == before  # no inventory.changed for a change that did not happen


def a_second_variant(ids, uow) -> int:
    seller = Seller(ids.next_id(), "Second", hash_api_key(str(ids.next_id())))
    content = ProductContent(
        title="Other item", variants=(Variant("OTHER-1", Decimal(5)),), status=ProductStatus.ACTIVE
    )
    product = Product.create(ids.next_id(), seller.seller_id, content, utc_now(), ids.next_id)
    with uow() as tx:
        tx.sellers.add(seller)
        tx.products.add(product, actor="test")
        tx.commit()
    return product.content.variants[0].variant_id


def test_take_each_takes_every_variant_at_its_fullest_warehouse_with_enough_in_one_write(ids, uow):
    east_fuller, west_fuller, short = some_variants(ids, uow, 3)
    unknown = west_fuller + 1_000_000
    with uow() as tx:
        for variant, east, west in ((east_fuller, 5, 3), (west_fuller, 2, 9), (short, 1, 1)):
            tx.inventory.save_level(StockLevel(variant, "east", east, 0, 1), expected_version=0)
            tx.inventory.save_level(StockLevel(variant, "west", west, 0, 1), expected_version=0)
        tx.commit()
    with uow() as tx:
        taken = tx.inventory.take_each([(west_fuller, 4), (short, 2), (east_fuller, 4), (unknown, 1)])
        tx.commit()
    assert taken == {
        east_fuller: StockLevel(east_fuller, "east", 1, 4, 2),
        west_fuller: StockLevel(west_fuller, "west", 5, 4, 2),
    }  # short of 2 in either warehouse: took nothing; an unknown variant: nothing
    with uow(readonly=True) as tx:
        levels = tx.inventory.levels([short])[short]
    assert [(lvl.available, lvl.reserved, lvl.version) for lvl in levels] == [(1, 0, 1), (1, 0, 1)]
    with uow() as tx:
        assert tx.inventory.take_each([]) == {}
