"""`aisle import` reads and validates its records in a child process (generating them, for --format synthetic),
so that the process writing the database spends its core on the writes (bench/reports/import.md).

The child runs the reader and ``prepare_record`` over its records and sends them, in order, in chunks through a
bounded queue; the importer takes them as they come. The child holds no state worth keeping: when the importer
stops (Ctrl-C, an error, or killed), the child is stopped or stops itself within a second.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from multiprocessing.process import BaseProcess
from typing import Any

from aisle.adapters.importers.readers import UnreadableCatalog
from aisle.services.importing import Prepared, Rejected, prepare_record

CHUNK = 250
QUEUED_CHUNKS = 64  # ~16,000 prepared records (~10 MiB pickled) of slack for when the writer is not scheduled
POLL_SECONDS = 0.5
END = None


@dataclass(frozen=True)
class _ReadFailed:
    message: str


class ReadError(RuntimeError):
    """The records could not be read (a malformed file, a reader's bug): the child's error, told here."""


def prepared_in_child(read: Callable[[], Iterable[Any]]) -> Generator[Prepared | Rejected, None, None]:
    """Every record ``read()`` yields, prepared in a child process; ``read`` must pickle (a module-level function
    or a functools.partial of one)."""
    context = multiprocessing.get_context("spawn")
    chunks: Any = context.Queue(maxsize=QUEUED_CHUNKS)
    # daemon: whatever happens to this process, exiting terminates the reader instead of joining it (a reader
    # whose queue nobody drains waits forever to flush it)
    process = context.Process(target=_prepare_in_child, args=(read, chunks), name="aisle-import-reader", daemon=True)
    with deaf_to_stop_signals():  # see import_indexer: Ctrl-C is the importer's to act on
        process.start()
    try:
        while (chunk := _next_chunk(chunks, process)) is not END:
            if isinstance(chunk, _ReadFailed):
                raise ReadError(chunk.message)
            yield from chunk
    finally:
        if process.is_alive():
            process.kill()  # it does not hear SIGTERM
        process.join()


def _next_chunk(chunks: Any, process: BaseProcess) -> Any:
    while True:
        try:
            return chunks.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if not process.is_alive():
                try:
                    return chunks.get(timeout=POLL_SECONDS)  # the last chunks may still be in the pipe
                except queue.Empty:
                    raise ReadError(f"the process reading the catalog stopped (exit code {process.exitcode})") from None


def _prepare_in_child(read: Callable[[], Iterable[Any]], chunks: Any) -> None:
    ignore_stop_signals()
    name_this_process("aisle-reader")
    parent = multiprocessing.parent_process()
    if parent is not None:
        _exit_when_gone(parent)
    try:
        records = iter(read())
        while chunk := [prepare_record(record) for record in islice(records, CHUNK)]:
            _put(chunks, chunk, parent)
        _put(chunks, END, parent)
    except UnreadableCatalog as error:  # says what it is already
        _put(chunks, _ReadFailed(str(error)), parent)
    except Exception as error:
        _put(chunks, _ReadFailed(f"{type(error).__name__}: {error}"), parent)


def _exit_when_gone(parent: BaseProcess) -> None:
    """A killed importer never reads again: this process would wait forever, in a put or in exiting (the queue's
    feeder thread waits for the pipe to drain), so it leaves the moment its parent is gone."""

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and a service manager's or container runtime's stop


def ignore_stop_signals() -> None:
    """For an import's helper processes: a stop is the importer's to act on (it says so and ends them). A container
    stop sends SIGTERM to every process in it, and Ctrl-C goes to the terminal's whole process group."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)


@contextmanager
def deaf_to_stop_signals() -> Iterator[None]:
    """While starting a helper process: it inherits the ignored signals from its very first instruction, so a stop
    while it is still starting does not kill it either."""
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    ignore_stop_signals()
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def name_this_process(name: str) -> None:
    """The name ps and top show (Linux; elsewhere nothing happens), so that each process's CPU can be told."""
    try:
        with open("/proc/self/comm", "w") as comm:
            comm.write(name[:15])
    except OSError:
        pass


def _put(chunks: Any, item: Any, parent: BaseProcess | None) -> None:
    while True:
        try:
            chunks.put(item, timeout=POLL_SECONDS)
            return
        except queue.Full:
            if parent is not None and not parent.is_alive():
                raise SystemExit(0) from None
