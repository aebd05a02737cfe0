"""The queue in front of SQLite's write lock: one holder at a time across threads and processes, released only by
the connection that holds it, and never waited on past its patience."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
from pathlib import Path

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
