"""A search engine behind a circuit breaker, opened lazily: a process starts, and keeps serving, while the engine
is down. Reads fail fast with EngineUnavailable (the search service then browses the database instead); writes
raise too, so the events that carry them stay unconsumed and the index catches up when the engine returns."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from aisle.adapters.resilience import CircuitBreaker, OutageReporter
from aisle.services.search.engine import EngineUnavailable, SearchEngine

_FAILED = object()


class GuardedEngine:
    def __init__(self, open_engine: Callable[[], SearchEngine], breaker: CircuitBreaker, name: str) -> None:
        self._open_engine = open_engine
        self._breaker = breaker
        self._engine: SearchEngine | None = None
        self._lock = threading.Lock()
        breaker.add_listener(OutageReporter(name, "search browses the database; the index catches up later"))

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            result = self._breaker.call(lambda: getattr(self._connected(), method)(*args, **kwargs), fallback=_FAILED)
            if result is _FAILED:
                raise EngineUnavailable(f"search engine unavailable ({self._breaker.state.value})")
            return result

        return guarded

    @property
    def state(self) -> str:
        """closed (healthy), open (failing fast) or half_open (trying again)."""
        return self._breaker.state.value

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()

    def _connected(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                self._engine = self._open_engine()
            return self._engine
