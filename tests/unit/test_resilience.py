"""The circuit breaker's states on a fake clock, and ResilientCache riding out an outage of a fake cache."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

import pytest

from aisle.adapters.cache.memory import MemoryCache
from aisle.adapters.resilience import (
    PENDING_RETRY_SECONDS,
    RECOVERY_GRACE_SECONDS,
    BreakerState,
    CircuitBreaker,
    ResilientCache,
)

CLOSED, OPEN, HALF_OPEN = BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.transitions: list[tuple[BreakerState, BreakerState]] = []
        self.failures: list[Exception] = []

    def failure(self, error: Exception) -> None:
        self.failures.append(error)

    def state_changed(self, old: BreakerState, new: BreakerState) -> None:
        self.transitions.append((old, new))


def fail() -> NoReturn:
    raise ConnectionError("down")


def ok() -> str:
    return "ok"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=3, reset_after_seconds=10.0, clock=clock)


def trip(breaker: CircuitBreaker, times: int = 3) -> None:
    for _ in range(times):
        breaker.call(fail)


def test_failures_return_the_fallback_and_stay_closed_below_the_threshold(breaker: CircuitBreaker) -> None:
    assert breaker.call(fail, fallback="fallback") == "fallback"
    trip(breaker, 1)
    assert breaker.state is CLOSED
    assert breaker.call(ok) == "ok"


def test_a_success_resets_the_count_of_consecutive_failures(breaker: CircuitBreaker) -> None:
    trip(breaker, 2)
    breaker.call(ok)
    trip(breaker, 2)
    assert breaker.state is CLOSED


def test_it_opens_after_the_threshold_and_then_calls_nothing(breaker: CircuitBreaker) -> None:
    trip(breaker)
    assert breaker.state is OPEN
    calls: list[str] = []

    def record(item: str) -> str:
        calls.append(item)
        return item

    assert breaker.call(record, "called", fallback="skipped") == "skipped"
    assert calls == []


def test_after_the_timeout_one_trial_call_closes_it(breaker: CircuitBreaker, clock: FakeClock) -> None:
    trip(breaker)
    clock.now += 9.9
    assert breaker.call(ok, fallback="skipped") == "skipped"
    clock.now += 0.1
    assert breaker.call(ok) == "ok"
    assert breaker.state is CLOSED


def test_a_failed_trial_opens_it_again_for_a_full_timeout(breaker: CircuitBreaker, clock: FakeClock) -> None:
    trip(breaker)
    clock.now += 10
    breaker.call(fail)
    assert breaker.state is OPEN
    clock.now += 9.9
    assert breaker.call(ok, fallback="skipped") == "skipped"
    clock.now += 0.1
    assert breaker.call(ok) == "ok"


def test_half_open_lets_only_one_trial_through(breaker: CircuitBreaker, clock: FakeClock) -> None:
    trip(breaker)
    clock.now += 10
    during_trial = []

    def trial() -> str:
        assert breaker.state is HALF_OPEN
        during_trial.append(breaker.call(ok, fallback="refused"))
        return "trial ok"

    assert breaker.call(trial) == "trial ok"
    assert during_trial == ["refused"]
    assert breaker.state is CLOSED


def test_other_exceptions_propagate_and_do_not_count(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=1, clock=clock, failure_types=(ConnectionError,))

    def bug() -> None:
        raise TypeError("Type is not JSON serializable: Decimal")

    with pytest.raises(TypeError):
        breaker.call(bug)
    assert breaker.state is CLOSED


def test_an_exception_during_the_trial_that_is_not_a_failure_frees_the_trial(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_after_seconds=10, clock=clock, failure_types=(OSError,))
    breaker.call(fail)
    clock.now += 10

    def bug() -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        breaker.call(bug)
    assert breaker.call(ok) == "ok"
    assert breaker.state is CLOSED


def test_listeners_hear_every_failure_and_every_transition(breaker: CircuitBreaker, clock: FakeClock) -> None:
    recorder = Recorder()
    breaker.add_listener(recorder)
    trip(breaker)
    clock.now += 10
    breaker.call(fail)
    clock.now += 10
    breaker.call(ok)
    assert len(recorder.failures) == 4
    assert recorder.transitions == [
        (CLOSED, OPEN),
        (OPEN, HALF_OPEN),
        (HALF_OPEN, OPEN),
        (OPEN, HALF_OPEN),
        (HALF_OPEN, CLOSED),
    ]


def test_concurrent_failures_open_it_exactly_once(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=5, clock=clock)
    recorder = Recorder()
    breaker.add_listener(recorder)
    start = threading.Barrier(8)

    def hammer() -> None:
        start.wait(timeout=10)
        for _ in range(200):
            breaker.call(fail)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(hammer) for _ in range(8)]:
            future.result(timeout=30)
    assert recorder.transitions == [(CLOSED, OPEN)]


class FlakyCache(MemoryCache):
    """A memory cache that can be switched off, as a Redis that goes away and comes back."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.calls = 0

    def get(self, key: str) -> Any | None:
        self._touch()
        return super().get(key)

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        self._touch()
        super().set(key, value, ttl_seconds)

    def delete(self, *keys: str) -> None:
        self._touch()
        super().delete(*keys)

    def _touch(self) -> None:
        self.calls += 1
        if self.down:
            raise ConnectionError("Redis is gone")


def test_resilient_cache_rides_out_an_outage_and_recovers(clock: FakeClock) -> None:
    inner = FlakyCache()
    cache = ResilientCache(inner, CircuitBreaker(failure_threshold=2, reset_after_seconds=10, clock=clock))
    cache.set("pdp:1", {"v": 1}, ttl_seconds=60)

    inner.down = True
    assert [cache.get("pdp:1") for _ in range(5)] == [None] * 5
    assert (cache.state, inner.calls, cache.errors) == (OPEN, 3, 2)

    inner.down = False
    clock.now += 10
    assert cache.get("pdp:1") is None  # the trial closes the breaker; entries are trusted again after the grace
    assert cache.state is CLOSED
    clock.now += RECOVERY_GRACE_SECONDS
    assert cache.get("pdp:1") == {"v": 1}
    assert (cache.hits, cache.misses) == (1, 6)


def test_calls_that_ask_nothing_of_the_cache_do_not_pass_for_it_answering(clock: FakeClock) -> None:
    """A page with no related products asks for no cards: that must not reset the count of failures in a row."""
    inner = FlakyCache()
    inner.down = True
    cache = ResilientCache(inner, CircuitBreaker(failure_threshold=3, reset_after_seconds=10, clock=clock))
    for _ in range(3):
        assert cache.get("pdp:1") is None
        assert cache.get_many([]) == [] and cache.set_unless_forgotten([], "guard:forgets", 0) == []
        cache.delete()
        cache.add_to_list("pdp-offer-pages:1", [], 60)
    assert cache.state is OPEN


def test_resilient_cache_logs_again_for_a_second_outage(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    inner = FlakyCache()
    cache = ResilientCache(inner, CircuitBreaker(failure_threshold=1, reset_after_seconds=10, clock=clock))
    with caplog.at_level("WARNING", logger="aisle.adapters.resilience"):
        for _ in range(2):
            inner.down = True
            cache.get("k")
            cache.get("k")
            inner.down = False
            clock.now += 10
            cache.get("k")
    firsts = [r for r in caplog.records if "failing" in r.getMessage()]
    recoveries = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert (len(firsts), len(recoveries)) == (2, 2)


def test_a_delete_lost_to_an_outage_is_sent_again_and_its_entry_never_read(clock: FakeClock) -> None:
    """A product edited while Redis was gone: its page from before the edit must not come back with Redis."""
    inner = FlakyCache()
    cache = ResilientCache(inner, CircuitBreaker(failure_threshold=1, reset_after_seconds=10, clock=clock))
    cache.set("pdp:1", {"title": "before the edit"}, ttl_seconds=600)
    cache.set("pdp:2", {"title": "untouched"}, ttl_seconds=600)

    inner.down = True
    cache.delete("pdp:1")  # the edit's invalidation fails
    inner.down = False
    clock.now += 10  # the breaker lets a call through again

    assert cache.get("pdp:1") is None
    clock.now += RECOVERY_GRACE_SECONDS
    assert cache.get_many(["pdp:1", "pdp:2"]) == [None, {"title": "untouched"}]
    assert inner.get("pdp:1") is None  # deleted from the cache itself, for every other process too
    cache.set("pdp:1", {"title": "after the edit"}, ttl_seconds=600)
    assert cache.get("pdp:1") == {"title": "after the edit"}


def test_a_delete_lost_to_an_outage_is_sent_again_by_a_process_that_reads_nothing(clock: FakeClock) -> None:
    """The cache-invalidator worker only deletes, and another process serves the pages from the same Redis: the
    failed delete must reach Redis once it answers, with no read of this process to send it."""
    inner = FlakyCache()
    cache = ResilientCache(inner, CircuitBreaker(failure_threshold=1, reset_after_seconds=10, clock=clock))
    cache.set("pdp:1", {"title": "before the edit"}, ttl_seconds=600)
    inner.down = True
    cache.delete("pdp:1")
    inner.down = False
    clock.now += 10
    deadline = time.monotonic() + 10 * PENDING_RETRY_SECONDS
    while inner.get("pdp:1") is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert inner.get("pdp:1") is None


def test_a_process_whose_breaker_closes_first_never_reads_what_another_could_not_yet_delete(clock: FakeClock) -> None:
    """Two API processes on one Redis that hung: the one that wrote during the outage holds the delete, and its
    breaker rests for a while yet; the other's breaker closes first. It read the page from before the edit for
    5 to 9 s: now it reads nothing for a grace, and the delete arrives past the writer's resting breaker."""
    shared = FlakyCache()
    writer = ResilientCache(shared, CircuitBreaker(failure_threshold=1, reset_after_seconds=600, clock=clock))
    reader = ResilientCache(shared, CircuitBreaker(failure_threshold=1, reset_after_seconds=10, clock=clock))
    writer.set("pdp:1", {"title": "before the edit"}, ttl_seconds=600)
    assert reader.get("pdp:1") == {"title": "before the edit"}

    shared.down = True
    writer.delete("pdp:1")  # the edit's invalidation fails; the writer's breaker opens for 600 s
    assert reader.get("pdp:1") is None  # the reader's breaker opens too
    shared.down = False
    clock.now += 10  # only the reader's breaker lets a call through again

    assert reader.get("pdp:1") is None and reader.state is CLOSED
    deadline = time.monotonic() + 10 * PENDING_RETRY_SECONDS
    while shared.get("pdp:1") is not None and time.monotonic() < deadline:
        assert reader.get("pdp:1") is None
        time.sleep(0.05)
    assert shared.get("pdp:1") is None and writer.state is OPEN
    clock.now += RECOVERY_GRACE_SECONDS
    assert reader.get("pdp:1") is None
