"""Popular queries counted in Redis, shared by every API process: each query's distinct clients in a HyperLogLog
(12 KB at most, exact enough at the counts that matter), and the queries by that count in one sorted set.

A search records its query with one atomic script; autocomplete reads the top list at most once per
``TOP_REFRESH_SECONDS`` per process (it asks on every keystroke). When Redis fails nothing is learned and the last
list read is offered: a search never fails or waits for this, and a circuit breaker stops the calls meanwhile.
"""

from __future__ import annotations

import threading
import time
from typing import Any, cast

from aisle.adapters.cache.redis_cache import redis_client
from aisle.adapters.resilience import CircuitBreaker, OutageReporter

MAX_TRACKED = 50_000  # queries kept in the sorted set; beyond it the rarest half is dropped
CLIENTS_TTL_SECONDS = 30 * 86_400  # a query nobody new ran for a month starts counting its clients again
TOP_REFRESH_SECONDS = 2.0

# KEYS[1]: the query's clients (HyperLogLog), KEYS[2]: queries by distinct clients (sorted set).
# ARGV: client fingerprint, query, clients TTL, most queries kept.
ADD_CLIENT_LUA = """
if redis.call('PFADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('ZADD', KEYS[2], redis.call('PFCOUNT', KEYS[1]), ARGV[2])
  local size = redis.call('ZCARD', KEYS[2])
  local most = tonumber(ARGV[4])
  if size > most then
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, size - math.floor(most / 2) - 1)
  end
end
"""


class RedisQueryCounts:
    def __init__(
        self,
        url: str,
        namespace: str = "aisle",
        socket_timeout: float = 0.05,
        max_tracked: int = MAX_TRACKED,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._redis = redis_client(url, socket_timeout)
        self._add_client = self._redis.register_script(ADD_CLIENT_LUA)
        self._prefix = f"{namespace}:popular:"
        self._max_tracked = max_tracked
        self._breaker = breaker or CircuitBreaker()
        self._breaker.add_listener(OutageReporter("Redis popular queries", "autocomplete learns nothing new"))
        self._lock = threading.Lock()
        self._top: dict[tuple[int, int], tuple[float, list[tuple[str, int]]]] = {}  # (read at, the list)

    def add_client(self, text: str, fingerprint: str) -> None:
        keys = [f"{self._prefix}clients:{text}", f"{self._prefix}queries"]
        self._breaker.call(self._add_client, keys, [fingerprint, text, CLIENTS_TTL_SECONDS, self._max_tracked])

    def top(self, min_clients: int, limit: int) -> list[tuple[str, int]]:
        asked = (min_clients, limit)
        with self._lock:
            read_at, queries = self._top.get(asked, (float("-inf"), []))
        if time.monotonic() - read_at >= TOP_REFRESH_SECONDS:
            found = self._breaker.call(self._read_top, min_clients, limit)
            queries = queries if found is None else found
            with self._lock:
                self._top[asked] = (time.monotonic(), queries)
        return queries

    def close(self) -> None:
        self._redis.close()

    def _read_top(self, min_clients: int, limit: int) -> list[tuple[str, int]]:
        rows = cast(
            list[tuple[Any, float]],
            self._redis.zrevrangebyscore(
                f"{self._prefix}queries", "+inf", min_clients, start=0, num=limit, withscores=True
            ),
        )
        return [(text.decode() if isinstance(text, bytes) else text, int(score)) for text, score in rows]
