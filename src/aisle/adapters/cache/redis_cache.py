"""The distributed cache: JSON values in Redis under a namespace, shared by every API process.

A dataclass (a service's typed result) is stored as its JSON form, decimals as strings, and read back as that
JSON: the service turns it back into its type (``aisle.services.cache_codec``).

It raises on any Redis failure; wrap it in ``aisle.adapters.resilience.ResilientCache`` so that a failing Redis
turns into cache misses instead of failed requests.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import orjson
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from aisle.services.ports import GuardedEntry

# KEYS: the counter, the entry, then its tombstones; ARGV: the mark, the TTL in ms, the value. A script runs
# alone on the server: no forget lands between the check and the set.
_SET_UNLESS_FORGOTTEN = """
local mark = tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '0') < mark then return 0 end
for i = 3, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > mark then return 0 end
end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
return 1
"""

# KEYS: the list; ARGV: the TTL in ms, then the items (strings: Lua's numbers would round 64-bit ids).
_ADD_TO_LIST = """
local items, seen = {}, {}
local raw = redis.call('GET', KEYS[1])
local known = raw and cjson.decode(raw) or {}
for i = 1, #known do seen[known[i]] = true; items[#items + 1] = known[i] end
for i = 2, #ARGV do
  if not seen[ARGV[i]] then seen[ARGV[i]] = true; items[#items + 1] = ARGV[i] end
end
redis.call('SET', KEYS[1], cjson.encode(items), 'PX', ARGV[1])
"""


def redis_client(url: str, socket_timeout: float, max_connections: int = 64) -> redis.Redis:
    """A client on its own pool with tight timeouts.

    No retries, pinned: redis-py's ``Redis(host=...)`` defaults to 10 with backoff (over 4 s per call against a dead
    port). A cache must fail fast and leave what happens next to the circuit breaker. A socket the server closed
    (a restart) needs no retry either: the pool notices it when handing it out, and reconnects.
    """
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=socket_timeout,  # how long to wait for a free pooled connection
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        retry=Retry(NoBackoff(), retries=0),
    )
    return redis.Redis.from_pool(pool)  # the client owns the pool: close() closes its sockets


class RedisCache:
    def __init__(self, url: str, namespace: str = "aisle", socket_timeout: float = 0.05) -> None:
        self._redis = redis_client(url, socket_timeout)
        self._prefix = f"{namespace}:"
        self._set_unless_forgotten_sha = self._redis.register_script(_SET_UNLESS_FORGOTTEN).sha
        self._add_to_list = self._redis.register_script(_ADD_TO_LIST)  # loads itself again on NOSCRIPT
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any | None:
        raw = self._redis.get(self._prefix + key)
        with self._lock:
            if raw is None:
                self.misses += 1
            else:
                self.hits += 1
        return None if raw is None else orjson.loads(raw)

    def get_many(self, keys: Sequence[str]) -> list[Any | None]:
        if not keys:
            return []
        raws = self._redis.mget([self._prefix + key for key in keys])
        with self._lock:
            found = sum(raw is not None for raw in raws)
            self.hits += found
            self.misses += len(raws) - found
        return [None if raw is None else orjson.loads(raw) for raw in raws]

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        self._redis.set(self._prefix + key, _dumps(value), px=_milliseconds(ttl_seconds))

    def set_many(self, values: Mapping[str, Any], ttl_seconds: float) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for key, value in values.items():
            pipe.set(self._prefix + key, _dumps(value), px=_milliseconds(ttl_seconds))
        pipe.execute()

    def delete(self, *keys: str) -> None:
        if keys:
            self._redis.delete(*(self._prefix + key for key in keys))

    def increment(self, key: str) -> int:
        return int(self._redis.incr(self._prefix + key))

    def add_to_list(self, key: str, items: Sequence[str], ttl_seconds: float) -> None:
        self._add_to_list(keys=[self._prefix + key], args=[_milliseconds(ttl_seconds), *items])

    def set_unless_forgotten(self, entries: Sequence[GuardedEntry], counter: str, mark: int) -> list[str]:
        if not entries:
            return []
        try:
            answers = self._guarded_sets(entries, counter, mark)
        except redis.exceptions.NoScriptError:  # first use, or a restarted or flushed Redis forgot the script
            self._redis.script_load(_SET_UNLESS_FORGOTTEN)
            answers = self._guarded_sets(entries, counter, mark)
        return [entry.key for entry, was_set in zip(entries, answers, strict=True) if was_set]

    def _guarded_sets(self, entries: Sequence[GuardedEntry], counter: str, mark: int) -> list[Any]:
        """One round trip for a page of cards. The script is called by its hash alone: a pipeline that carried the
        script itself would first ask the server whether it knows it, a second round trip every time."""
        pipe = self._redis.pipeline(transaction=False)
        for entry in entries:
            keys = [self._prefix + str(k) for k in (counter, entry.key, *entry.built_from)]
            args = (mark, _milliseconds(entry.ttl_seconds), _dumps(entry.value))
            pipe.evalsha(self._set_unless_forgotten_sha, len(keys), *keys, *args)
        return list(pipe.execute())

    def close(self) -> None:
        self._redis.close()


_OPTIONS = orjson.OPT_NON_STR_KEYS  # a typed result may hold a dict keyed by numbers (ratings by star)


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_decimal, option=_OPTIONS)


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot cache a {type(value).__name__} as JSON")
