"""Cache-aside without the stale write-back: a value loaded before a change was forgotten is not cached after it.

The race it closes: a reader misses, loads a product from the database (the old state), the writer commits and
drops the cached entry, and only then does the reader put its old value in the cache, where it would stay until
it expires. Each load takes a mark before it reads; ``forget`` notes the key; the reader caches only keys not
forgotten since its mark. Marking, forgetting and the checked write-back are serialized by one lock, so a forget
cannot slip between the check and the write. ``InvalidationGuard`` knows this process's forgets only: it is exact
for the in-process cache. ``SharedInvalidationGuard`` keeps its marks and forgets in the shared cache itself, for
the distributed shape, where one process (a worker) forgets what another (an API process) is loading.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from aisle.services.ports import Cache

PRUNE_ABOVE = 10_000  # forgets remembered before the log is pruned down to those an in-flight load may need
FORGET_SEQUENCE_KEY = "guard:forgets"
TOMBSTONE_TTL_SECONDS = 300.0  # how long a shared forget is remembered: far longer than any load takes

Keep = Callable[[Iterable[Hashable], Callable[[list[Hashable]], None], Callable[[list[Hashable]], None]], None]


class Guard(Protocol):
    def forget(self, keys: Iterable[Hashable], drop: Callable[[], None]) -> None:
        """Notes the keys as changed, then runs ``drop`` (the cache delete)."""

    def loading(self) -> contextlib.AbstractContextManager[Keep]:
        """``with guard.loading() as keep:`` around a load, then ``keep(keys, store, undo)``: ``store`` is called
        with the keys not forgotten since the load began; ``undo`` with those of them forgotten while it stored."""


class InvalidationGuard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sequence = 0
        self._forgotten: dict[Hashable, int] = {}  # key -> sequence number of its last forget
        self._in_flight: Counter[int] = Counter()  # marks of the loads under way

    def forget(self, keys: Iterable[Hashable], drop: Callable[[], None]) -> None:
        """Notes the keys as changed, then runs ``drop`` (the cache delete) under the same lock."""
        with self._lock:
            self._sequence += 1
            for key in keys:
                self._forgotten[key] = self._sequence
            drop()

    @contextmanager
    def loading(self) -> Iterator[Keep]:
        """Stores under the lock, so no forget interleaves and there is never anything to undo."""
        with self._lock:
            mark = self._sequence
            self._in_flight[mark] += 1

        def keep(keys: Iterable[Hashable], store: Callable[[list[Hashable]], None], _undo: object = None) -> None:
            with self._lock:
                store([key for key in keys if self._forgotten.get(key, 0) <= mark])

        try:
            yield keep
        finally:
            with self._lock:
                self._in_flight[mark] -= 1
                if not self._in_flight[mark]:
                    del self._in_flight[mark]
                if len(self._forgotten) > PRUNE_ABOVE:
                    self._prune()

    def _prune(self) -> None:
        """Forgets at or before the oldest in-flight mark cannot matter to any load, now or later."""
        oldest = min(self._in_flight, default=self._sequence)
        self._forgotten = {key: seq for key, seq in self._forgotten.items() if seq > oldest}


class SharedInvalidationGuard:
    """The guard across processes, kept in the shared cache: a counter of forgets, and per forgotten key a
    tombstone holding the counter's value at its forget.

    A load marks the counter before it reads the database; it stores only keys whose tombstone is not newer than
    its mark, then reads the tombstones again and undoes the keys forgotten meanwhile. A forget sets its tombstone
    before it drops the entry, so either the drop comes after the store, or the second read sees the tombstone:
    no interleaving leaves a stale entry. A counter that went backwards (a flushed or restarted Redis) stores
    nothing from the loads that marked before it. While the cache is unreachable nothing is stored either way.
    """

    def __init__(self, cache: Cache, name: str) -> None:
        self._cache = cache
        self._prefix = f"guard:{name}:"

    def forget(self, keys: Iterable[Hashable], drop: Callable[[], None]) -> None:
        sequence = self._cache.increment(FORGET_SEQUENCE_KEY)
        for key in keys:
            self._cache.set(f"{self._prefix}{key}", sequence, TOMBSTONE_TTL_SECONDS)
        drop()

    @contextmanager
    def loading(self) -> Iterator[Keep]:
        mark = int(self._cache.get(FORGET_SEQUENCE_KEY) or 0)

        def keep(
            keys: Iterable[Hashable], store: Callable[[list[Hashable]], None], undo: Callable[[list[Hashable]], None]
        ) -> None:
            unchanged = self._unchanged_since(mark, list(keys))
            store(unchanged)
            if late := [key for key in unchanged if key not in self._unchanged_since(mark, unchanged)]:
                undo(late)

        yield keep

    def _unchanged_since(self, mark: int, keys: list[Hashable]) -> list[Hashable]:
        if not keys:
            return []
        sequence, *tombstones = self._cache.get_many([FORGET_SEQUENCE_KEY, *(f"{self._prefix}{k}" for k in keys)])
        if int(sequence or 0) < mark:
            return []  # the counter went backwards: the tombstones since the mark are gone with it
        return [key for key, forgotten in zip(keys, tombstones, strict=True) if int(forgotten or 0) <= mark]
