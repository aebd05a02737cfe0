"""Cache-aside without the stale write-back: a value loaded before a change was forgotten is not cached after it.

The race it closes: a reader misses, loads a product from the database (the old state), the writer commits and
drops the cached entry, and only then does the reader put its old value in the cache, where it would stay until
it expires. Each load takes a mark before it reads; ``forget`` notes the key; the reader caches only keys not
forgotten since its mark. Marking, forgetting and the checked write-back are serialized by one lock, so a forget
cannot slip between the check and the write. The guard knows this process's forgets only: it is exact for the
in-process cache, and for a shared cache it covers the forgets of the events this process handles.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager

PRUNE_ABOVE = 10_000  # forgets remembered before the log is pruned down to those an in-flight load may need


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
    def loading(self) -> Iterator[Callable[[Iterable[Hashable], Callable[[list[Hashable]], None]], None]]:
        """``with guard.loading() as keep:`` around a load; ``keep(keys, store)`` calls ``store`` with the keys
        not forgotten since the load began (under the lock, so no forget interleaves)."""
        with self._lock:
            mark = self._sequence
            self._in_flight[mark] += 1

        def keep(keys: Iterable[Hashable], store: Callable[[list[Hashable]], None]) -> None:
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
