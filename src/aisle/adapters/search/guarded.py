"""A search engine behind a circuit breaker, opened lazily: a process starts, and keeps serving, while the engine
is down. Reads fail fast with EngineUnavailable (the search service then browses the database instead); writes
raise too, so the events that carry them stay unconsumed and the index catches up when the engine returns."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar, cast

from aisle.adapters.resilience import CircuitBreaker, OutageReporter
from aisle.domain.search.document import SearchDocument
from aisle.services.search.engine import (
    EngineQuery,
    EngineResult,
    EngineUnavailable,
    Filters,
    KeywordGroup,
    RebuildTarget,
    SearchEngine,
)

_FAILED = object()
T = TypeVar("T")


class GuardedEngine:
    def __init__(self, open_engine: Callable[[], SearchEngine], breaker: CircuitBreaker, name: str) -> None:
        self._open_engine = open_engine
        self._breaker = breaker
        self._engine: SearchEngine | None = None
        self._lock = threading.Lock()
        breaker.add_listener(OutageReporter(name, "search browses the database; the index catches up later"))

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        self._guarded(lambda engine: engine.upsert(documents))

    def delete(self, product_ids: Sequence[int]) -> None:
        self._guarded(lambda engine: engine.delete(product_ids))

    def refresh(self) -> None:
        self._guarded(lambda engine: engine.refresh())

    def search(self, query: EngineQuery) -> EngineResult:
        return self._guarded(lambda engine: engine.search(query))

    def related(self, product_id: int, limit: int) -> list[int]:
        return self._guarded(lambda engine: engine.related(product_id, limit))

    def count_each(self, keywords: tuple[KeywordGroup, ...], filters: Sequence[Filters]) -> list[int]:
        return self._guarded(lambda engine: engine.count_each(keywords, filters))

    def term_completions(self, prefix: str, limit: int, within: str = "") -> list[tuple[str, int]]:
        return self._guarded(lambda engine: engine.term_completions(prefix, limit, within))

    def title_completions(self, prefix: str, limit: int) -> list[tuple[int, str]]:
        return self._guarded(lambda engine: engine.title_completions(prefix, limit))

    def brands(self) -> list[str]:
        return self._guarded(lambda engine: engine.brands())

    def claim_brand_spellings(self, wanted: Mapping[str, str]) -> dict[str, str]:
        return self._guarded(lambda engine: engine.claim_brand_spellings(wanted))

    def popularity_cuts(self) -> list[float]:
        return self._guarded(lambda engine: engine.popularity_cuts())

    def count(self) -> int:
        return self._guarded(lambda engine: engine.count())

    def begin_rebuild(self) -> RebuildTarget:
        return self._guarded(lambda engine: engine.begin_rebuild())

    def finish_rebuild(self, target: RebuildTarget) -> None:
        self._guarded(lambda engine: engine.finish_rebuild(target))

    def drop_abandoned_rebuilds(self) -> None:
        self._guarded(lambda engine: engine.drop_abandoned_rebuilds())

    @property
    def state(self) -> str:
        """closed (healthy), open (failing fast) or half_open (trying again)."""
        return self._breaker.state.value

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()

    def _guarded(self, call: Callable[[SearchEngine], T]) -> T:
        result = self._breaker.call(lambda: call(self._connected()), fallback=_FAILED)
        if result is _FAILED:
            raise EngineUnavailable(f"search engine unavailable ({self._breaker.state.value})")
        return cast(T, result)

    def _connected(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                self._engine = self._open_engine()
            return self._engine
