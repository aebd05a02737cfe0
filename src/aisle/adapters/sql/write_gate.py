"""A queue in front of SQLite's write lock, for the threads of this process and the processes sharing the
database file.

SQLite makes a writer that finds the lock taken sleep and poll (1, 2, 5, ... up to 100 ms between tries): the lock
can sit free while every waiter sleeps, and a waiter can lose to newcomers many times, which is where the seconds
of tail latency under concurrent writes came from. Here the threads of one process wait on a lock that wakes the
next one the moment it is free, and across processes an advisory file lock (``flock``) is waited for in a
blocking call, which the kernel ends the moment the holder lets go (polling it, even every millisecond, left the
lock idle between a release and the next poll: a hot SKU's rush gained a third without it, bench/reports).
A blocking call cannot time out, so a keeper thread makes it for the waiter, who still gives up at its deadline.
Past ``patience`` a writer goes ahead without the gate and SQLite's own busy handler decides, as before, so a stuck
holder can never block writers for longer than it did without the gate.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from contextlib import suppress
from pathlib import Path


class WriteGate:
    def __init__(self, lock_path: Path, patience: float = 30.0) -> None:
        self._path = lock_path
        self._patience = patience
        self._threads = threading.Lock()
        self._keeper: _FileLockKeeper | None = None
        self._owner: object | None = None  # the connection whose write transaction holds the gate

    def acquire(self, owner: object) -> bool:
        """Waits for the gate; False when it gave up waiting (the caller goes on without it)."""
        deadline = time.monotonic() + self._patience
        if not self._threads.acquire(timeout=self._patience):
            return False
        try:
            if self._keeper is None or self._keeper.pid != os.getpid():  # a forked child opens its own
                self._keeper = _FileLockKeeper(self._path)
            if self._keeper.take(deadline):
                self._owner = owner
                return True
        except BaseException:
            self._threads.release()
            raise
        self._threads.release()
        return False

    def release(self, owner: object) -> None:
        """Lets the next writer in; does nothing for a connection that does not hold the gate."""
        if self._owner is not owner:
            return
        self._owner = None
        assert self._keeper is not None
        self._keeper.let_go()
        self._threads.release()


class _FileLockKeeper:
    """The file lock of one gate, taken for one waiting thread at a time. An uncontended lock is taken in the
    waiter's own thread; a contended one by a daemon thread blocked in ``flock``, on a file description of its own,
    handing it over to the waiter if the waiter still waits, and letting it go at once otherwise."""

    def __init__(self, path: Path) -> None:
        self.pid = os.getpid()
        self._own = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._kept = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # the keeper thread's
        self._held: int | None = None  # the file description holding the lock for the gate's holder
        self._changed = threading.Condition()
        self._wanted = False  # a waiter asked the keeper thread and still waits
        self._handed_over = False  # the keeper thread took the lock for that waiter
        self._thread: threading.Thread | None = None

    def take(self, deadline: float) -> bool:
        with self._changed:
            with suppress(BlockingIOError):
                fcntl.flock(self._own, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._held = self._own
                return True
            self._wanted = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._keep, name="sqlite-write-gate", daemon=True)
                self._thread.start()
            self._changed.notify_all()
            while not self._handed_over:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._wanted = False  # the keeper thread lets the lock go when it gets it
                    return False
                self._changed.wait(remaining)
            self._handed_over = self._wanted = False
            self._held = self._kept
            return True

    def let_go(self) -> None:
        assert self._held is not None
        held, self._held = self._held, None
        fcntl.flock(held, fcntl.LOCK_UN)

    def _keep(self) -> None:
        while True:
            with self._changed:
                while not self._wanted or self._handed_over:
                    self._changed.wait()
            fcntl.flock(self._kept, fcntl.LOCK_EX)  # blocks until the holder lets go, then wakes at once
            with self._changed:
                if self._wanted:
                    self._handed_over = True
                    self._changed.notify_all()
                else:
                    fcntl.flock(self._kept, fcntl.LOCK_UN)  # its waiter gave up meanwhile


def gated_connection_class(gate: WriteGate) -> type[sqlite3.Connection]:
    """A sqlite3 connection that lets the gate go once its transaction is over (committed, rolled back, closed)."""

    class GatedConnection(sqlite3.Connection):
        def commit(self) -> None:
            try:
                super().commit()
            finally:
                gate.release(self)

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                gate.release(self)

        def close(self) -> None:
            try:
                super().close()
            finally:
                gate.release(self)

    return GatedConnection
