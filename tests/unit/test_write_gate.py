"""The queue in front of SQLite's write lock: one holder at a time across threads and processes, released only by
the connection that holds it, and never waited on past its patience."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from aisle.adapters.sql.write_gate import WriteGate


def test_one_writer_at_a_time_and_only_the_holder_lets_go(tmp_path: Path):
    gate = WriteGate(tmp_path / "db.write-gate")
    first, second = object(), object()
    assert gate.acquire(first)
    entered = threading.Event()

    def next_writer() -> None:
        gate.acquire(second)
        entered.set()
        gate.release(second)

    waiter = threading.Thread(target=next_writer)
    waiter.start()
    gate.release(second)  # not the holder: changes nothing
    assert not entered.wait(0.2)
    gate.release(first)
    waiter.join(10)
    assert entered.is_set()


def hold_file_lock(path: str, held: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event) -> None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    held.set()
    done.wait(30)


def test_another_process_holding_it_is_waited_for_at_most_the_patience(tmp_path: Path):
    path = tmp_path / "db.write-gate"
    context = multiprocessing.get_context("spawn")
    held, done = context.Event(), context.Event()
    holder = context.Process(target=hold_file_lock, args=(str(path), held, done))
    holder.start()
    try:
        assert held.wait(30)
        assert WriteGate(path, patience=0.05).acquire(object()) is False  # goes ahead without the gate
    finally:
        done.set()
        holder.join(30)
    gate = WriteGate(path, patience=5)
    assert gate.acquire(object()) is True  # the holder exited: its lock went with it


def hold_until_told(path: str, held: Event, let_go: Event, leave: Event) -> None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    held.set()
    let_go.wait(30)
    fcntl.flock(fd, fcntl.LOCK_UN)
    leave.wait(30)  # still alive: a waiter gets the lock by its release, not by this process's exit


@contextmanager
def held_by_another_process(path: Path) -> Iterator[tuple[multiprocessing.process.BaseProcess, Event]]:
    """Another process holding the gate's file lock until ``let_go`` is set; it stays alive after that."""
    context = multiprocessing.get_context("spawn")
    held, let_go, leave = context.Event(), context.Event(), context.Event()
    holder = context.Process(target=hold_until_told, args=(str(path), held, let_go, leave))
    holder.start()
    try:
        assert held.wait(30)
        yield holder, let_go
    finally:
        let_go.set()
        leave.set()
        holder.join(30)


def test_a_writer_waiting_on_another_process_gets_the_gate_when_that_process_lets_go(tmp_path: Path):
    path = tmp_path / "db.write-gate"
    with held_by_another_process(path) as (holder, let_go):
        gate, writer = WriteGate(path, patience=30), object()
        threading.Timer(0.2, let_go.set).start()
        assert gate.acquire(writer) is True
        assert holder.is_alive()
        gate.release(writer)
        assert gate.acquire(writer) is True  # and again, uncontended
        gate.release(writer)


def test_a_writer_that_gave_up_leaves_the_lock_free_once_the_other_process_lets_go(tmp_path: Path):
    path = tmp_path / "db.write-gate"
    with held_by_another_process(path) as (holder, let_go):
        assert WriteGate(path, patience=0.05).acquire(object()) is False  # its keeper thread still waits in flock
        let_go.set()
        outsider = os.open(path, os.O_RDWR)
        for _ in range(200):  # the keeper takes the lock as the holder lets go, then lets it go: nobody waits
            try:
                fcntl.flock(outsider, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.05)
        else:
            raise AssertionError("the write gate kept the file lock after its waiter gave up")
        assert holder.is_alive()
        fcntl.flock(outsider, fcntl.LOCK_UN)


def test_a_writer_after_one_that_gave_up_takes_the_lock_its_keeper_was_waiting_for(tmp_path: Path):
    path = tmp_path / "db.write-gate"
    gate, writer = WriteGate(path, patience=2), object()
    with held_by_another_process(path) as (holder, let_go):
        assert gate.acquire(object()) is False  # the holder holds on
        threading.Timer(0.1, let_go.set).start()
        assert gate.acquire(writer) is True
        assert holder.is_alive()
        outsider = os.open(path, os.O_RDWR)
        with pytest.raises(BlockingIOError):
            fcntl.flock(outsider, fcntl.LOCK_EX | fcntl.LOCK_NB)
        gate.release(writer)
        fcntl.flock(outsider, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_the_gate_and_sqlite_together_wait_the_lock_wait_setting_at_most_not_twice_it(tmp_path: Path):
    """A writer queued at the gate behind one stuck in SQLite's busy wait gets only what is left of the setting
    for its own busy wait; the next writer, let in at once, gets the whole of it again."""
    from sqlalchemy import text

    from aisle.adapters.sql.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'aisle.db'}", lock_wait_seconds=3.0)
    other_process = WriteGate(tmp_path / "aisle.db.write-gate")
    holder = object()
    assert other_process.acquire(holder)
    threading.Timer(1.0, other_process.release, args=(holder,)).start()
    try:
        with engine.begin() as connection:  # waits about a second at the gate
            after_queueing = connection.execute(text("PRAGMA busy_timeout")).scalar_one()
        with engine.begin() as connection:
            let_in_at_once = connection.execute(text("PRAGMA busy_timeout")).scalar_one()
    finally:
        engine.dispose()
    assert after_queueing <= 2_100 and let_in_at_once == 3_000
