"""The rate limiter contract: token buckets per key, on the embedded limiters (memory; a SQLite file, shared by
the processes of `aisle serve --workers N`) and the distributed one (Redis)."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from aisle.adapters.ratelimit import redis_limiter, sqlite_limiter
from aisle.adapters.ratelimit.memory import MemoryRateLimiter
from aisle.adapters.ratelimit.redis_limiter import RedisRateLimiter
from aisle.adapters.ratelimit.sqlite_limiter import SQLiteRateLimiter
from aisle.adapters.resilience import BreakerState, CircuitBreaker
from aisle.services.ratelimit import RateLimiter
from tests.conftest import forget_namespace, redis_url
from tests.contract.test_resilient_cache import closed_port

NEGLIGIBLE_RATE = 1e-6  # tokens per minute: none comes back while a test runs
THREADS = 8
HITS_PER_THREAD = 40
TEST_SOCKET_TIMEOUT = 2.0  # the limiter fails open, so a timeout on a busy box would show up as an extra allowance


@pytest.fixture
def redis_namespace() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def make_redis_limiter(redis_namespace: str) -> Iterator[Callable[[], RedisRateLimiter]]:
    url, namespace = redis_url(), redis_namespace
    made: list[RedisRateLimiter] = []

    def make() -> RedisRateLimiter:
        made.append(RedisRateLimiter(url, namespace=namespace, socket_timeout=TEST_SOCKET_TIMEOUT))
        return made[-1]

    yield make
    forget_namespace(url, namespace)
    for limiter in made:
        assert limiter.errors == 0
        limiter.close()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def limiter(request: pytest.FixtureRequest, tmp_path) -> RateLimiter:
    if request.param == "memory":
        return MemoryRateLimiter()
    if request.param == "sqlite":
        return SQLiteRateLimiter(tmp_path / "limits.db")
    return request.getfixturevalue("make_redis_limiter")()


def test_the_burst_is_allowed_then_refused_with_a_sensible_retry_after(limiter: RateLimiter) -> None:
    decisions = [limiter.hit("api-key-1", rate_per_minute=6, burst=3) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[0].retry_after_seconds == 0.0
    # 6 a minute is one token every 10 s, and the bucket was just emptied.
    assert 5.0 < decisions[3].retry_after_seconds <= 10.0


def test_tokens_come_back_over_time(limiter: RateLimiter) -> None:
    for _ in range(2):
        assert limiter.hit("k", rate_per_minute=300, burst=2).allowed
    refused = limiter.hit("k", rate_per_minute=300, burst=2)
    if not refused.allowed:  # unless this box stalled for the 0.2 s a token takes to come back
        assert 0.0 < refused.retry_after_seconds <= 0.2
        time.sleep(refused.retry_after_seconds)
    deadline = time.monotonic() + 5.0
    while not limiter.hit("k", rate_per_minute=300, burst=2).allowed:
        assert time.monotonic() < deadline, "no token came back within 5 s at 5 tokens a second"
        time.sleep(0.02)


def test_keys_have_separate_buckets(limiter: RateLimiter) -> None:
    assert limiter.hit("client-a", NEGLIGIBLE_RATE, burst=1).allowed
    assert not limiter.hit("client-a", NEGLIGIBLE_RATE, burst=1).allowed
    assert limiter.hit("client-b", NEGLIGIBLE_RATE, burst=1).allowed


@pytest.mark.parametrize(("rate", "burst"), [(0, 5), (-1, 5), (60, 0)])
def test_nonsense_limits_are_refused(limiter: RateLimiter, rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        limiter.hit("k", rate, burst)


def count_allowed(limiter: RateLimiter, key: str, burst: int) -> int:
    """THREADS threads released at once, each hitting ``key`` HITS_PER_THREAD times."""
    start = threading.Barrier(THREADS)

    def hammer() -> int:
        start.wait(timeout=30)
        return sum(limiter.hit(key, NEGLIGIBLE_RATE, burst).allowed for _ in range(HITS_PER_THREAD))

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(hammer) for _ in range(THREADS)]
        return sum(f.result(timeout=60) for f in futures)


def test_concurrent_threads_share_exactly_one_burst(limiter: RateLimiter) -> None:
    burst = 100  # well below the 320 attempts, so the last tokens are fought over
    assert count_allowed(limiter, "hot-key", burst) == burst


def _hammer_from_another_process(url: str, namespace: str, key: str, burst: int, start, results) -> None:
    limiter = RedisRateLimiter(url, namespace=namespace, socket_timeout=TEST_SOCKET_TIMEOUT)
    limiter.hit(f"{key}:warm-up", NEGLIGIBLE_RATE, 1)  # connect before the race starts
    start.wait(timeout=60)
    results.put((count_allowed(limiter, key, burst), limiter.errors))
    limiter.close()


def test_several_processes_share_exactly_one_burst(
    make_redis_limiter: Callable[[], RedisRateLimiter], redis_namespace: str
) -> None:
    processes, burst = 3, 150  # 4 processes (3 + this one) x 320 attempts
    limiter = make_redis_limiter()
    context = multiprocessing.get_context("spawn")  # no fork of a process with live threads and sockets
    start, results = context.Barrier(processes + 1), context.Queue()
    args = (redis_url(), redis_namespace, "hot-key", burst, start, results)
    children = [context.Process(target=_hammer_from_another_process, args=args) for _ in range(processes)]
    for child in children:
        child.start()
    limiter.hit("hot-key:warm-up", NEGLIGIBLE_RATE, 1)
    start.wait(timeout=60)
    allowed_here = count_allowed(limiter, "hot-key", burst)
    from_children = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    assert [errors for _, errors in from_children] == [0] * processes
    assert allowed_here + sum(allowed for allowed, _ in from_children) == burst


def _hammer_the_file_from_another_process(path, key: str, burst: int, start, results) -> None:
    limiter = SQLiteRateLimiter(path)
    start.wait(timeout=60)
    results.put(count_allowed(limiter, key, burst))


def test_several_processes_share_exactly_one_burst_through_the_file(tmp_path) -> None:
    processes, burst = 3, 150  # 4 processes (3 + this one) x 320 attempts, each its own limiter on one file
    path = tmp_path / "limits.db"
    limiter = SQLiteRateLimiter(path)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes + 1), context.Queue()
    args = (path, "hot-key", burst, start, results)
    children = [context.Process(target=_hammer_the_file_from_another_process, args=args) for _ in range(processes)]
    for child in children:
        child.start()
    start.wait(timeout=60)
    allowed_here = count_allowed(limiter, "hot-key", burst)
    from_children = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    assert allowed_here + sum(from_children) == burst


def test_the_file_forgets_buckets_that_have_refilled(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_limiter, "PRUNE_EVERY", 10)
    now = [1000.0]
    limiter = SQLiteRateLimiter(tmp_path / "limits.db", clock=lambda: now[0])
    for client in range(9):
        limiter.hit(f"client-{client}", rate_per_minute=60, burst=10)  # full again 1 s later
    assert len(limiter) == 9
    now[0] += 2.0
    limiter.hit("late", rate_per_minute=60, burst=10)  # the tenth hit prunes
    assert len(limiter) == 1


def test_redis_buckets_expire_once_they_would_be_full_again(
    make_redis_limiter: Callable[[], RedisRateLimiter], redis_namespace: str
) -> None:
    limiter = make_redis_limiter()
    limiter.hit("idle-soon", rate_per_minute=60, burst=5)  # one token short: full again in 1 s
    client = redis.Redis.from_url(redis_url())
    try:
        assert 0 < client.pttl(f"{redis_namespace}:ratelimit:idle-soon") <= 1_001
    finally:
        client.close()


def test_redis_falls_back_to_eval_when_the_script_is_not_cached(
    make_redis_limiter: Callable[[], RedisRateLimiter], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unknown digest answers NOSCRIPT exactly like a restarted Redis, without flushing the shared script cache.
    monkeypatch.setattr(redis_limiter, "TOKEN_BUCKET_SHA", "0" * 40)
    limiter = make_redis_limiter()
    assert limiter.hit("k", NEGLIGIBLE_RATE, burst=1).allowed
    assert not limiter.hit("k", NEGLIGIBLE_RATE, burst=1).allowed


def test_a_dead_redis_fails_open_counts_errors_and_stops_calling() -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_after_seconds=600)
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{closed_port()}/0", breaker=breaker)
    decisions = [limiter.hit("k", NEGLIGIBLE_RATE, burst=1) for _ in range(20)]
    assert all(d.allowed for d in decisions)
    assert limiter.errors == 3  # then the open breaker let no call through
    assert limiter.state is BreakerState.OPEN
    limiter.close()


def test_memory_forgets_buckets_that_have_refilled() -> None:
    now = [0.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    for client in range(100):
        limiter.hit(f"client-{client}", rate_per_minute=60, burst=10)  # full again 1 s later
    assert len(limiter) == 100
    now[0] = 2.0
    limiter.hit("late", rate_per_minute=60, burst=10)
    assert len(limiter) == 1


def test_memory_never_holds_more_than_max_buckets() -> None:
    limiter = MemoryRateLimiter(max_buckets=50)
    for client in range(500):
        limiter.hit(f"client-{client}", NEGLIGIBLE_RATE, burst=1)
    assert len(limiter) == 50
    assert not limiter.hit("client-499", NEGLIGIBLE_RATE, burst=1).allowed  # the recent ones are remembered


def test_an_unusable_file_fails_open_and_counts_errors(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "limits.db"
    limiter = SQLiteRateLimiter(path)
    assert limiter.hit("k", NEGLIGIBLE_RATE, burst=1).allowed
    with sqlite3.connect(path) as other:
        other.execute("DROP TABLE buckets")  # what a damaged file looks like to the next hit
    assert all(limiter.hit("k", NEGLIGIBLE_RATE, burst=1).allowed for _ in range(3))
    assert limiter.errors == 3


def test_a_file_that_cannot_be_opened_fails_open_from_the_start(tmp_path) -> None:
    limiter = SQLiteRateLimiter(tmp_path / "no-such-dir" / "limits.db")  # the server still starts
    assert all(limiter.hit("k", NEGLIGIBLE_RATE, burst=1).allowed for _ in range(3))
    assert limiter.errors == 3
