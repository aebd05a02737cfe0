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
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Protocol

from aisle.services.ports import Cache, GuardedEntry

PRUNE_ABOVE = 10_000  # forgets remembered before the log is pruned down to those an in-flight load may need
FORGET_SEQUENCE_KEY = "guard:forgets"
TOMBSTONE_TTL_SECONDS = 300.0  # how long a shared forget is remembered: far longer than any load takes


Entry = GuardedEntry  # a loaded value to cache, built from these product ids


Keep = Callable[[Sequence[Entry]], None]


class Guard(Protocol):
    def forget(self, keys: Iterable[Hashable], drop: Callable[[], None]) -> None:
        """Notes the keys as changed, then runs ``drop`` (the cache delete)."""

    def loading(self) -> contextlib.AbstractContextManager[Keep]:
        """``with guard.loading() as keep:`` around a load, then ``keep(entries)`` caches the entries built from
        no key forgotten since the load began."""


class InvalidationGuard:
    def __init__(self, cache: Cache) -> None:
        self._cache = cache
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
        """Stores under the lock, so no forget interleaves."""
        with self._lock:
            mark = self._sequence
            self._in_flight[mark] += 1

        def keep(entries: Sequence[Entry]) -> None:
            with self._lock:
                for entry in entries:
                    if all(self._forgotten.get(key, 0) <= mark for key in entry.built_from):
                        self._cache.set(entry.key, entry.value, entry.ttl_seconds)

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

    A load marks the counter before it reads the database; the cache stores an entry only while none of its
    tombstones is newer than the mark, checking and storing in one atomic step. A forget sets its tombstone
    before it drops the entry, so either the store comes before the tombstone (and the drop removes it) or the
    store sees the tombstone: no interleaving leaves a stale entry, even for a moment after the forget returned.
    A counter that went backwards (a flushed or restarted Redis) stores nothing from the loads that marked before
    it. While the cache is unreachable nothing is stored either way.
    """

    def __init__(self, cache: Cache, name: str) -> None:
        self._cache = cache
        self._prefix = f"guard:{name}:"

    def forget(self, keys: Iterable[Hashable], drop: Callable[[], None]) -> None:
        sequence = self._cache.increment(FORGET_SEQUENCE_KEY)
        self._cache.set_many({f"{self._prefix}{key}": sequence for key in keys}, TOMBSTONE_TTL_SECONDS)
        drop()

    @contextmanager
    def loading(self) -> Iterator[Keep]:
        mark = int(self._cache.get(FORGET_SEQUENCE_KEY) or 0)

        def keep(entries: Sequence[Entry]) -> None:
            guarded = [replace(e, built_from=tuple(f"{self._prefix}{k}" for k in e.built_from)) for e in entries]
            self._cache.set_unless_forgotten(guarded, FORGET_SEQUENCE_KEY, mark)

        yield keep
