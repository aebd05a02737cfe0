"""The invalidation guard: what a load may write back to the cache after a forget."""

from __future__ import annotations

from aisle.services import cache_guard
from aisle.services.cache_guard import InvalidationGuard


def _kept(guard: InvalidationGuard, keep, keys) -> list:
    stored: list = []
    keep(keys, stored.extend)
    return stored


def test_a_key_forgotten_during_a_load_is_not_written_back():
    guard, dropped = InvalidationGuard(), []
    with guard.loading() as keep:
        guard.forget([1], lambda: dropped.append(1))
        assert _kept(guard, keep, [1, 2]) == [2]
    assert dropped == [1]


def test_a_key_forgotten_before_the_load_began_is_written_back():
    guard = InvalidationGuard()
    guard.forget([1], lambda: None)
    with guard.loading() as keep:
        assert _kept(guard, keep, [1]) == [1]


def test_pruning_keeps_what_an_older_load_still_needs(monkeypatch):
    monkeypatch.setattr(cache_guard, "PRUNE_ABOVE", 3)
    guard = InvalidationGuard()
    with guard.loading() as old:
        for key in range(10):
            guard.forget([key], lambda: None)
            with guard.loading() as _newer:  # ends, and prunes: the old load is still in flight
                pass
        assert _kept(guard, old, range(12)) == [10, 11]
    with guard.loading():
        pass
    assert len(guard._forgotten) == 0  # nothing in flight any more: every forget is history
