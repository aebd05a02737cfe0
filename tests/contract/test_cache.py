"""The cache contract: what the embedded (memory) and distributed (Redis) caches both do, with JSON values and
with the services' typed results (dataclasses, read back through ``CacheCodec``)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import redis

from aisle.adapters.cache.memory import MemoryCache
from aisle.adapters.cache.redis_cache import RedisCache
from aisle.services.cache_codec import CacheCodec
from aisle.services.pdp import ProductPage
from aisle.services.ports import Cache
from aisle.services.search.results import ProductCard
from tests.conftest import redis_url
from tests.unit.test_cache_codec import CARD, page

NESTED = {
    "product_id": "7301",
    "title": "Trail Shoe — ünïcode ✓",
    "variants": [{"sku": "SHOE-1", "price": {"amount": 59.99, "was": None}, "attributes": {"size": "M"}}],
    "in_stock": True,
    "rating": 4.5,
    "reviews": 1234,
    "tags": [],
    "empty": {},
}


def until(condition: Callable[[], bool], within_seconds: float = 5.0) -> bool:
    """Polls ``condition`` until it holds or the bound passes: no test depends on sleeping an exact time."""
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_nested_json_round_trips(cache: Cache) -> None:
    cache.set("pdp:7301", NESTED, ttl_seconds=60)
    assert cache.get("pdp:7301") == NESTED


def test_typed_results_read_back_equal(cache: Cache) -> None:
    """Decimals, aware datetimes, enums, tuples and ratings keyed by star come back as they went in."""
    assembled = page()
    cache.set("pdp:1", assembled, ttl_seconds=60)
    cache.set("card:2", CARD, ttl_seconds=60)
    assert CacheCodec(ProductPage).load(cache.get("pdp:1")) == assembled
    assert CacheCodec(ProductCard).load(cache.get("card:2")) == CARD


def test_a_missing_key_is_none(cache: Cache) -> None:
    assert cache.get("pdp:absent") is None


def test_set_replaces_the_value(cache: Cache) -> None:
    cache.set("k", {"v": 1}, ttl_seconds=60)
    cache.set("k", [1, 2, 3], ttl_seconds=60)
    assert cache.get("k") == [1, 2, 3]


def test_an_entry_expires_after_its_ttl(cache: Cache) -> None:
    cache.set("short", {"v": 1}, ttl_seconds=0.2)
    cache.set("long", {"v": 2}, ttl_seconds=60)
    assert until(lambda: cache.get("short") is None)
    assert cache.get("long") == {"v": 2}


def test_set_many_sets_each_key_with_the_ttl(cache: Cache) -> None:
    cache.set("a", "old", ttl_seconds=60)
    cache.set_many({"a": 1, "b": [2], "c": {"v": 3}}, ttl_seconds=0.3)
    assert cache.get_many(["a", "b", "c"]) == [1, [2], {"v": 3}]
    assert until(lambda: cache.get_many(["a", "b", "c"]) == [None, None, None])
    cache.set_many({}, ttl_seconds=60)


def test_delete_removes_several_keys_and_ignores_missing_ones(cache: Cache) -> None:
    for key in ("a", "b", "c"):
        cache.set(key, {"key": key}, ttl_seconds=60)
    cache.delete("a", "b", "never-set")
    cache.delete()
    assert cache.get("a") is None
    assert cache.get("b") is None
    assert cache.get("c") == {"key": "c"}


def test_hits_and_misses_are_counted(cache: Cache) -> None:
    cache.set("k", {"v": 1}, ttl_seconds=60)
    cache.get("k")
    cache.get("k")
    cache.get("absent")
    assert (cache.hits, cache.misses) == (2, 1)  # type: ignore[attr-defined]


def test_redis_namespaces_do_not_see_each_other(make_redis_cache: Callable[[str], RedisCache]) -> None:
    suffix = uuid.uuid4().hex
    shop_a, shop_b = make_redis_cache(f"test-a-{suffix}"), make_redis_cache(f"test-b-{suffix}")
    shop_a.set("pdp:1", {"shop": "a"}, ttl_seconds=60)
    shop_b.set("pdp:1", {"shop": "b"}, ttl_seconds=60)
    shop_b.delete("pdp:1")
    assert shop_a.get("pdp:1") == {"shop": "a"}
    assert shop_b.get("pdp:1") is None


def test_redis_keys_carry_the_namespace_prefix(make_redis_cache: Callable[[str], RedisCache]) -> None:
    namespace = f"test-{uuid.uuid4().hex}"
    make_redis_cache(namespace).set("pdp:1", {"v": 1}, ttl_seconds=60)
    client = redis.Redis.from_url(redis_url())
    try:
        assert client.exists(f"{namespace}:pdp:1") == 1
        assert 0 < client.pttl(f"{namespace}:pdp:1") <= 60_000
    finally:
        client.close()


def test_redis_reopens_a_pooled_connection_the_server_closed(make_redis_cache: Callable[[str], RedisCache]) -> None:
    cache = make_redis_cache(f"test-{uuid.uuid4().hex}")
    cache.set("pdp:1", {"v": 1}, ttl_seconds=60)
    pooled_connection_id = cache._redis.client_id()  # one thread: the pool hands back this same connection
    admin = redis.Redis.from_url(redis_url())
    try:
        assert admin.client_kill_filter(_id=str(pooled_connection_id)) == 1  # as a Redis restart would
    finally:
        admin.close()
    assert cache.get("pdp:1") == {"v": 1}


def test_get_many_reads_values_in_order_with_none_for_missing(cache: Cache) -> None:
    cache.set("a", {"v": 1}, ttl_seconds=60)
    cache.set("c", [3], ttl_seconds=60)
    assert cache.get_many(["c", "absent", "a"]) == [[3], None, {"v": 1}]
    assert cache.get_many([]) == []
    assert (cache.hits, cache.misses) == (2, 1)  # type: ignore[attr-defined]


def test_a_counter_starts_at_one_and_counts_every_increment(cache: Cache) -> None:
    assert [cache.increment("forgets") for _ in range(3)] == [1, 2, 3]
    assert cache.get("forgets") == 3
    assert cache.increment("other") == 1


def test_a_counter_outlives_the_entries_a_full_memory_cache_evicts() -> None:
    cache = MemoryCache(max_entries=10)
    cache.increment("forgets")
    for n in range(20):
        cache.set(f"filler:{n}", n, ttl_seconds=60)
    assert cache.get("filler:0") is None, "the oldest entry was evicted"
    assert cache.increment("forgets") == 2


def test_add_to_list_keeps_each_item_once_in_order_and_sets_the_ttl(cache: Cache) -> None:
    cache.add_to_list("offers:1", ["253783749639012360", "7"], 60)
    cache.add_to_list("offers:1", ["7", "9"], 60)
    assert cache.get("offers:1") == ["253783749639012360", "7", "9"]  # 64-bit ids come back exact
    cache.add_to_list("offers:2", ["1"], 0.2)
    assert until(lambda: cache.get("offers:2") is None)
    cache.add_to_list("offers:2", ["2"], 60)  # an expired list starts again
    assert cache.get("offers:2") == ["2"]


def test_adds_from_many_threads_all_land(cache: Cache) -> None:
    """Eight threads each add 40 items to one list at once: a read-then-write would lose some of them."""
    start = threading.Barrier(8)

    def add(thread: int) -> None:
        start.wait()
        for n in range(40):
            cache.add_to_list("offers:hammered", [f"{thread}-{n}"], 60)

    workers = [threading.Thread(target=add, args=(t,)) for t in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(cache.get("offers:hammered")) == sorted(f"{t}-{n}" for t in range(8) for n in range(40))
