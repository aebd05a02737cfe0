"""Queries shoppers ran that found something, counted in memory, for autocomplete."""

from __future__ import annotations

import threading
from collections import Counter

from aisle.domain.search.text import normalize

MAX_TRACKED = 50_000


class PopularQueries:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, query: str, total: int) -> None:
        text = normalize(query).strip()
        if not text or total == 0 or len(text) > 80:
            return
        with self._lock:
            self._counts[text] += 1
            if len(self._counts) > MAX_TRACKED:  # forget the rarest half rather than grow without bound
                self._counts = Counter(dict(self._counts.most_common(MAX_TRACKED // 2)))

    def top(self, limit: int = 1000) -> list[tuple[str, int]]:
        with self._lock:
            return self._counts.most_common(limit)
