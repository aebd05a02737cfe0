"""The embedded rate limiter: token buckets in this process, safe across threads, with bounded memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from aisle.services.ratelimit import RateDecision, check_limits, take_one


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_at: float
    full_at: float  # from then on the bucket equals a fresh one, so it can be forgotten


class MemoryRateLimiter:
    """Buckets are kept in least-recently-hit order. Each hit forgets the oldest buckets that have refilled
    completely (forgetting them changes no decision), and ``max_buckets`` caps memory whatever the traffic."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_buckets: int = 100_000) -> None:
        self._clock = clock
        self._max_buckets = max_buckets
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, rate_per_minute: float, burst: int) -> RateDecision:
        check_limits(rate_per_minute, burst)
        per_second = rate_per_minute / 60.0
        with self._lock:
            now = self._clock()
            tokens = self._tokens_at(key, now, per_second, burst)
            decision = take_one(tokens, per_second)
            left = tokens - 1 if decision.allowed else tokens
            self._buckets[key] = _Bucket(left, now, now + (burst - left) / per_second)
            self._buckets.move_to_end(key)
            self._forget_idle(now)
        return decision

    def __len__(self) -> int:
        return len(self._buckets)

    def _tokens_at(self, key: str, now: float, per_second: float, burst: int) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return float(burst)
        return min(float(burst), bucket.tokens + max(0.0, now - bucket.updated_at) * per_second)

    def _forget_idle(self, now: float) -> None:
        while self._buckets and next(iter(self._buckets.values())).full_at <= now:
            self._buckets.popitem(last=False)
        while len(self._buckets) > self._max_buckets:
            self._buckets.popitem(last=False)
