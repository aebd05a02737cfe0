"""The query vocabulary's loop rebuilds at most once per interval, however often the index marks it stale."""

from __future__ import annotations

import threading
import time

from aisle.bootstrap import paced
from aisle.services.outbox_relay import BackgroundLoop


def test_a_paced_step_waits_its_interval_while_it_keeps_being_marked_stale():
    stale, rebuilds = threading.Event(), [0]
    stale.set()

    def rebuild_if_stale() -> int:  # the contract of QueryUnderstanding.rebuild_if_stale: 1 when it rebuilt
        if not stale.is_set():
            return 0
        stale.clear()
        time.sleep(0.01)  # a rebuild takes a while (seconds at 1M products), and batches go on meanwhile
        rebuilds[0] += 1
        return 1

    loop = BackgroundLoop("vocabulary", paced(rebuild_if_stale), idle_seconds=3600)
    loop.start()
    try:
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:  # an index batch after another, as under a stream of stock changes
            stale.set()
            time.sleep(0.001)
    finally:
        loop.stop(timeout=5)
    assert rebuilds[0] == 1  # the first run at start; the next would come an interval later


def test_a_failing_step_is_logged_under_its_workers_name(caplog):
    failed = threading.Event()

    def step() -> int:
        failed.set()
        raise RuntimeError("OpenSearch unreachable")

    loop = BackgroundLoop("index-builder", step, idle_seconds=3600)
    with caplog.at_level("ERROR", logger="aisle.loop.index-builder"):
        loop.start()
        assert failed.wait(5)
        loop.stop()
    assert [r.name for r in caplog.records] == ["aisle.loop.index-builder"]
    assert "index-builder step failed (1 in a row)" in caplog.records[0].getMessage()
