"""`aisle import` indexes in a second process, so that one core validates and writes the catalog while the other
builds the search documents (bench/reports/import.md: both are Python, bound by one core each).

The importing process commits a batch, then hands its product and event ids to the indexing process through a
bounded queue (a slow indexer slows the import down instead of piling up batches). The indexing process loads each
batch as committed, writes it to the index, commits the index every few seconds and then marks those events
delivered, exactly as an import indexing in one process does (services/importing.py, ``ImportIndexing``).

Stopping: Ctrl-C reaches both processes; the indexer ignores it and the importer, on its way out, asks it to
finish, so what was committed is searchable. If the importer dies without asking (killed), the indexer notices
within a second and finishes the same way. If the indexer dies, the importer hands every event it has not heard
was indexed back to the relay (due at once), so a server indexes them; a killed pair leaves them held for two
minutes, after which a server's relay delivers them.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.process import BaseProcess
from typing import Any

from aisle.bootstrap import bootstrap
from aisle.domain.catalog import Product
from aisle.entrypoints.import_reader import deaf_to_stop_signals, ignore_stop_signals, name_this_process
from aisle.services.clock import utc_now
from aisle.services.import_indexing import ImportIndexing, IndexRequest, index_requested
from aisle.services.ports import UnitOfWorkFactory
from aisle.settings import Settings

log = logging.getLogger(__name__)
# ~32,000 products (ids only: under a MiB): enough slack that an index commit or a merge in the indexer, or a
# checkpoint in the writer, does not stop the other (the 1M run on 2 cores averaged only 1.31 busy cores with 8)
QUEUED_BATCHES = 32
POLL_SECONDS = 0.5
FINISH = None  # the request that says: no more batches


class IndexingProcess:
    """An index feed (services/importing.py ``IndexFeed``) whose indexing runs in a child process."""

    def __init__(
        self, settings: Settings, uow_factory: UnitOfWorkFactory, on_indexed: Callable[[int], None] = lambda _n: None
    ) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections or threads
        self._requests: Any = context.Queue(maxsize=QUEUED_BATCHES)
        self._replies: Any = context.Queue()
        self._process = context.Process(
            target=_index_in_child, args=(settings, self._requests, self._replies), name="aisle-import-indexer"
        )
        self._start_deaf_to_ctrl_c()
        self._uow = uow_factory
        self._on_indexed = on_indexed
        self._unconfirmed: deque[list[int]] = deque()  # event ids of batches sent, oldest first
        self._active = True
        self._finished = False
        self._gone = False  # the child ended without finishing; what it had not confirmed went back to the relay

    def _start_deaf_to_ctrl_c(self) -> None:
        """The child inherits ignored stop signals from its very first instruction (an interpreter started with a
        signal ignored keeps it so): Ctrl-C while it is still starting must not kill it either."""
        with deaf_to_stop_signals():
            self._process.start()

    @property
    def active(self) -> bool:
        self._read_replies()
        return self._active

    def add(self, products: Sequence[Product], event_ids: Sequence[int]) -> None:
        if self._gone:  # ``active`` has said so since: this batch's events were not held, the relay has them
            return
        self._unconfirmed.append(list(event_ids))
        self._send(IndexRequest([p.product_id for p in products], list(event_ids)))

    def finish(self) -> None:
        """Waits until the child has indexed and committed everything sent (a second Ctrl-C stops waiting)."""
        if not self._gone:
            self._send(FINISH)
        while not self._finished and self._process.is_alive():
            self._read_replies(timeout=POLL_SECONDS)
        self._read_replies()
        self._process.join()
        if not self._finished:
            self._child_died()
        elif self._unconfirmed:  # committed, but never sent: stopped (Ctrl-C) between the commit and the send
            self._hand_back_to_relay()

    def _send(self, request: IndexRequest | None) -> None:
        while self._process.is_alive():
            try:
                self._requests.put(request, timeout=POLL_SECONDS)
                return
            except queue.Full:
                self._read_replies()
        self._child_died()

    def _read_replies(self, timeout: float = 0.0) -> None:
        try:
            while True:
                reply = self._replies.get(timeout=timeout) if timeout else self._replies.get_nowait()
                timeout = 0.0
                self._heard(*reply)
        except queue.Empty:
            return

    def _heard(self, what: str, count: int, active: bool) -> None:
        if what == "indexed":
            self._on_indexed(count)
            self._active = self._active and active
        elif what == "committed":
            for _ in range(count):
                self._unconfirmed.popleft()
        elif what == "finished":
            self._finished = True

    def _child_died(self) -> None:
        """The child ended without finishing: what it did not confirm goes back to the relay, due at once."""
        if self._gone:
            return
        self._gone = True
        log.warning("import: the indexing process stopped (exit code %s); a server will index the rest from the "
                    "outbox", self._process.exitcode)  # fmt: skip
        self._active = False
        self._requests.cancel_join_thread()  # nobody reads the queue any more: exit without flushing it
        self._hand_back_to_relay()

    def _hand_back_to_relay(self) -> None:
        with self._uow() as uow:
            uow.outbox.release_held([event for batch in self._unconfirmed for event in batch])
            uow.commit()
        self._unconfirmed.clear()


def _index_in_child(settings: Settings, requests: Any, replies: Any) -> None:
    ignore_stop_signals()  # the importer decides when to stop, and says so (and see above)
    name_this_process("aisle-indexer")
    _only_read(requests)
    container = bootstrap(settings.model_copy(update={"run_background_workers": False}))
    try:
        indexing = _ConfirmingIndexing(container.index_builder, container.uow, replies)
        index_requested(
            _requests_until_finished(requests, multiprocessing.parent_process()),
            indexing,
            container.uow,
            lambda count, active: replies.put(("indexed", count, active)),
        )
        replies.put(("finished", 0, indexing.active))
    finally:
        container.stop()


class _ConfirmingIndexing(ImportIndexing):
    """Tells the importer how many batches each index commit made searchable (their events are delivered)."""

    def __init__(self, indexer: Any, uow_factory: UnitOfWorkFactory, replies: Any) -> None:
        super().__init__(indexer, uow_factory, utc_now)
        self._replies = replies
        self._batches = 0

    def add(self, products: Sequence[Product], event_ids: Sequence[int]) -> None:
        self._batches += 1
        super().add(products, event_ids)

    def _commit(self) -> None:
        super()._commit()
        self._replies.put(("committed", self._batches, self.active))
        self._batches = 0


def _only_read(requests: Any) -> None:
    """Closes this process's copy of the queue's writing end (a queue crosses to a child with both ends): the
    importer's end is then the only one, so an importer killed while its batch was half written into the pipe (a
    full pipe takes a large message in parts) leaves the reader an end of file, not a wait for the rest forever
    (which kept the Tantivy writer's lock, and no later import or server could index)."""
    requests._writer.close()


def _requests_until_finished(requests: Any, parent: BaseProcess | None) -> Iterator[IndexRequest]:
    """The batches sent, until the importer says it is done or is gone (then what came so far is finished)."""
    while True:
        try:
            request = requests.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return
            continue
        except (EOFError, OSError):  # the importer died in the middle of a batch: the batches before it stand
            return
        if request is FINISH:
            return
        yield request
