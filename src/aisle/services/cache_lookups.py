"""Counts of the lookups the cache hit ratio is about: product pages and search cards, hit or missed. The caches'
own counters also see every internal read (mentions, vocabulary, rate state), which drowned the ratio."""

from __future__ import annotations

import threading
from collections import Counter


class CacheLookups:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def record(self, cache: str, hits: int = 0, misses: int = 0) -> None:
        with self._lock:
            self._counts[(cache, "hit")] += hits
            self._counts[(cache, "miss")] += misses

    def count(self, cache: str, outcome: str) -> int:
        with self._lock:
            return self._counts[(cache, outcome)]

    def totals(self) -> dict[str, int]:
        """Hits and misses summed over the caches."""
        with self._lock:
            hits = sum(n for (_cache, outcome), n in self._counts.items() if outcome == "hit")
            misses = sum(n for (_cache, outcome), n in self._counts.items() if outcome == "miss")
        return {"hit": hits, "miss": misses}

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)
