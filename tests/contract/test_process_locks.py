"""The two locks between processes (a flock on one machine, a PostgreSQL advisory lock across machines) keep the
same contract: one holder at a time, free again on release, and free again when the holder dies, however it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aisle.adapters.leadership import FileLock
from aisle.adapters.sql.advisory_lock import AdvisoryLock
from aisle.services.leadership import Lock

HOLDER = """
import sys, time
kind, where, name = sys.argv[1:4]
if kind == "file":
    from pathlib import Path
    from aisle.adapters.leadership import FileLock
    lock = FileLock(Path(where) / name)
else:
    from aisle.adapters.sql.engine import make_engine
    from aisle.adapters.sql.advisory_lock import AdvisoryLock
    lock = AdvisoryLock(make_engine(where, pool_size=1), name)
print("held" if lock.try_acquire() else "refused", flush=True)
time.sleep(600)
"""


@pytest.fixture(params=["file", "postgres"])
def lock_kind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Callable[[str], Lock], list[str]]]:
    """How to make a lock by name here, and where a holder process makes the same one."""
    if request.param == "file":
        yield (lambda name: FileLock(tmp_path / name)), ["file", str(tmp_path)]
        return
    engine: Engine = request.getfixturevalue("_postgres_engine")
    made: list[Lock] = []

    def make(name: str) -> Lock:
        made.append(AdvisoryLock(engine, name))
        return made[-1]

    yield make, ["postgres", engine.url.render_as_string(hide_password=False)]
    for lock in made:
        lock.release()


def test_one_holder_at_a_time_and_free_again_on_release(lock_kind):
    make, _where = lock_kind
    first, second, other = make("search-rebuild:a"), make("search-rebuild:a"), make("search-rebuild:b")
    assert first.try_acquire() and first.held
    assert first.try_acquire()  # held already: still true, no second hold
    assert not second.try_acquire() and not second.held
    assert other.try_acquire()  # another name is another lock
    first.release()
    assert not first.held
    assert second.try_acquire()
    assert not first.try_acquire()


def test_a_lock_held_by_a_process_that_is_killed_is_free_again(lock_kind):
    make, where = lock_kind
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, *where, "search-rebuild:killed"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        mine = make("search-rebuild:killed")
        assert not mine.try_acquire()
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    deadline = time.monotonic() + 30  # the server ends a dead client's session as soon as it sees the socket close
    while not mine.try_acquire():
        assert time.monotonic() < deadline, "the killed holder's lock was never freed"
        time.sleep(0.05)
    assert mine.held


def test_a_lock_whose_note_cannot_be_written_is_held_and_released_all_the_same():
    """A full disk refuses the holder's pid written into the lock file; the lock is what counts. Before, the
    descriptor holding it was dropped, and no later attempt of any process could take it again."""
    full = FileLock(Path("/dev/full"))  # every write to it fails with ENOSPC, and truncating it with EINVAL
    assert full.try_acquire()
    full.release()
    again = FileLock(Path("/dev/full"))
    assert again.try_acquire()
    again.release()
