"""Autocomplete learns a query only from several distinct clients, and only queries that found something."""

from __future__ import annotations

import threading

from aisle.services.search.popular import MIN_CLIENTS, PopularQueries


def test_one_client_repeating_a_query_plants_nothing():
    popular = PopularQueries()
    for _ in range(100):
        popular.record("samsng galxy", 5, client="10.0.0.1")
    assert popular.top() == []


def test_several_clients_make_a_suggestion():
    popular = PopularQueries()
    for n in range(MIN_CLIENTS):
        popular.record("Galaxy  S7", 5, client=f"10.0.0.{n}")
    assert popular.top() == [("galaxy s7", MIN_CLIENTS)]


def test_queries_that_found_nothing_are_not_learned():
    popular = PopularQueries()
    for n in range(10):
        popular.record("nothing here", 0, client=f"10.0.0.{n}")
    assert popular.top() == []


def test_most_run_first():
    popular = PopularQueries(min_clients=2)
    for n in range(4):
        popular.record("case", 9, client=f"c{n}")
    for n in range(2):
        popular.record("charger", 9, client=f"c{n}")
    assert popular.top() == [("case", 4), ("charger", 2)]
    assert popular.top(limit=1) == [("case", 4)]


def test_one_client_repeating_a_query_does_not_lift_it_above_what_more_clients_ran():
    popular = PopularQueries(min_clients=2)
    for n in range(3):
        popular.record("otterbox defender", 9, client=f"shopper-{n}")
    for _ in range(200):
        popular.record("zagg gold", 9, client="bot")
    popular.record("zagg gold", 9, client="shopper-0")
    assert popular.top() == [("otterbox defender", 3), ("zagg gold", 2)]


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
