"""Moves outbox rows to the event bus: at-least-once, in order, with attempts counted and poison events parked."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aisle.services.ports import BusUnavailable, EventPublisher, OutboxEntry, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 25  # with the backoff below, about two hours of failures before an event is parked
MAX_BACKOFF_SECONDS = 300.0


def backoff_seconds(attempts: int) -> float:
    """0.5 s after the first failure, doubling, at most five minutes: a dead subscriber is not hammered."""
    return min(0.5 * 2.0 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


class OutboxRelay:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        bus: EventPublisher,
        now: Callable[[], datetime],
        batch_size: int = 500,
        exclusive_claims: bool = False,
        on_delivered: Callable[[list[OutboxEntry]], None] = lambda _entries: None,
    ) -> None:
        """``exclusive_claims``: hold the claimed rows locked while publishing (PostgreSQL, several relays).
        Without it (SQLite, one relay per database) the rows are read, published, then marked in a short write
        transaction, so the database's single writer lock is never held while subscribers run. ``on_delivered``
        hears each batch's delivered events once they are marked so."""
        self._uow = uow_factory
        self._bus = bus
        self._now = now
        self._batch_size = batch_size
        self._exclusive = exclusive_claims
        self._on_delivered = on_delivered
        self._bus_down = False  # the last try found the bus down: look at it before claiming rows again

    def relay_once(self) -> int:
        """Delivers one batch; returns how many events were delivered. Raises BusUnavailable when the bus took
        none of them: nothing is marked, and the caller's loop backs off. Once the bus was found down, it is looked
        at before any row is claimed again: a relay that cannot reach it (down, or a wrong address in this process
        alone) holds no rows locked while it waits, which would keep them from the relays that can."""
        if self._bus_down:
            self._bus.check()
            self._bus_down = False
        try:
            return self._relay_batch()
        except BusUnavailable:
            self._bus_down = True
            raise

    def _relay_batch(self) -> int:
        if self._exclusive:
            with self._uow() as uow:
                entries = uow.outbox.claim_pending(self._batch_size, self._now())
                outcome = self._publish(entries)
                self._record(uow, outcome)
                uow.commit()
        else:
            with self._uow(readonly=True) as uow:
                entries = uow.outbox.claim_pending(self._batch_size, self._now())
            if not entries:
                return 0
            outcome = self._publish(entries)  # outside any write transaction: subscribers may take their time
            with self._uow() as uow:
                self._record(uow, outcome)
                uow.commit()
        if outcome.delivered:
            delivered = set(outcome.delivered)
            self._on_delivered([e for e in entries if e.event_id in delivered])
        return len(outcome.delivered)

    def pending(self) -> int:
        """Events not yet delivered (the backlog a metric shows)."""
        with self._uow(readonly=True) as uow:
            return uow.outbox.pending_count()

    def oldest_pending_seconds(self) -> float:
        """How long the oldest event not yet delivered has waited (0 when none does), leaving out those an import
        holds: a relay that hangs rather than fails shows here, and nowhere else."""
        now = self._now()
        with self._uow(readonly=True) as uow:
            oldest = uow.outbox.oldest_pending_at(now)
        return 0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0)

    def parked(self) -> int:
        """Events a subscriber refused too often: kept for a person to look at."""
        with self._uow(readonly=True) as uow:
            return uow.outbox.parked_count()

    def drain(self, max_batches: int = 1000, progress: Callable[[int], None] = lambda _n: None) -> int:
        """Delivers batch after batch until none is left (or ``max_batches``), telling ``progress`` each count."""
        total = 0
        for _ in range(max_batches):
            delivered = self.relay_once()
            total += delivered
            if delivered == 0:
                break
            progress(delivered)
        return total

    def _publish(self, entries: list[OutboxEntry]) -> _Outcome:
        outcome = _Outcome()
        if not entries:
            return outcome
        try:
            self._bus.publish(entries)
            outcome.delivered = [e.event_id for e in entries]
            return outcome
        except BusUnavailable:
            raise
        except Exception:
            log.warning("batch of %d events failed; retrying one by one", len(entries), exc_info=True)
        for entry in entries:
            try:
                self._bus.publish([entry])
            except BusUnavailable:
                if not outcome.delivered and not outcome.failed:
                    raise
                break  # what went through is recorded; the rest waits for the bus
            except Exception as error:
                outcome.failed.append((entry, repr(error)))
                if entry.attempts + 1 < MAX_ATTEMPTS:
                    break  # keep order: later events wait for this one to be retried
                continue
            outcome.delivered.append(entry.event_id)
        return outcome

    def _record(self, uow: UnitOfWork, outcome: _Outcome) -> None:
        uow.outbox.mark_delivered(outcome.delivered, self._now())
        for entry, error in outcome.failed:
            attempts = entry.attempts + 1
            park = attempts >= MAX_ATTEMPTS
            retry_at = self._now() + timedelta(seconds=backoff_seconds(attempts))
            uow.outbox.mark_failed(entry.event_id, error, retry_at=retry_at, park=park)
            log.error(
                "event %s (%s) failed on attempt %d%s", entry.event_id, entry.name, attempts, ": parked" if park else ""
            )


@dataclass
class _Outcome:
    delivered: list[int] = field(default_factory=list)
    failed: list[tuple[OutboxEntry, str]] = field(default_factory=list)


MAX_FAILURE_BACKOFF_SECONDS = 30.0


def failure_backoff(failures: int, idle_seconds: float, rng: random.Random | None = None) -> float:
    """How long to wait after ``failures`` failed steps in a row: doubling from the idle interval, capped, with
    "equal jitter" (half fixed, half random) so that processes failing together do not retry in step."""
    ceiling = min(MAX_FAILURE_BACKOFF_SECONDS, idle_seconds * (1 << min(failures - 1, 32)))
    jitter = rng.uniform(0, ceiling / 2) if rng is not None else random.uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


class BackgroundLoop:
    """Runs ``step`` in a daemon thread: again at once while it reports work, else after ``idle_seconds`` or a wake.
    A step that fails is retried after a growing, jittered, capped pause (a dependency that is down is not
    hammered, nor is the log flooded with one traceback per idle interval)."""

    def __init__(
        self,
        name: str,
        step: Callable[[], int],
        idle_seconds: float = 0.25,
        on_stop: Callable[[], None] = lambda: None,
    ) -> None:
        self.name = name
        self._log = logging.getLogger(f"aisle.loop.{name}")  # a worker's failures under its own name
        self._step = step
        self._on_stop = on_stop  # runs on the loop's own thread once it ends, e.g. to close a Kafka consumer
        self._idle = idle_seconds
        self.consecutive_failures = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self._step()
                self.consecutive_failures = 0
            except Exception:
                self.consecutive_failures += 1
                pause = failure_backoff(self.consecutive_failures, self._idle)
                failures = self.consecutive_failures
                self._log.exception("%s step failed (%d in a row); retrying in %.2f s", self.name, failures, pause)
                self._stop.wait(pause)
                continue
            if not worked:
                self._wake.wait(self._idle)
                self._wake.clear()
        try:
            self._on_stop()
        except Exception:
            self._log.exception("%s did not close cleanly", self.name)
