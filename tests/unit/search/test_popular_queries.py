"""Autocomplete's in-memory counts under many threads (the rules themselves run on both stores in
``tests/contract/test_query_counts.py``)."""

from __future__ import annotations

import threading

from aisle.services.search.popular import PopularQueries


def test_concurrent_recording_counts_each_client_once():
    popular = PopularQueries(min_clients=8)

    def run(thread: int) -> None:
        for client in range(50):
            for _ in range(10):
                popular.record("phone case", 3, client=f"client-{thread}-{client}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert popular.top() == [("phone case", 400)]
