"""The embedded cache: a bounded LRU with per-entry expiry, safe across threads (its counters are never evicted)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from aisle.services.ports import GuardedEntry


class MemoryCache:
    def __init__(self, max_entries: int = 50_000, clock: Any = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._max = max_entries
        self._clock = clock
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any | None:
        with self._lock:
            if key in self._counters:
                self.hits += 1
                return self._counters[key]
            found = self._entries.get(key)
            if found is None or found[0] < self._clock():
                self._entries.pop(key, None)
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[1]

    def get_many(self, keys: Sequence[str]) -> list[Any | None]:
        return [self.get(key) for key in keys]

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + ttl_seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def set_many(self, values: Mapping[str, Any], ttl_seconds: float) -> None:
        for key, value in values.items():
            self.set(key, value, ttl_seconds)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)
                self._counters.pop(key, None)

    def increment(self, key: str) -> int:
        with self._lock:
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    def add_to_list(self, key: str, items: Sequence[str], ttl_seconds: float) -> None:
        with self._lock:
            found = self._entries.get(key)
            known = found[1] if found is not None and found[0] >= self._clock() else []
            self._entries[key] = (self._clock() + ttl_seconds, list(dict.fromkeys([*known, *items])))
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def set_unless_forgotten(self, entries: Sequence[GuardedEntry], counter: str, mark: int) -> list[str]:
        with self._lock:
            if self._counters.get(counter, 0) < mark:
                return []
            now = self._clock()
            kept = [e for e in entries if all(self._number(str(t), now) <= mark for t in e.built_from)]
            for entry in kept:
                self._entries[entry.key] = (now + entry.ttl_seconds, entry.value)
                self._entries.move_to_end(entry.key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return [entry.key for entry in kept]

    def _number(self, key: str, now: float) -> int:
        found = self._entries.get(key)
        return int(found[1]) if found is not None and found[0] >= now else 0
