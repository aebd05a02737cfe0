"""A long-running process leaves what it built at startup out of later collections (run in a child process: the
test process's own collector is left as it is)."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import gc
from aisle.entrypoints.heap import GEN1_COLLECTIONS_PER_FULL, settle_heap
kept = [[n] for n in range(50_000)]  # what a server keeps for its life
settle_heap()
assert gc.get_freeze_count() >= len(kept)
assert all(obj is not kept for obj in gc.get_objects())  # no longer walked by any collection
assert gc.get_threshold()[2] == GEN1_COLLECTIONS_PER_FULL
cycle = []; cycle.append(cycle); del cycle  # garbage made afterwards is still collected
assert gc.collect() >= 1
print("ok")
"""


def test_settle_heap_freezes_what_was_built_and_makes_full_collections_rarer():
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
