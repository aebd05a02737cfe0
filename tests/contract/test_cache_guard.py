"""The shared invalidation guard, on both caches: a value loaded before its key was forgotten (by any process:
each guard here is its own object, as in another process) is never in the cache once the forget has returned,
whichever way the forget interleaves with the load's store."""

from __future__ import annotations

import threading
import uuid

import redis

from aisle.services.cache_guard import FORGET_SEQUENCE_KEY, Entry, SharedInvalidationGuard
from aisle.services.ports import Cache, GuardedEntry
from tests.conftest import redis_url


def page(key: int, value: str, *also_from: int) -> Entry:
    return Entry(f"page:{key}", value, 60, built_from=(key, *also_from))


def forget(guard: SharedInvalidationGuard, cache: Cache, key: int) -> None:
    guard.forget([key], lambda: cache.delete(f"page:{key}"))


def test_a_load_with_no_forget_is_stored(cache: Cache) -> None:
    guard = SharedInvalidationGuard(cache, "pdp")
    with guard.loading() as keep:
        keep([page(1, "v1"), page(2, "v1")])
    assert cache.get_many(["page:1", "page:2"]) == ["v1", "v1"]


def test_a_key_forgotten_by_another_process_during_the_load_is_not_stored(cache: Cache) -> None:
    loader, writer = SharedInvalidationGuard(cache, "pdp"), SharedInvalidationGuard(cache, "pdp")
    with loader.loading() as keep:
        forget(writer, cache, 2)  # committed and forgotten after the loader read the database
        keep([page(1, "old"), page(2, "old")])
    assert cache.get_many(["page:1", "page:2"]) == ["old", None]


def test_an_entry_is_not_stored_if_any_key_it_was_built_from_was_forgotten(cache: Cache) -> None:
    loader, writer = SharedInvalidationGuard(cache, "pdp"), SharedInvalidationGuard(cache, "pdp")
    with loader.loading() as keep:
        writer.forget([9], lambda: None)  # another seller's offer, shown in page 1's buy box
        keep([page(1, "old", 9)])
    assert cache.get("page:1") is None


def test_a_forget_from_before_the_load_does_not_block_it(cache: Cache) -> None:
    guard = SharedInvalidationGuard(cache, "pdp")
    forget(guard, cache, 1)
    with guard.loading() as keep:  # it reads the database after the change: what it read is current
        keep([page(1, "new")])
    assert cache.get("page:1") == "new"


def test_guards_of_other_names_keep_their_own_tombstones(cache: Cache) -> None:
    cards, pages = SharedInvalidationGuard(cache, "card"), SharedInvalidationGuard(cache, "pdp")
    with cards.loading() as keep:
        forget(pages, cache, 1)
        keep([page(1, "v")])
    assert cache.get("page:1") == "v"


def test_a_counter_that_went_backwards_stores_nothing_marked_before_it(cache: Cache) -> None:
    guard = SharedInvalidationGuard(cache, "pdp")
    for key in range(5):
        forget(guard, cache, key)
    with guard.loading() as keep:
        cache.delete(FORGET_SEQUENCE_KEY)  # a flushed Redis: the counter and the tombstones are gone
        forget(guard, cache, 7)  # a forget after the flush gets a number at or below the load's mark
        keep([page(7, "old")])
    assert cache.get("page:7") is None


def test_set_unless_forgotten_reports_what_it_set_and_missing_numbers_count_as_zero(cache: Cache) -> None:
    cache.increment("counter")
    cache.increment("counter")
    cache.set("tomb:b", 3, 60)
    entries = [GuardedEntry("a", "A", 60, ("tomb:a",)), GuardedEntry("b", "B", 60, ("tomb:a", "tomb:b"))]
    assert cache.set_unless_forgotten(entries, "counter", mark=2) == ["a"]
    assert cache.get_many(["a", "b"]) == ["A", None]
    assert cache.set_unless_forgotten(entries, "counter", mark=3) == []  # the counter is below the mark


def test_no_reader_sees_a_value_older_than_a_forget_that_returned(cache: Cache) -> None:
    """Hammered: a writer changes the value and forgets it, readers load on a miss and keep what they loaded.
    A read that begins after the writer's forget returned must see that change or a later one."""
    database = {"value": 0}
    forgotten_up_to = {"value": 0}
    writer = SharedInvalidationGuard(cache, "pdp")
    stale: list[tuple[int, int]] = []
    stop = threading.Event()

    def read() -> None:
        loader = SharedInvalidationGuard(cache, "pdp")  # its own object, as in another process
        while not stop.is_set():
            floor = forgotten_up_to["value"]
            seen = cache.get("page:1")
            if seen is None:
                with loader.loading() as keep:
                    seen = database["value"]
                    keep([page(1, seen)])
            if seen < floor:
                stale.append((seen, floor))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    for change in range(1, 301):
        database["value"] = change
        forget(writer, cache, 1)
        forgotten_up_to["value"] = change
    stop.set()
    for reader in readers:
        reader.join()
    assert stale == []
    assert cache.get("page:1") in (None, 300)


def test_a_redis_that_forgot_its_scripts_still_stores(make_redis_cache) -> None:
    """A restarted Redis, or SCRIPT FLUSH, drops the guard's script: the next guarded store loads it again."""
    cache = make_redis_cache(f"test-{uuid.uuid4().hex}")
    guard = SharedInvalidationGuard(cache, "pdp")
    with guard.loading() as keep:
        keep([page(1, "before")])
    redis.Redis.from_url(redis_url()).script_flush()
    with guard.loading() as keep:
        keep([page(2, "after")])
    assert cache.get_many(["page:1", "page:2"]) == ["before", "after"]
