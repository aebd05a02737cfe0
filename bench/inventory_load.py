"""The load side of bench/inventory.py: one spawned process with its own engine and services (like ``hammer`` in
tests/contract/test_inventory_store.py), T shopper threads that start together, and per-request latencies."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aisle.adapters.sql.engine import make_engine
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.domain.errors import Conflict
from aisle.domain.ids import SnowflakeIds
from aisle.domain.inventory import InsufficientStock
from aisle.services.clock import utc_now
from aisle.services.hot_sku import HotSkuReserver
from aisle.services.inventory import InventoryService, ReserveLine
from aisle.services.ports import VersionConflict


@dataclass(frozen=True)
class Plan:
    url: str
    mode: str  # direct | batched | auto
    scenario: str  # hot | many | mix
    variant_ids: list[int]
    threads: int
    requests: int  # reservations this process sends, spread over its threads
    node: int  # Snowflake node, distinct per process


@dataclass
class Tally:
    """What one process saw; merged across processes by the parent."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"reserve": [], "release": [], "deduct": []})
    counts: Counter = field(default_factory=Counter)  # "reserve:granted", "reserve:sold_out", "release:ok", ...
    grant_times: list[float] = field(default_factory=list)  # when each "yes" arrived (perf_counter, system-wide)
    start: float = 0.0
    end: float = 0.0
    cpu_seconds: float = 0.0  # CPU this process used between start and end, all its threads (time.process_time)
    conflicts: int = 0  # InventoryService.conflicts: per-request compare-and-set retries
    batches: int = 0  # HotSkuReserver.batches: committed batches
    batch_conflicts: int = 0  # compare-and-set retries of whole batches (HotSkuReserver does not count them)


class CountingReserver(HotSkuReserver):
    """HotSkuReserver that also counts the batch retries it otherwise swallows (bench-only instrumentation)."""

    batch_conflicts = 0

    def _apply(self, batch: list[Any]) -> None:
        try:
            super()._apply(batch)
        except VersionConflict:
            self.batch_conflicts += 1
            raise


def run_process(plan: Plan, start_together: Any, results: Any) -> None:
    """Entry point of a spawned process: build services, warm the pool, wait for the others, fire, report."""
    engine = make_engine(plan.url)
    ids = SnowflakeIds(plan.node)
    uow = sql_unit_of_work_factory(engine, ids.next_id, utc_now)
    inventory = InventoryService(uow, ids.next_id, utc_now)
    reserver = CountingReserver(inventory, uow, ids.next_id, utc_now, plan.mode)
    tally = Tally()
    lock = threading.Lock()
    go = threading.Barrier(plan.threads + 1)
    shares = [plan.requests // plan.threads + (i < plan.requests % plan.threads) for i in range(plan.threads)]
    workers = [
        threading.Thread(target=_shopper, args=(plan, inventory, reserver, share, go, tally, lock, plan.node * 100 + i))
        for i, share in enumerate(shares)
    ]
    for worker in workers:
        worker.start()
    start_together.wait()  # every process has built its engine and warmed its connections
    tally.start, cpu_start = time.perf_counter(), time.process_time()
    go.wait()
    for worker in workers:
        worker.join()
    tally.end, tally.cpu_seconds = time.perf_counter(), time.process_time() - cpu_start
    tally.conflicts, tally.batches, tally.batch_conflicts = (
        inventory.conflicts,
        reserver.batches,
        reserver.batch_conflicts,
    )
    engine.dispose()
    results.put(tally)


def _shopper(
    plan: Plan,
    inventory: InventoryService,
    reserver: HotSkuReserver,
    share: int,
    go: threading.Barrier,
    tally: Tally,
    lock: threading.Lock,
    seed: int,
) -> None:
    rng = random.Random(seed)
    inventory.levels_for(plan.variant_ids[:1])  # opens this thread's connection before the clock starts
    go.wait()
    for _ in range(share):
        line = ReserveLine(rng.choice(plan.variant_ids), 1)
        began = time.perf_counter()
        outcome, reservation_id = _reserve(reserver, line)
        ended = time.perf_counter()
        with lock:
            tally.latencies["reserve"].append(ended - began)
            tally.counts[f"reserve:{outcome}"] += 1
            if reservation_id is not None:
                tally.grant_times.append(ended)
        if plan.scenario == "mix" and reservation_id is not None:
            _checkout(inventory, reservation_id, rng.random() < 0.5, tally, lock)


def _reserve(reserver: HotSkuReserver, line: ReserveLine) -> tuple[str, int | None]:
    try:
        answer = reserver.reserve_one(line, owner="bench")
    except InsufficientStock:
        return "sold_out", None
    except Conflict:
        return "gave_up", None  # retries exhausted ("changing too fast") or the hot-SKU queue timed out
    except Exception as error:  # counted and reported, never hidden
        return f"error_{type(error).__name__}", None
    return "granted", int(answer["reservation_id"])


def _checkout(inventory: InventoryService, reservation_id: int, buys: bool, tally: Tally, lock: threading.Lock) -> None:
    """Half the carts buy (DEDUCT), half are abandoned (RELEASE): both write the same hot row as the reservations."""
    kind = "deduct" if buys else "release"
    began = time.perf_counter()
    try:
        (inventory.deduct if buys else inventory.release)(reservation_id)
        outcome = "ok"
    except Conflict:
        outcome = "gave_up"
    except Exception as error:
        outcome = f"error_{type(error).__name__}"
    ended = time.perf_counter()
    with lock:
        tally.latencies[kind].append(ended - began)
        tally.counts[f"{kind}:{outcome}"] += 1
