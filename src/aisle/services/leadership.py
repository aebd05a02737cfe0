"""Several API processes over one embedded store: exactly one leads and runs the workers (outbox relay and with it
the index builder, bulk jobs, pruning, reservation expiry); the others serve, and follow the events the leader's
writes and their own produce, to drop their cached views."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Protocol

from aisle.services.ports import OutboxEntry, UnitOfWorkFactory

log = logging.getLogger(__name__)
FOLLOW_BATCH = 1_000
FOLLOW_OVERLAP_IDS = 5_000 << 22  # ~5 s of Snowflake ids: rows committed a little out of id order are not missed


class Lock(Protocol):
    @property
    def held(self) -> bool: ...

    def try_acquire(self) -> bool: ...

    def release(self) -> None: ...


class Loop(Protocol):
    name: str
    consecutive_failures: int

    def start(self) -> None: ...

    def stop(self, timeout: float = 5.0) -> None: ...


class Leadership:
    """One step per second: a process that gets the lock starts the leader's loops and stops following."""

    def __init__(self, lock: Lock, leader_loops: Sequence[Loop], follower_loops: Sequence[Loop]) -> None:
        self._lock = lock
        self._leader_loops = list(leader_loops)
        self._follower_loops = list(follower_loops)
        self._following = False

    @property
    def leading(self) -> bool:
        return self._lock.held

    @property
    def running(self) -> list[Loop]:
        """The loops this process runs now: the leader's, or the follower's."""
        if self._lock.held:
            return list(self._leader_loops)
        return list(self._follower_loops) if self._following else []

    def start_following(self) -> None:
        for loop in self._follower_loops:
            loop.start()
        self._following = True

    def step(self) -> int:
        if self._lock.held:
            return 0
        if not self._lock.try_acquire():
            if not self._following:
                self.start_following()
            return 0
        log.info("process %d leads: running the relay, index builder and jobs", os.getpid())
        if self._following:
            for loop in self._follower_loops:
                loop.stop()
            self._following = False
        for loop in self._leader_loops:
            loop.start()
        return 0

    def stop(self) -> None:
        for loop in (*self._leader_loops, *self._follower_loops):
            loop.stop()
        self._lock.release()


class OutboxFollower:
    """Reads the events recorded since it last looked (by any process) and hands them to ``handle``: in a follower,
    dropping cached pages and cards and marking the query vocabulary stale. Idempotent handlers only: an event may
    be handed over twice, never skipped."""

    def __init__(self, uow_factory: UnitOfWorkFactory, handle: Callable[[list[OutboxEntry]], None]) -> None:
        self._uow = uow_factory
        self._handle = handle
        self._after: int | None = None
        self._catching_up = False  # the last read was a full batch: read on from it, without looking back
        self._seen: set[int] = set()

    def step(self) -> int:
        with self._uow(readonly=True) as uow:
            if self._after is None:  # start from now: cached views are empty at start-up
                self._after = uow.outbox.last_event_id()
                return 0
            lower = self._after - (0 if self._catching_up else FOLLOW_OVERLAP_IDS)
            entries = uow.outbox.recorded_after(lower, FOLLOW_BATCH)
        fresh = [e for e in entries if e.event_id not in self._seen]
        if fresh:
            self._handle(fresh)
        self._catching_up = len(entries) == FOLLOW_BATCH
        if entries:
            self._after = max(self._after, entries[-1].event_id)
        self._seen = {i for i in (*self._seen, *(e.event_id for e in entries)) if i > self._after - FOLLOW_OVERLAP_IDS}
        return len(fresh) if self._catching_up else 0
