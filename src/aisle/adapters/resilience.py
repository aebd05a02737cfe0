"""Keeping a failing dependency (Redis) from failing or slowing the caller: a circuit breaker, and a cache built on it.

Redis down: reads go to the database; nothing fails; latency rises. While the breaker is open no call reaches the
network (but one retry of the deletes the outage held, every PENDING_RETRY_SECONDS, from a thread of its own), so a
dead Redis costs nothing per request beyond the database work it no longer saves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import opensearchpy
import redis

from aisle.services.ports import Cache, GuardedEntry

log = logging.getLogger(__name__)

T = TypeVar("T")
_UNREACHABLE = (
    OSError,  # includes ConnectionError, TimeoutError and socket errors
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    opensearchpy.ConnectionError,  # also ConnectionTimeout
)


def is_dependency_failure(error: BaseException) -> bool:
    """The dependency itself failed: unreachable, timed out, or answered 5xx. A 4xx (we sent a bad request) and
    any other exception (a bug of ours, e.g. a TypeError) are not outages and must not open a breaker."""
    if isinstance(error, _UNREACHABLE):
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and status >= 500


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


Transition = tuple[BreakerState, BreakerState]


class BreakerListener(Protocol):
    def failure(self, error: Exception) -> None: ...

    def state_changed(self, old: BreakerState, new: BreakerState) -> None: ...


class CircuitBreaker:
    """Closed → open after ``failure_threshold`` consecutive failures → half-open once ``reset_after_seconds``
    have passed, letting one trial call through → closed if it succeeds, open again if it fails.

    Only dependency failures count (``is_dependency_failure`` unless ``counts_as_failure`` says otherwise): they are
    swallowed and the fallback returned. Any other exception propagates untouched, so a programming error or a
    request the dependency refused (4xx) is not mistaken for an outage.
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_after_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        failure_types: tuple[type[Exception], ...] | None = None,
        counts_as_failure: Callable[[BaseException], bool] = is_dependency_failure,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self._threshold = failure_threshold
        self._reset_after = reset_after_seconds
        self._clock = clock
        self._counts = counts_as_failure if failure_types is None else (lambda e: isinstance(e, failure_types))
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._consecutive_failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False
        self._listeners: list[BreakerListener] = []

    @property
    def state(self) -> BreakerState:
        return self._state

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    def add_listener(self, listener: BreakerListener) -> None:
        self._listeners.append(listener)

    def call(self, fn: Callable[..., T], *args: Any, fallback: T | None = None) -> T | None:
        if not self._admit():
            return fallback
        try:
            result = fn(*args)
        except Exception as error:
            if not self._counts(error):
                self._release_trial()
                raise
            self._record_failure(error)
            return fallback
        except BaseException:
            self._release_trial()
            raise
        self._record_success()
        return result

    def _admit(self) -> bool:
        with self._lock:
            transition = None
            if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self._reset_after:
                transition = self._move_to(BreakerState.HALF_OPEN)
            admitted = self._state is BreakerState.CLOSED or self._take_trial()
        self._announce(transition)
        return admitted

    def _take_trial(self) -> bool:
        if self._state is not BreakerState.HALF_OPEN or self._trial_in_flight:
            return False
        self._trial_in_flight = True
        return True

    def _release_trial(self) -> None:
        with self._lock:
            if self._state is BreakerState.HALF_OPEN:
                self._trial_in_flight = False

    def _record_failure(self, error: Exception) -> None:
        with self._lock:
            self._consecutive_failures += 1
            transition = None
            if self._state is BreakerState.HALF_OPEN or (
                self._state is BreakerState.CLOSED and self._consecutive_failures >= self._threshold
            ):
                transition = self._move_to(BreakerState.OPEN)
        for listener in self._listeners:
            listener.failure(error)
        self._announce(transition)

    def _record_success(self) -> None:
        with self._lock:
            self._consecutive_failures = 0
            # A call let in while closed may succeed after others opened the breaker: only the trial closes it.
            transition = self._move_to(BreakerState.CLOSED) if self._state is BreakerState.HALF_OPEN else None
        self._announce(transition)

    def _move_to(self, new: BreakerState) -> Transition:
        old, self._state = self._state, new
        self._trial_in_flight = False
        if new is BreakerState.OPEN:
            self._opened_at = self._clock()
        return old, new

    def _announce(self, transition: Transition | None) -> None:
        if transition is not None:
            for listener in self._listeners:
                listener.state_changed(*transition)


class OutageReporter:
    """Counts a dependency's errors and tells the logs about an outage once: its first error, then each breaker
    state change, never every failing call."""

    def __init__(self, dependency: str, consequence: str) -> None:
        self._dependency = dependency
        self._consequence = consequence
        self._lock = threading.Lock()
        self._reported = False
        self.errors = 0

    def failure(self, error: Exception) -> None:
        with self._lock:
            self.errors += 1
            first, self._reported = not self._reported, True
        if first:
            log.warning("%s failing (%s: %s): %s", self._dependency, type(error).__name__, error, self._consequence)

    def state_changed(self, old: BreakerState, new: BreakerState) -> None:
        if new is BreakerState.OPEN:
            level = logging.WARNING if old is BreakerState.CLOSED else logging.INFO
            log.log(
                level, "%s circuit %s -> open: no calls to it for a while; %s", self._dependency, old, self._consequence
            )
        elif new is BreakerState.HALF_OPEN:
            log.info("%s circuit open -> half_open: trying one call", self._dependency)
        else:
            with self._lock:
                self._reported = False
            log.warning("%s recovered: circuit half_open -> closed", self._dependency)


MAX_PENDING_DELETES = 100_000  # keys whose delete failed, kept to retry: past that many, their TTL bounds them
PENDING_RETRY_SECONDS = 0.5  # how often failed deletes are sent again, whatever this process's breaker says
# After the breaker closes, this process reads no entry for this long: another process may still hold the deletes
# it could not send during the outage (it sends them within PENDING_RETRY_SECONDS), and until then the cache holds
# pages from before those writes.
RECOVERY_GRACE_SECONDS = 4 * PENDING_RETRY_SECONDS
_FAILED = object()


class ResilientCache:
    """A Cache that never raises: while the inner cache fails or the breaker is open, get is a miss and set does
    nothing.

    A delete that fails is remembered and sent again as soon as the cache answers, and until then this process
    reads those keys as misses: an entry a write invalidated during an outage would otherwise come back when the
    cache does (a product page from before the edit), stale until its TTL. They are sent again before this
    process's next call, and every PENDING_RETRY_SECONDS meanwhile, past the breaker: a process that only deletes
    (the cache-invalidator worker) or serves no reads must still send them, since the other processes read the
    cache, and their breakers may close seconds before this one's would. Each process reads nothing from the cache
    for RECOVERY_GRACE_SECONDS after its breaker closes, the time those deletes take to arrive.
    """

    def __init__(self, inner: Cache, breaker: CircuitBreaker, name: str = "Redis cache") -> None:
        self._inner = inner
        self._breaker = breaker
        self._outage = OutageReporter(name, "reads go to the database; nothing fails; latency rises")
        breaker.add_listener(self._outage)
        self._lock = threading.Lock()
        self._pending: set[str] = set()  # keys whose delete failed
        self._retrying = False  # a thread sends the pending deletes again until none is left
        self._clock = breaker.clock
        self._distrusted_until = 0.0  # reads are misses until then: see RECOVERY_GRACE_SECONDS
        breaker.add_listener(_OnRecovery(self._distrust_for_a_while))
        self.hits = 0
        self.misses = 0

    @property
    def errors(self) -> int:
        return self._outage.errors

    @property
    def state(self) -> BreakerState:
        return self._breaker.state

    def get(self, key: str) -> Any | None:
        self._send_pending_deletes()
        value = None if key in self._pending else self._breaker.call(self._inner.get, key, fallback=None)
        if self._distrusted():  # checked after the call: the call may be the trial that closed the breaker
            value = None
        with self._lock:
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
        return value

    def get_many(self, keys: Sequence[str]) -> list[Any | None]:
        if not keys:  # asks nothing of Redis, so proves nothing: it must not count as a success for the breaker
            return []
        self._send_pending_deletes()
        values = self._breaker.call(self._inner.get_many, keys, fallback=None) or [None] * len(keys)
        if self._distrusted():  # as get
            values = [None] * len(keys)
        if self._pending:
            values = [None if key in self._pending else value for key, value in zip(keys, values, strict=True)]
        with self._lock:
            found = sum(value is not None for value in values)
            self.hits += found
            self.misses += len(values) - found
        return values

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        self._breaker.call(self._inner.set, key, value, ttl_seconds)

    def set_many(self, values: Mapping[str, Any], ttl_seconds: float) -> None:
        if values:  # as get_many
            self._breaker.call(self._inner.set_many, values, ttl_seconds)

    def delete(self, *keys: str) -> None:
        self._send_pending_deletes()
        if keys and self._breaker.call(self._deleted, keys, fallback=_FAILED) is _FAILED:  # as get_many
            self._remember_deletes(keys)

    def _deleted(self, keys: Sequence[str]) -> bool:
        self._inner.delete(*keys)
        return True

    def _remember_deletes(self, keys: Sequence[str]) -> None:
        with self._lock:
            room = MAX_PENDING_DELETES - len(self._pending)
            self._pending.update(keys[:room])
            start = not self._retrying
            self._retrying = True
        if room < len(keys):
            log.warning("%d cache deletes not kept to retry: their entries stay until their TTL", len(keys) - room)
        if start:
            threading.Thread(target=self._retry_pending_deletes, name="cache-delete-retry", daemon=True).start()

    def _distrust_for_a_while(self) -> None:
        self._distrusted_until = self._clock() + RECOVERY_GRACE_SECONDS

    def _distrusted(self) -> bool:
        return self._clock() < self._distrusted_until

    def _retry_pending_deletes(self) -> None:
        while True:
            time.sleep(PENDING_RETRY_SECONDS)
            self._send_pending_deletes_past_the_breaker()
            with self._lock:
                if not self._pending:
                    self._retrying = False
                    return

    def _send_pending_deletes(self) -> None:
        if not self._pending:
            return
        with self._lock:
            keys = tuple(self._pending)
        if self._breaker.call(self._deleted, keys, fallback=_FAILED) is not _FAILED:
            with self._lock:
                self._pending.difference_update(keys)

    def _send_pending_deletes_past_the_breaker(self) -> None:
        """One try, whether the breaker rests or not: one small request a PENDING_RETRY_SECONDS while the cache is
        down, so that the deletes arrive as soon as it is back."""
        with self._lock:
            keys = tuple(self._pending)
        if not keys:
            return
        try:
            self._inner.delete(*keys)
        except Exception as error:
            if not is_dependency_failure(error):
                log.exception("pending cache deletes could not be sent")
            return
        with self._lock:
            self._pending.difference_update(keys)

    def add_to_list(self, key: str, items: Sequence[str], ttl_seconds: float) -> None:
        if items:  # as get_many
            self._breaker.call(self._inner.add_to_list, key, items, ttl_seconds)

    def increment(self, key: str) -> int:
        """0 while the cache is unreachable (a counter never reads 0 otherwise)."""
        return self._breaker.call(self._inner.increment, key, fallback=0) or 0

    def set_unless_forgotten(self, entries: Sequence[GuardedEntry], counter: str, mark: int) -> list[str]:
        if not entries:  # as get_many
            return []
        return self._breaker.call(self._inner.set_unless_forgotten, entries, counter, mark, fallback=[]) or []


class _OnRecovery:
    """A breaker listener that calls ``recovered`` when a trial closes the breaker."""

    def __init__(self, recovered: Callable[[], None]) -> None:
        self._recovered = recovered

    def failure(self, error: Exception) -> None:
        pass

    def state_changed(self, old: BreakerState, new: BreakerState) -> None:
        if new is BreakerState.CLOSED:
            self._recovered()
