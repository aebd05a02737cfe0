"""The distributed rate limiter: one token bucket per key in Redis, shared by every API process.

Each hit is one atomic Lua script, so concurrent hits from any number of processes never hand out a token twice.
The script reads the time from the Redis server, so API hosts with skewed clocks still agree on refills.

When Redis fails the limiter fails open: the request is allowed and the error counted (``errors``). A limiter
outage must not take the store down; the price is that limits are not enforced until Redis is back. A circuit
breaker keeps a dead Redis from adding a network timeout to every request meanwhile.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

from redis.exceptions import NoScriptError

from aisle.adapters.cache.redis_cache import redis_client
from aisle.adapters.resilience import BreakerState, CircuitBreaker, OutageReporter
from aisle.services.ratelimit import RateDecision, check_limits

# A bucket idle this long starts full again even if its rate would refill it more slowly: it bounds memory.
MAX_IDLE_MS = 24 * 3600 * 1000

# KEYS[1]: the bucket (a hash: tokens, ts). ARGV: refill rate per second, burst, max idle ms.
# Returns {allowed (0/1), whole tokens left, retry-after seconds as a string (Lua numbers come back truncated)}.
TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
if tokens == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - tonumber(state[2])) * rate)
end
local allowed = 0
local retry_after = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry_after = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
local until_full_ms = math.ceil((burst - tokens) / rate * 1000) + 1
redis.call('PEXPIRE', KEYS[1], math.min(until_full_ms, tonumber(ARGV[3])))
return {allowed, math.floor(tokens), tostring(retry_after)}
"""
TOKEN_BUCKET_SHA = hashlib.sha1(TOKEN_BUCKET_LUA.encode()).hexdigest()


class RedisRateLimiter:
    def __init__(
        self,
        url: str,
        namespace: str = "aisle",
        socket_timeout: float = 0.05,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._redis = redis_client(url, socket_timeout)
        self._prefix = f"{namespace}:ratelimit:"
        self._breaker = breaker or CircuitBreaker()
        self._outage = OutageReporter("Redis rate limiter", "requests are allowed without limits")
        self._breaker.add_listener(self._outage)

    @property
    def errors(self) -> int:
        return self._outage.errors

    @property
    def state(self) -> BreakerState:
        return self._breaker.state

    def hit(self, key: str, rate_per_minute: float, burst: int) -> RateDecision:
        check_limits(rate_per_minute, burst)
        reply = self._breaker.call(self._run_bucket_script, self._prefix + key, rate_per_minute / 60.0, burst)
        if reply is None:
            return RateDecision(allowed=True, remaining=burst, retry_after_seconds=0.0)
        allowed, remaining, retry_after = reply
        return RateDecision(allowed=allowed == 1, remaining=int(remaining), retry_after_seconds=float(retry_after))

    def close(self) -> None:
        self._redis.close()

    def _run_bucket_script(self, bucket_key: str, per_second: float, burst: int) -> list[Any]:
        args = (bucket_key, repr(per_second), burst, MAX_IDLE_MS)
        try:
            return cast(list[Any], self._redis.evalsha(TOKEN_BUCKET_SHA, 1, *args))
        except NoScriptError:  # a restarted or flushed Redis forgot the script; EVAL also caches it again
            return cast(list[Any], self._redis.eval(TOKEN_BUCKET_LUA, 1, *args))
