"""The garbage collector in long-running processes (API servers and workers).

A full collection walks every object the collector tracks while holding the GIL, so every request in flight waits
for it. Measured on these 2-core machines with the demo catalog (bench/reports/gc-pauses.md): what a server holds
once started (modules, the container, the app: ~180,000 objects) takes 60-140 ms to walk; under search load the
kept pages and caches reached the oldest generation fast enough for a full collection every ~5 s, each 70-215 ms.
"""

from __future__ import annotations

import gc

GEN1_COLLECTIONS_PER_FULL = 100  # CPython's default is 10


def settle_heap() -> None:
    """Called once a process has built what it keeps for its life. Those objects are frozen: left out of every
    later collection (reference counting still frees them; only a cycle among them would stay). Full collections
    are made ten times rarer; the young generations are collected as often as before."""
    gc.collect()
    gc.freeze()
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, GEN1_COLLECTIONS_PER_FULL)
