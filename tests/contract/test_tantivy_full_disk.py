"""A Tantivy index written through a full disk: the writes that failed are written again, as the relay redelivers
their events, and once the disk has room every one of them is searchable. (Found with a server on a full tmpfs:
after one failed commit, Tantivy's writer went on reporting commits that never landed, and 44 new products stayed
out of search for good although their events counted as delivered.)

The full disk is a file-size limit (RLIMIT_FSIZE), in a child process so that nothing else in the test run is
limited: Tantivy's writes past it fail with EFBIG as they would with ENOSPC."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, random, resource, signal, sys
from dataclasses import replace
from pathlib import Path
from aisle.adapters.search.tantivy_engine import TantivyEngine
from tests.contract.test_search_engine import NOW, doc

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing the process
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
engine = TantivyEngine(Path(sys.argv[1]), lambda: NOW)
words = random.Random(7)
written, pending, failures = set(), [], 0
for batch_no in range(12):
    if batch_no == 4:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, hard))  # the disk fills up
    if batch_no == 8:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # and has room again
    fresh = [
        replace(doc(n, f"Trail Shoe {n}", "Acme", "50.00"),
                description=" ".join(str(words.random()) for _ in range(200)))
        for n in range(batch_no * 40 + 1, batch_no * 40 + 41)
    ]
    batch = pending + fresh
    try:
        engine.upsert(batch)
        engine.refresh()
    except Exception:
        failures += 1
        pending = batch  # not acknowledged, so written again with the next batch
    else:
        written |= {d.product_id for d in batch}
        pending = []
print(json.dumps({"failures": failures, "written": len(written), "searchable": engine.count()}))
"""


def test_writes_that_failed_on_a_full_disk_are_all_searchable_once_written_again(tmp_path: Path):
    root = Path(__file__).resolve().parents[2]
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "index")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    assert outcome["failures"] > 0, "the limit never made a write fail: this test tested nothing"
    assert outcome["written"] == 12 * 40
    assert outcome["searchable"] == outcome["written"]
