"""The shared invalidation guard, on both caches: a value loaded before its key was forgotten (by any process:
each guard here is its own object, as in another process) is never left in the cache, whichever way the forget
interleaves with the load's store."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from aisle.services.cache_guard import FORGET_SEQUENCE_KEY, SharedInvalidationGuard
from aisle.services.ports import Cache


def storing(cache: Cache, value: str, forget_while_storing: Callable[[], None] = lambda: None):
    """A store that writes ``value`` under each kept key (then runs ``forget_while_storing``), and an undo that
    deletes; both record the keys they were given."""
    stored: list[Hashable] = []
    undone: list[Hashable] = []

    def store(keys: list[Hashable]) -> None:
        stored.extend(keys)
        for key in keys:
            cache.set(f"page:{key}", value, ttl_seconds=60)
        forget_while_storing()

    def undo(keys: list[Hashable]) -> None:
        undone.extend(keys)
        cache.delete(*(f"page:{key}" for key in keys))

    return store, undo, stored, undone


def forget(guard: SharedInvalidationGuard, cache: Cache, key: int) -> None:
    guard.forget([key], lambda: cache.delete(f"page:{key}"))


def test_a_load_with_no_forget_is_stored(cache: Cache) -> None:
    guard = SharedInvalidationGuard(cache, "pdp")
    store, undo, stored, undone = storing(cache, "v1")
    with guard.loading() as keep:
        keep([1, 2], store, undo)
    assert (stored, undone) == ([1, 2], [])
    assert cache.get_many(["page:1", "page:2"]) == ["v1", "v1"]


def test_a_key_forgotten_by_another_process_during_the_load_is_not_stored(cache: Cache) -> None:
    loader, writer = SharedInvalidationGuard(cache, "pdp"), SharedInvalidationGuard(cache, "pdp")
    store, undo, stored, _undone = storing(cache, "old")
    with loader.loading() as keep:
        forget(writer, cache, 2)  # committed and forgotten after the loader read the database
        keep([1, 2], store, undo)
    assert stored == [1]
    assert cache.get("page:2") is None


def test_a_forget_landing_between_the_check_and_the_store_is_undone(cache: Cache) -> None:
    loader, writer = SharedInvalidationGuard(cache, "pdp"), SharedInvalidationGuard(cache, "pdp")
    store, undo, stored, undone = storing(cache, "old", lambda: writer.forget([2], lambda: None))
    with loader.loading() as keep:
        keep([1, 2], store, undo)  # the writer's tombstone lands after the check; its delete came too early
    assert (stored, undone) == ([1, 2], [2])
    assert cache.get_many(["page:1", "page:2"]) == ["old", None]


def test_a_forget_from_before_the_load_does_not_block_it(cache: Cache) -> None:
    guard = SharedInvalidationGuard(cache, "pdp")
    forget(guard, cache, 1)
    store, undo, stored, _undone = storing(cache, "new")
    with guard.loading() as keep:  # it reads the database after the change: what it read is current
        keep([1], store, undo)
    assert stored == [1]


def test_guards_of_other_names_keep_their_own_tombstones(cache: Cache) -> None:
    cards, pages = SharedInvalidationGuard(cache, "card"), SharedInvalidationGuard(cache, "pdp")
    store, undo, stored, _undone = storing(cache, "v")
    with cards.loading() as keep:
        forget(pages, cache, 1)
        keep([1], store, undo)
    assert stored == [1]


def test_a_counter_that_went_backwards_stores_nothing_marked_before_it(cache: Cache) -> None:
    guard = SharedInvalidationGuard(cache, "pdp")
    for key in range(5):
        forget(guard, cache, key)
    store, undo, stored, _undone = storing(cache, "old")
    with guard.loading() as keep:
        cache.delete(FORGET_SEQUENCE_KEY)  # a flushed Redis: the counter and the tombstones are gone
        forget(guard, cache, 7)  # a forget after the flush gets a number at or below the load's mark
        keep([7], store, undo)
    assert stored == []
