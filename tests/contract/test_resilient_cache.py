"""A real dead Redis behind ResilientCache: nothing fails, and once the breaker opens nothing reaches the network but
the retry of the deletes the outage held, one every PENDING_RETRY_SECONDS."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from aisle.adapters.cache.redis_cache import RedisCache
from aisle.adapters.resilience import PENDING_RETRY_SECONDS, BreakerState, CircuitBreaker, ResilientCache
from tests.conftest import forget_namespace, redis_url

THRESHOLD = 3


class CountingRedisCache(RedisCache):
    """Counts the calls that get as far as the Redis client, i.e. every call that could touch the network."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = 0
        self.deletes = 0

    def get(self, key: str) -> Any | None:
        self.calls += 1
        return super().get(key)

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        self.calls += 1
        super().set(key, value, ttl_seconds)

    def delete(self, *keys: str) -> None:
        self.deletes += 1  # apart: the deletes an outage held are retried past the breaker, PENDING_RETRY_SECONDS apart
        super().delete(*keys)


def closed_port() -> int:
    """A port nothing listens on: bound by us, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis() -> Iterator[CountingRedisCache]:
    inner = CountingRedisCache(f"redis://127.0.0.1:{closed_port()}/0")
    yield inner
    inner.close()


@pytest.fixture
def cache(dead_redis: CountingRedisCache) -> ResilientCache:
    return ResilientCache(dead_redis, CircuitBreaker(failure_threshold=THRESHOLD, reset_after_seconds=600))


def test_the_dead_redis_really_fails_underneath(dead_redis: CountingRedisCache) -> None:
    with pytest.raises(redis.ConnectionError):
        dead_redis.get("pdp:1")


def test_reads_are_misses_and_writes_do_not_raise(cache: ResilientCache) -> None:
    assert cache.get("pdp:1") is None
    cache.set("pdp:1", {"title": "Trail Shoe"}, ttl_seconds=60)
    cache.delete("pdp:1", "pdp:2")
    assert cache.errors == 3
    assert (cache.hits, cache.misses) == (0, 1)


def test_many_reads_are_misses_and_a_counter_reads_zero(cache: ResilientCache) -> None:
    assert cache.get_many(["card:1", "card:2"]) == [None, None]
    assert cache.increment("guard:forgets") == 0  # "no forget known"; nothing is stored while Redis is down anyway
    assert cache.errors == 2
    assert (cache.hits, cache.misses) == (0, 2)


def test_the_breaker_opens_at_the_threshold_then_no_call_reaches_redis(
    cache: ResilientCache, dead_redis: CountingRedisCache
) -> None:
    for _ in range(THRESHOLD):
        assert cache.get("pdp:1") is None
    assert cache.state is BreakerState.OPEN
    assert dead_redis.calls == THRESHOLD

    started = time.monotonic()
    for product_id in range(100):
        assert cache.get(f"pdp:{product_id}") is None
        cache.set(f"pdp:{product_id}", {"id": product_id}, ttl_seconds=60)
        cache.delete(f"pdp:{product_id}")

    assert dead_redis.calls == THRESHOLD
    assert dead_redis.deletes <= 1 + (time.monotonic() - started) / PENDING_RETRY_SECONDS  # one retry, not 100
    assert cache.errors == THRESHOLD
    assert cache.misses == THRESHOLD + 100


def test_an_outage_is_logged_once_not_per_call(cache: ResilientCache, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="aisle.adapters.resilience"):
        for _ in range(50):
            cache.get("pdp:1")
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert "failing" in messages[0] and "reads go to the database" in messages[0]
    assert "closed -> open" in messages[1]


def test_a_live_redis_passes_through() -> None:
    url, namespace = redis_url(), f"test-{uuid.uuid4().hex}"
    inner = RedisCache(url, namespace=namespace, socket_timeout=1.0)
    cache = ResilientCache(inner, CircuitBreaker())
    try:
        cache.set("pdp:1", {"title": "Trail Shoe"}, ttl_seconds=60)
        assert cache.get("pdp:1") == {"title": "Trail Shoe"}
        assert cache.get_many(["pdp:1", "pdp:2"]) == [{"title": "Trail Shoe"}, None]
        assert cache.increment("forgets") == 1
        cache.delete("pdp:1")
        assert cache.get("pdp:1") is None
        assert (cache.hits, cache.misses, cache.errors) == (2, 2, 0)
        assert cache.state is BreakerState.CLOSED
    finally:
        forget_namespace(url, namespace)
        inner.close()
