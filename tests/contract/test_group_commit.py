"""Group commit of reservations on SQLite and PostgreSQL: many callers' reservations share transactions, each
caller still gets its own answer, baskets stay all-or-nothing, and nothing is oversold, hammered with real threads
and processes and counted against the stock."""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest

from aisle.adapters.sql.engine import make_engine
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.domain.catalog import Product, ProductContent, ProductStatus, Variant
from aisle.domain.errors import Conflict, InvalidInput, NotFound
from aisle.domain.ids import SnowflakeIds
from aisle.domain.inventory import Operation, Reservation, Warehouse
from aisle.domain.sellers import Seller, hash_api_key
from aisle.services.clock import utc_now
from aisle.services.group_commit import GroupCommitter
from aisle.services.hot_sku import HotSkuReserver
from aisle.services.inventory import InventoryService, ReserveLine
from aisle.services.ports import IdempotencyKey

VARIANTS, STOCK_EACH = 6, 40


def some_variants(ids, uow, count: int, stock_each: int) -> list[int]:
    seller = Seller(ids.next_id(), "Grouped", hash_api_key(str(ids.next_id())))
    variants = tuple(Variant(f"G-{n}", Decimal(10)) for n in range(count))
    content = ProductContent(title="Grouped item", variants=variants, status=ProductStatus.ACTIVE)
    product = Product.create(ids.next_id(), seller.seller_id, content, utc_now(), ids.next_id)
    with uow() as tx:
        tx.sellers.add(seller)
        tx.products.add(product, actor="test")
        tx.inventory.add_warehouse(Warehouse("east", "East", "us-east"), utc_now())
        tx.commit()
    variant_ids = [int(v.variant_id or 0) for v in product.content.variants]
    service = InventoryService(uow, ids.next_id, utc_now)
    for variant_id in variant_ids:
        service.adjust(variant_id, Operation.SET, "east", stock_each)
    return variant_ids


def test_baskets_over_many_variants_never_oversell_under_threads_and_processes(engine, ids, uow):
    variants = some_variants(ids, uow, VARIANTS, STOCK_EACH)
    url = engine.url.render_as_string(hide_password=False)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        tallies = pool.starmap(hammer_baskets, [(url, variants, node, 6, 20) for node in (11, 12)])
    tallies.append(hammer_baskets(url, variants, 13, 6, 20))
    granted = sum((Counter(t["granted"]) for t in tallies), Counter())
    answered = sum(t["granted_baskets"] + t["refused"] for t in tallies)
    assert answered == 3 * 6 * 20  # every caller got an answer
    assert sum(t["granted_baskets"] for t in tallies) > 0
    service = InventoryService(uow, ids.next_id, utc_now)
    for variant in variants:
        stock = service.stock(variant)
        assert stock.available >= 0 and stock.reserved >= 0
        assert stock.available + stock.reserved == STOCK_EACH  # nothing created or lost
        assert stock.reserved == granted[variant]  # every yes backed by stock, every basket whole


def hammer_baskets(url: str, variants: list[int], node: int, threads: int, each: int) -> dict:
    """Runs in a separate process too: baskets of one to three variants (two units of the first), group mode."""
    engine = make_engine(url)
    ids = SnowflakeIds(node)
    uow = sql_unit_of_work_factory(engine, ids.next_id, utc_now)
    reserver = HotSkuReserver(InventoryService(uow, ids.next_id, utc_now), uow, ids.next_id, utc_now, "group")
    tally: dict = {"granted": [], "granted_baskets": 0, "refused": 0}
    lock = threading.Lock()

    def shopper(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(each):
            chosen = rng.sample(variants, rng.randint(1, 3))
            lines = [ReserveLine(v, 2 if n == 0 else 1) for n, v in enumerate(chosen)]
            try:
                reserver.reserve(lines, owner="basket")
            except Conflict:
                with lock:
                    tally["refused"] += 1
                continue
            with lock:
                tally["granted_baskets"] += 1
                tally["granted"] += [line.variant_id for line in lines for _ in range(line.quantity)]

    workers = [threading.Thread(target=shopper, args=(node * 100 + n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    return tally


def test_each_caller_gets_its_own_answer_in_a_shared_batch(engine, ids, uow):
    """Callers that queue behind a batch in flight are written together, in one transaction; a refused one does not
    undo the others, and a basket refused on its second line gives its first one back."""
    plenty, scarce = some_variants(ids, uow, 2, 100)
    InventoryService(uow, ids.next_id, utc_now).adjust(scarce, Operation.SET, "east", 3)
    group = GroupCommitter(uow, ids.next_id, utc_now)
    asks = [[ReserveLine(plenty, 1)], [ReserveLine(plenty, 1), ReserveLine(scarce, 5)], [ReserveLine(scarce, 2)]] * 4
    answers: list[object] = [None] * len(asks)

    def caller(n: int) -> None:
        try:
            answers[n] = group.reserve(asks[n], owner=f"cart-{n}")
        except Conflict as refused:
            answers[n] = refused

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(len(asks))]
    with uow() as blocker:  # holds both rows (PostgreSQL) or the write lock (SQLite): the first batch waits
        blocker.inventory.take(plenty, "east", 0)
        blocker.inventory.take(scarce, "east", 0)
        for thread in threads:
            thread.start()
        while group.unanswered < len(asks):  # all wait: taken into the batch that waits for the lock, or queued
            time.sleep(0.01)
    for thread in threads:
        thread.join()
    if engine.dialect.name == "sqlite":
        # The first caller's transaction waited for the write lock before it took its batch: everyone rides along.
        assert group.batches == 1
    else:  # PostgreSQL waits on the row locks, inside the batch: the first caller took its batch alone, or with
        # those that queued while it checked out a connection; the rest queued behind it, for one more batch
        assert group.batches in (1, 2)
    refused = [a for a in answers if isinstance(a, Conflict)]
    assert sorted(a.field for a in refused).count("lines[1].quantity") == 4  # 5 of 3 never fits
    service = InventoryService(uow, ids.next_id, utc_now)
    assert service.stock(plenty).reserved == 4  # the first lines of the refused baskets were given back
    assert service.stock(scarce).reserved == 2  # one 2-unit ask fits in 3, the next ones are short


def _queued_behind_a_held_lock(uow, group: GroupCommitter, variant: int, callers: int) -> list[object]:
    """``callers`` threads reserve 1 unit of ``variant`` each while another transaction holds its row (PostgreSQL)
    or the write lock (SQLite), so that they queue up and share batches; each one's answer or refusal."""
    answers: list[object] = [None] * callers

    def caller(n: int) -> None:
        try:
            answers[n] = group.reserve([ReserveLine(variant, 1)], owner=f"rush-{n}")
        except Conflict as refused:
            answers[n] = refused

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(callers)]
    with uow() as blocker:
        blocker.inventory.take(variant, "east", 0)
        for thread in threads:
            thread.start()
        while group.unanswered < callers:
            time.sleep(0.01)
    for thread in threads:
        thread.join()
    return answers


def test_a_rush_on_one_variant_is_taken_in_one_write_per_batch(engine, ids, uow):
    (hot,) = some_variants(ids, uow, 1, 100)
    before = InventoryService(uow, ids.next_id, utc_now).stock(hot).levels[0].version
    group = GroupCommitter(uow, ids.next_id, utc_now)
    answers = _queued_behind_a_held_lock(uow, group, hot, 12)
    assert all(isinstance(a, Reservation) for a in answers)
    stock = InventoryService(uow, ids.next_id, utc_now).stock(hot)
    assert (stock.reserved, stock.available) == (12, 88)
    assert stock.levels[0].version - before == group.batches  # one write of the row per batch, not per caller
    assert group.batches == 1 if engine.dialect.name == "sqlite" else group.batches in (1, 2)


def test_a_rush_larger_than_the_stock_is_taken_line_by_line(ids, uow):
    (hot,) = some_variants(ids, uow, 1, 5)
    group = GroupCommitter(uow, ids.next_id, utc_now)
    answers = _queued_behind_a_held_lock(uow, group, hot, 12)
    assert sum(isinstance(a, Reservation) for a in answers) == 5
    assert all(a.field == "lines[0].quantity" for a in answers if isinstance(a, Conflict))  # short, by name
    stock = InventoryService(uow, ids.next_id, utc_now).stock(hot)
    assert (stock.reserved, stock.available) == (5, 0)


def test_group_answers_refusals_and_replays_like_direct(ids, uow):
    variant, other = some_variants(ids, uow, 2, 10)
    group = GroupCommitter(uow, ids.next_id, utc_now)
    with pytest.raises(NotFound):
        group.reserve([ReserveLine(variant + 10_000, 1)], owner="c")
    with pytest.raises(NotFound):
        group.reserve([ReserveLine(variant, 1, "nowhere")], owner="c")
    with pytest.raises(Conflict) as short:
        group.reserve([ReserveLine(variant, 11)], owner="c", name_lines=False)
    assert short.value.field == "quantity"
    with pytest.raises(InvalidInput):
        group.reserve([ReserveLine(variant, 0)], owner="c")
    key = IdempotencyKey("internal:RESERVE-MANY:-:k1", "same-request")
    answers: list[Reservation] = []
    threads = [
        threading.Thread(target=lambda: answers.append(group.reserve([ReserveLine(other, 4)], "c", key=key)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({a.reservation_id for a in answers}) == 1  # one effect, the same answer for every retry
    service = InventoryService(uow, ids.next_id, utc_now)
    assert (service.stock(variant).reserved, service.stock(other).reserved) == (0, 4)


def test_callers_of_different_variants_in_one_batch_each_get_their_own_answer(engine, ids, uow):
    *plenty, scarce = some_variants(ids, uow, 5, 10)
    InventoryService(uow, ids.next_id, utc_now).adjust(scarce, Operation.SET, "east", 0)
    group = GroupCommitter(uow, ids.next_id, utc_now)
    answers: list[object] = [None] * 5

    def caller(n: int, variant: int) -> None:
        try:
            answers[n] = group.reserve([ReserveLine(variant, n + 1)], owner=f"cart-{n}", name_lines=False)
        except Conflict as refused:
            answers[n] = refused

    threads = [threading.Thread(target=caller, args=(n, v)) for n, v in enumerate([*plenty, scarce])]
    with uow() as blocker:  # the callers queue behind it and share a batch
        for variant in (*plenty, scarce):
            blocker.inventory.take(variant, "east", 0)
        for thread in threads:
            thread.start()
        while group.unanswered < len(threads):
            time.sleep(0.01)
    for thread in threads:
        thread.join()
    assert group.batches == 1 if engine.dialect.name == "sqlite" else group.batches in (1, 2)
    service = InventoryService(uow, ids.next_id, utc_now)
    for n, variant in enumerate(plenty):
        answer = answers[n]
        assert isinstance(answer, Reservation) and answer.lines[0].quantity == n + 1
        assert (service.stock(variant).available, service.stock(variant).reserved) == (10 - n - 1, n + 1)
    assert isinstance(answers[4], Conflict) and answers[4].field == "quantity"  # refused by name, the rest go on
    assert service.stock(scarce).reserved == 0


@pytest.mark.parametrize("mode", ["group", "direct", "batched"])
def test_stock_spread_over_warehouses_is_reserved_across_them_and_never_oversold(engine, ids, uow, mode):
    """5 + 5 + 5 units in three warehouses: reservations of 3 that no warehouse can fill alone at the end take from
    two; exactly 15 units are granted to 12 threads asking for 3 each, whatever the path."""
    [variant] = some_variants(ids, uow, 1, 5)
    service = InventoryService(uow, ids.next_id, utc_now)
    with uow() as tx:
        for name in ("north", "west"):
            tx.inventory.add_warehouse(Warehouse(name, name.title(), "us"), utc_now())
        tx.commit()
    for name in ("north", "west"):
        service.adjust(variant, Operation.SET, name, 5)
    reserver = HotSkuReserver(service, uow, ids.next_id, utc_now, mode)
    granted: list[Reservation] = []
    refusals: list[str] = []
    start = threading.Barrier(12)

    def shopper() -> None:
        start.wait()
        try:
            granted.append(reserver.reserve([ReserveLine(variant, 3)], owner="cart"))
        except Conflict as e:
            refusals.append(str(e))

    threads = [threading.Thread(target=shopper) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 5, (refusals, service.stock(variant))  # 15 units, 3 each
    assert all(sum(line.quantity for line in r.lines) == 3 for r in granted)
    stock = service.stock(variant)
    assert (stock.available, stock.reserved) == (0, 15)
    reserved_in = Counter()
    for reservation in granted:
        for line in reservation.lines:
            reserved_in[line.warehouse_id] += line.quantity
    assert reserved_in == {"east": 5, "north": 5, "west": 5}
