"""A queue in front of SQLite's single write lock, for the threads of this process and the processes sharing the
database file.

SQLite makes a writer that finds the lock taken sleep and poll (1, 2, 5, ... up to 100 ms between tries): the lock
can sit free while every waiter sleeps, and a waiter can lose to newcomers many times, which is where the seconds
of tail latency under concurrent writes came from. Here the threads of one process wait on a lock that wakes the
next one the moment it is free, and one waiting thread per process polls an advisory file lock (``flock``) across
processes at sub-millisecond steps. Past ``patience`` a writer goes ahead without the gate and SQLite's own busy
handler decides, as before, so a stuck holder can never block writers for longer than it did without the gate.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

FIRST_POLL_SECONDS = 0.00005
MAX_POLL_SECONDS = 0.001


class WriteGate:
    def __init__(self, lock_path: Path, patience: float = 30.0) -> None:
        self._path = lock_path
        self._patience = patience
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._owner: object | None = None  # the connection whose write transaction holds the gate

    def acquire(self, owner: object) -> bool:
        """Waits for the gate; False when it gave up waiting (the caller goes on without it)."""
        deadline = time.monotonic() + self._patience
        if not self._threads.acquire(timeout=self._patience):
            return False
        try:
            if self._take_file_lock(deadline):
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
        assert self._fd is not None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def _take_file_lock(self, deadline: float) -> bool:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        pause = FIRST_POLL_SECONDS
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, MAX_POLL_SECONDS)


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
