"""Queries shoppers ran that found something, counted in memory, for autocomplete.

A query is learned only when it found results without relaxation, in the form the engine searched (spelling
corrected), and is suggested only once several distinct clients ran it: one client repeating a typo, or a bot
hammering a phrase, plants nothing. A query counts each client once (while the pair is remembered), so one client
repeating a query others ran cannot lift it above the queries more shoppers ran.

Where the counts live is a port, ``QueryCounts``: this process's memory (embedded, the default here), or Redis in
the distributed shape, so that every API process learns from all shoppers and a restart forgets nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from typing import Protocol

from aisle.domain.search.text import normalize

MAX_TRACKED = 50_000
MIN_CLIENTS = 3  # distinct clients before a query is suggested
MAX_SUGGESTED_CHARS = 80  # a longer query is never offered to other shoppers as a suggestion
MAX_PAIRS = 200_000  # (query, client) pairs remembered, the least recent forgotten first


class QueryCounts(Protocol):
    def add_client(self, text: str, fingerprint: str) -> None:
        """Notes that the client with this fingerprint ran the query (a client counts once per query)."""

    def top(self, min_clients: int, limit: int) -> list[tuple[str, int]]:
        """The queries at least ``min_clients`` distinct clients ran, with that number, the most first."""


class PopularQueries:
    def __init__(self, min_clients: int = MIN_CLIENTS, counts: QueryCounts | None = None) -> None:
        self._min_clients = min_clients
        self._counts = counts or MemoryQueryCounts(min_clients)

    def record(self, query: str, total: int, client: str = "") -> None:
        text = " ".join(normalize(query).split())
        if not text or total == 0 or len(text) > MAX_SUGGESTED_CHARS:
            return
        fingerprint = hashlib.blake2b(client.encode("utf-8"), digest_size=8).hexdigest()  # no addresses kept
        self._counts.add_client(text, fingerprint)

    def top(self, limit: int = 1000) -> list[tuple[str, int]]:
        """The queries that enough distinct clients ran, those the most clients ran first."""
        return self._counts.top(self._min_clients, limit)


class MemoryQueryCounts:
    def __init__(self, min_clients: int = MIN_CLIENTS) -> None:
        self._counts: Counter[str] = Counter()
        self._clients: dict[str, set[str]] = {}  # up to min_clients fingerprints per query
        self._pairs: OrderedDict[tuple[str, str], None] = OrderedDict()  # who ran what, recently
        self._min_clients = min_clients
        self._lock = threading.Lock()

    def add_client(self, text: str, fingerprint: str) -> None:
        with self._lock:
            if not self._first_run(text, fingerprint):
                return
            self._counts[text] += 1
            seen = self._clients.setdefault(text, set())
            if len(seen) < self._min_clients:
                seen.add(fingerprint)
            if len(self._counts) > MAX_TRACKED:  # forget the rarest half rather than grow without bound
                self._counts = Counter(dict(self._counts.most_common(MAX_TRACKED // 2)))
                self._clients = {q: self._clients[q] for q in self._counts}

    def _first_run(self, text: str, fingerprint: str) -> bool:
        pair = (text, fingerprint)
        if pair in self._pairs:
            self._pairs.move_to_end(pair)
            return False
        self._pairs[pair] = None
        if len(self._pairs) > MAX_PAIRS:
            self._pairs.popitem(last=False)
        return True

    def top(self, min_clients: int, limit: int) -> list[tuple[str, int]]:
        with self._lock:
            trusted = ((q, n) for q, n in self._counts.most_common() if len(self._clients[q]) >= min_clients)
            return [pair for _i, pair in zip(range(limit), trusted, strict=False)]
