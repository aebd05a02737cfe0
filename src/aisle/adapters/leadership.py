"""Locks between processes on one machine: an exclusive flock on a file. The kernel drops it when its process
dies, however it dies (SIGKILL included), so whoever tries next takes over; no lease to expire, no clock to trust."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """True when this process holds the lock (now or already); never waits."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd  # held from here on, whatever the note below meets
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())  # for a person looking: who leads
        except OSError:  # a full disk: the lock is held all the same (an fd dropped here kept it, for nobody)
            pass
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def claim_slot(directory: Path, most: int = 256) -> tuple[int, FileLock]:
    """The lowest slot number no live process holds (e.g. to pick a metrics port); held until this process exits."""
    for slot in range(most):
        lock = FileLock(directory / f"slot-{slot}.lock")
        if lock.try_acquire():
            return slot, lock
    raise RuntimeError(f"all {most} process slots in {directory} are taken")
