"""Breakers count only the dependency's own failures (issue 11): a TypeError or an OpenSearch 400 is our bug or our
bad request and must surface, not silently turn into a "degraded" answer."""

from __future__ import annotations

import random
import threading

import opensearchpy
import pytest
import redis

from aisle.adapters.resilience import BreakerState, CircuitBreaker
from aisle.services import outbox_relay
from aisle.services.outbox_relay import BackgroundLoop


def _raiser(error: Exception):
    def call():
        raise error

    return call


@pytest.mark.parametrize(
    "error",
    [
        TypeError("Type is not JSON serializable: Decimal"),
        KeyError("bug"),
        opensearchpy.TransportError(400, "search_phase_execution_exception"),
        opensearchpy.NotFoundError(404, "index_not_found_exception"),
    ],
)
def test_bugs_and_4xx_propagate_and_do_not_open_the_breaker(error):
    breaker = CircuitBreaker(failure_threshold=1)
    for _ in range(3):
        with pytest.raises(type(error)):
            breaker.call(_raiser(error), fallback="degraded")
    assert breaker.state is BreakerState.CLOSED


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError("refused"),
        TimeoutError("slow"),
        redis.exceptions.ConnectionError("gone"),
        redis.exceptions.TimeoutError("slow"),
        opensearchpy.ConnectionError("N/A", "refused", OSError()),
        opensearchpy.TransportError(503, "unavailable"),
    ],
)
def test_unreachable_timeouts_and_5xx_count(error):
    breaker = CircuitBreaker(failure_threshold=1)
    assert breaker.call(_raiser(error), fallback="degraded") == "degraded"
    assert breaker.state is BreakerState.OPEN


def test_failure_backoff_grows_is_jittered_and_capped():
    rng = random.Random(7)
    for failures in range(1, 30):
        ceiling = min(outbox_relay.MAX_FAILURE_BACKOFF_SECONDS, 0.25 * 2 ** (failures - 1))
        draws = [outbox_relay.failure_backoff(failures, idle_seconds=0.25, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in draws)
        assert len(set(draws)) > 1  # jitter: processes failing together do not retry in step
    assert outbox_relay.failure_backoff(1000, idle_seconds=0.25) <= outbox_relay.MAX_FAILURE_BACKOFF_SECONDS


def test_a_failing_loop_counts_its_failures_and_recovers():
    results = iter([ConnectionError("down")] * 3 + [0] * 1000)
    seen = threading.Event()
    failures_seen: list[int] = []

    def step() -> int:
        outcome = next(results)
        if isinstance(outcome, Exception):
            raise outcome
        failures_seen.append(loop.consecutive_failures)
        seen.set()
        return 0

    loop = BackgroundLoop("flaky", step, idle_seconds=0.001)
    loop.start()
    assert seen.wait(30)
    loop.stop()
    assert failures_seen[0] == 3  # three failures in a row were counted (and waited out) before the success
    assert loop.consecutive_failures == 0
