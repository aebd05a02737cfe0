"""The invalidation guard: what a load may write back to the cache after a forget."""

from __future__ import annotations

from aisle.adapters.cache.memory import MemoryCache
from aisle.services import cache_guard
from aisle.services.cache_guard import Entry, InvalidationGuard


def _page(key: int) -> Entry:
    return Entry(f"page:{key}", "loaded", 60, built_from=(key,))


def _cached(cache: MemoryCache, keys) -> list[int]:
    return [key for key in keys if cache.get(f"page:{key}") is not None]


def test_a_key_forgotten_during_a_load_is_not_written_back():
    cache, dropped = MemoryCache(), []
    guard = InvalidationGuard(cache)
    with guard.loading() as keep:
        guard.forget([1], lambda: dropped.append(1))
        keep([_page(1), _page(2)])
    assert _cached(cache, [1, 2]) == [2]
    assert dropped == [1]


def test_an_entry_built_from_several_keys_is_not_written_back_if_any_was_forgotten():
    cache = MemoryCache()
    guard = InvalidationGuard(cache)
    with guard.loading() as keep:
        guard.forget([7], lambda: None)
        keep([Entry("page:1", "loaded", 60, built_from=(1, 7)), _page(2)])
    assert _cached(cache, [1, 2]) == [2]


def test_a_key_forgotten_before_the_load_began_is_written_back():
    cache = MemoryCache()
    guard = InvalidationGuard(cache)
    guard.forget([1], lambda: None)
    with guard.loading() as keep:
        keep([_page(1)])
    assert _cached(cache, [1]) == [1]


def test_pruning_keeps_what_an_older_load_still_needs(monkeypatch):
    monkeypatch.setattr(cache_guard, "PRUNE_ABOVE", 3)
    cache = MemoryCache()
    guard = InvalidationGuard(cache)
    with guard.loading() as old:
        for key in range(10):
            guard.forget([key], lambda: None)
            with guard.loading() as _newer:  # ends, and prunes: the old load is still in flight
                pass
        old([_page(key) for key in range(12)])
    assert _cached(cache, range(12)) == [10, 11]
    with guard.loading():
        pass
    assert len(guard._forgotten) == 0  # nothing in flight any more: every forget is history
