"""`aisle import` stopped midway, for real: Ctrl-C to all its processes, SIGKILL of the importer, SIGKILL of its
indexing process. Each leaves a catalog in which every product is either searchable or has an event still due for
the relay (none delivered without being indexed), and a re-run plus the relay finish the job."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest

from aisle.adapters.importers.records import ProductRecord
from aisle.adapters.importers.synthetic import generate_catalog
from aisle.bootstrap import bootstrap
from aisle.entrypoints.import_indexer import _only_read, _requests_until_finished
from aisle.entrypoints.import_reader import CHUNK, ReadError, prepared_in_child
from aisle.services.clock import utc_now
from aisle.services.import_indexing import IndexRequest
from aisle.services.importing import BATCH_SIZE
from aisle.services.outbox_relay import OutboxRelay
from aisle.services.search.engine import EngineQuery
from tests.api.conftest import make_settings
from tests.conftest import eventually

COUNT = 3_000  # small enough for the suite's 300 s per test on a loaded box, big enough to stop midway
STOP_AFTER = 1_000  # products committed before the stop
WAIT_SECONDS = 240  # a shared, loaded 2-core machine is slow; nothing here measures time


def _start_import(data_dir: Path) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "aisle"), "import", "--format", "synthetic", "--count", str(COUNT)]
    log = (data_dir / "import.log").open("ab")
    # A session of its own, like a terminal's foreground job: Ctrl-C goes to the whole group.
    env = {**os.environ, "AISLE_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_hears_ctrl_c
    )


def _hears_ctrl_c() -> None:
    """A suite started in the background (`nohup pytest &`) ignores SIGINT, and so would the import it starts
    (Python keeps an inherited SIG_IGN): the import must hear Ctrl-C as it does in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _log(data_dir: Path) -> str:
    """What the import commands printed (every run appends), for a failing assertion's message."""
    return (data_dir / "import.log").read_text()[-3000:]


def _products(data_dir: Path) -> int:
    try:
        with sqlite3.connect(data_dir / "aisle.db", timeout=30) as db:
            return db.execute("SELECT count(*) FROM products").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _indexer_pid(importer_pid: int) -> int:
    """The importer's child that indexes (it names itself; the other children read, or track resources)."""
    return _child_named(importer_pid, "aisle-indexer")


def _child_named(importer_pid: int, name: str) -> int:
    found: list[int] = []

    def named() -> bool:
        children = Path(f"/proc/{importer_pid}/task/{importer_pid}/children").read_text().split()
        found[:] = [c for c in map(int, children) if _name(c) == name]
        return bool(found)

    eventually(named, WAIT_SECONDS, f"the {name} process")
    return found[0]


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _consistent(data_dir: Path) -> tuple[int, int, int]:
    """Every product searchable or still owed by the relay; never a delivered event for an unindexed product.
    Returns (products, indexed, events still due)."""
    app = bootstrap(make_settings(data_dir, run_background_workers=False))
    try:
        with sqlite3.connect(data_dir / "aisle.db", timeout=30) as db:
            products = [r[0] for r in db.execute("SELECT product_id FROM products")]
            pending = {r[0] for r in db.execute("SELECT key FROM outbox WHERE status = 'PENDING'")}
            delivered = {r[0] for r in db.execute("SELECT key FROM outbox WHERE status = 'DELIVERED'")}
        searchable = _indexed_ids(app, len(products))
        assert not (delivered - searchable), "an event was marked delivered for a product the index lacks"
        assert set(products) <= searchable | pending, "a product is neither searchable nor owed by the relay"
        return len(products), len(searchable), len(pending)
    finally:
        app.stop()


def _indexed_ids(app, at_most: int) -> set[int]:
    """Every product id in the index (browsing with no keywords matches every document)."""
    query = EngineQuery(sort="newest", limit=max(at_most, 1), with_facets=False)
    result = app.search_engine.search(query)
    assert result.total <= at_most, "the index holds documents the catalog does not"
    return {hit.product_id for hit in result.hits}


def _finish_with_a_rerun_and_the_relay(data_dir: Path) -> None:
    rerun = _start_import(data_dir)
    assert rerun.wait(WAIT_SECONDS) == 0, _log(data_dir)
    app = bootstrap(make_settings(data_dir, run_background_workers=False))
    try:
        after_the_hold = OutboxRelay(app.uow, app.bus, lambda: utc_now() + timedelta(minutes=3))
        while after_the_hold.relay_once():
            pass
        assert app.catalog.count_active() == COUNT, _log(data_dir)
        assert app.search_engine.count() == COUNT, _log(data_dir)
        with app.uow(readonly=True) as uow:
            assert uow.outbox.pending_count() == 0
    finally:
        app.stop()


def test_ctrl_c_leaves_what_was_imported_searchable(tmp_path: Path):
    importer = _start_import(tmp_path)
    eventually(lambda: _products(tmp_path) >= STOP_AFTER, WAIT_SECONDS, f"{STOP_AFTER} products committed")
    os.killpg(importer.pid, signal.SIGINT)
    assert importer.wait(WAIT_SECONDS) == 130, _log(tmp_path)
    products, searchable, due = _consistent(tmp_path)
    assert STOP_AFTER <= products < COUNT, _log(tmp_path)
    # at most the one batch committed while Ctrl-C arrived is left to the relay
    assert searchable >= products - BATCH_SIZE, (products, searchable, due, _log(tmp_path))
    assert "stopped." in _log(tmp_path)
    _finish_with_a_rerun_and_the_relay(tmp_path)


def test_a_stop_from_a_container_runtime_is_a_ctrl_c(tmp_path: Path):
    """A container stop sends SIGTERM to every process in the container: the importer stops between records as
    for Ctrl-C, and its reading and indexing processes live on until it ends them."""
    importer = _start_import(tmp_path)
    eventually(lambda: _products(tmp_path) >= STOP_AFTER, WAIT_SECONDS, f"{STOP_AFTER} products committed")
    os.killpg(importer.pid, signal.SIGTERM)
    assert importer.wait(WAIT_SECONDS) == 128 + signal.SIGTERM, _log(tmp_path)
    products, searchable, due = _consistent(tmp_path)
    assert STOP_AFTER <= products < COUNT, _log(tmp_path)
    assert searchable >= products - BATCH_SIZE, (products, searchable, due, _log(tmp_path))
    assert "stopped." in _log(tmp_path)


def test_a_killed_importer_leaves_a_state_the_relay_finishes(tmp_path: Path):
    importer = _start_import(tmp_path)
    eventually(lambda: _products(tmp_path) >= STOP_AFTER, WAIT_SECONDS, f"{STOP_AFTER} products committed")
    indexer, reader = _indexer_pid(importer.pid), _child_named(importer.pid, "aisle-reader")
    importer.kill()
    importer.wait(WAIT_SECONDS)
    eventually(lambda: _ended(indexer), WAIT_SECONDS, "the indexing process to end")
    eventually(lambda: _ended(reader), WAIT_SECONDS, "the reading process to end")
    products, _searchable, _due = _consistent(tmp_path)
    assert STOP_AFTER <= products < COUNT
    _finish_with_a_rerun_and_the_relay(tmp_path)


def test_a_rerun_after_the_whole_import_was_killed_leaves_everything_searchable(tmp_path: Path):
    """The importer killed with its indexing process (the OOM killer, a container stopped): what was committed is
    owed by events held for the import, and the rerun skips those products by SKU. It indexes them itself: with
    no server running, nothing else would."""
    importer = _start_import(tmp_path)
    eventually(lambda: _products(tmp_path) >= STOP_AFTER, WAIT_SECONDS, f"{STOP_AFTER} products committed")
    indexer = _indexer_pid(importer.pid)
    os.killpg(importer.pid, signal.SIGKILL)
    importer.wait(WAIT_SECONDS)
    eventually(lambda: _ended(indexer), WAIT_SECONDS, "the indexing process to end")
    products, searchable, _due = _consistent(tmp_path)
    assert searchable < products < COUNT, _log(tmp_path)
    rerun = _start_import(tmp_path)
    assert rerun.wait(WAIT_SECONDS) == 0, _log(tmp_path)
    # its summary (and its progress bar's total) counts what it indexed for the killed run: at least what was not
    # searchable, and a batch indexed but not yet marked so when the kill came is indexed again
    left = re.search(r"indexed (\d+) that a stopped import had left", _log(tmp_path))
    assert left is not None and int(left.group(1)) >= products - searchable, _log(tmp_path)
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    try:
        assert app.search_engine.count() == app.catalog.count_active() == COUNT, _log(tmp_path)
        with app.uow(readonly=True) as uow:
            assert uow.outbox.pending_count() == 0
    finally:
        app.stop()


def test_a_killed_indexing_process_leaves_the_rest_to_the_relay(tmp_path: Path):
    importer = _start_import(tmp_path)
    eventually(lambda: _products(tmp_path) >= STOP_AFTER, WAIT_SECONDS, f"{STOP_AFTER} products committed")
    os.kill(_indexer_pid(importer.pid), signal.SIGKILL)
    assert importer.wait(WAIT_SECONDS) == 0, _log(tmp_path)  # the import itself goes on to the end
    assert _log(tmp_path).count("indexing process stopped") == 1  # said once, not once per batch after
    products, searchable, due = _consistent(tmp_path)
    assert products == COUNT and searchable < COUNT and due > 0
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    try:
        app.relay.drain()  # due at once: handed back when the importer saw its indexer gone
        assert app.search_engine.count() == COUNT
    finally:
        app.stop()


def _ended(pid: int) -> bool:
    """Gone, or a zombie (exited, not yet reaped by its parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _a_chunk_and_three_then_broken() -> Iterator[ProductRecord]:
    yield from generate_catalog(CHUNK + 3, with_reviews=False)
    raise ValueError(f"line {CHUNK + 4}: not JSON")


def test_records_are_prepared_in_a_child_in_order_and_its_errors_reach_the_importer():
    in_order = [item.content.title for item in prepared_in_child(partial(generate_catalog, 600, 5))]
    assert in_order == [record.data["title"] for record in generate_catalog(600, 5)]
    seen = []
    with pytest.raises(ReadError, match=f"line {CHUNK + 4}: not JSON"):
        for item in prepared_in_child(_a_chunk_and_three_then_broken):
            seen.append(item)
    assert len(seen) == CHUNK  # the chunk the error broke is not imported, as a batch broken so is not in one process


def test_an_importer_killed_halfway_through_sending_a_batch_leaves_the_indexer_an_end(tmp_path: Path):
    """A batch larger than the pipe is written in parts; the importer killed between two parts must not leave the
    indexing process waiting for the rest forever (it would hold the Tantivy writer's lock)."""
    context = multiprocessing.get_context("spawn")
    requests = context.Queue()
    # The child sends one batch bigger than a pipe holds, then ends: its exit waits for the pipe to take the rest.
    importer = context.Process(target=requests.put, args=(IndexRequest(list(range(200_000)), []),))
    importer.start()
    _only_read(requests)
    assert requests._reader.poll(WAIT_SECONDS), "the batch's first part never came"
    os.kill(importer.pid, signal.SIGKILL)
    importer.join()
    got: list[IndexRequest] = []
    reading = threading.Thread(target=lambda: got.extend(_requests_until_finished(requests, importer)), daemon=True)
    reading.start()
    reading.join(WAIT_SECONDS)
    assert not reading.is_alive(), "the indexer still waits for the rest of a batch whose sender is dead"
    assert got == []
