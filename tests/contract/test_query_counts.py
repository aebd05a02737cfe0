"""Autocomplete's popular queries on both stores (this process's memory, and Redis shared by every API process):
a query is suggested once enough distinct clients ran it, one client repeating a query counts once, and in Redis
the clients of all processes count together."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from aisle.adapters.cache.redis_query_counts import RedisQueryCounts
from aisle.services.search.popular import MemoryQueryCounts, PopularQueries, QueryCounts
from tests.conftest import forget_namespace, redis_url

MakeCounts = Callable[..., QueryCounts]


@pytest.fixture
def make_redis_counts() -> Iterator[Callable[..., RedisQueryCounts]]:
    url = redis_url()  # here, not in make: without Redis the test skips, rather than each of its threads failing
    namespace, made = f"test-popular-{uuid.uuid4().hex}", []

    def make(**options: object) -> RedisQueryCounts:
        counts = RedisQueryCounts(url, namespace, socket_timeout=1.0, **options)  # type: ignore[arg-type]
        made.append(counts)
        return counts

    yield make
    forget_namespace(url, namespace)
    for counts in made:
        counts.close()


@pytest.fixture(params=["memory", "redis"])
def make_counts(request: pytest.FixtureRequest) -> MakeCounts:
    """Each call is one process's view of the counts: in memory every view is the same store (one process);
    in Redis each is a new client of the shared keys (another process)."""
    if request.param == "memory":
        shared = MemoryQueryCounts()
        return lambda: shared
    return request.getfixturevalue("make_redis_counts")


def test_one_client_repeating_a_query_plants_nothing(make_counts: MakeCounts):
    popular = PopularQueries(counts=make_counts())
    for _ in range(50):
        popular.record("samsng galxy", 5, client="10.0.0.1")
    assert popular.top() == []


def test_several_clients_make_a_suggestion_in_its_normal_form(make_counts: MakeCounts):
    popular = PopularQueries(counts=make_counts())
    for n in range(3):
        popular.record("Galaxy  S7", 5, client=f"10.0.0.{n}")
        popular.record("nothing found", 0, client=f"10.0.0.{n}")  # found nothing: never learned
    assert popular.top() == [("galaxy s7", 3)]


def test_the_query_more_clients_ran_comes_first_whatever_one_client_repeats(make_counts: MakeCounts):
    popular = PopularQueries(min_clients=2, counts=make_counts())
    for n in range(4):
        popular.record("otterbox defender", 9, client=f"shopper-{n}")
    for _ in range(100):
        popular.record("zagg gold", 9, client="bot")
    popular.record("zagg gold", 9, client="shopper-0")
    assert popular.top() == [("otterbox defender", 4), ("zagg gold", 2)]
    assert popular.top(limit=1) == [("otterbox defender", 4)]


def test_redis_counts_the_clients_of_every_process_together(make_redis_counts: Callable[..., RedisQueryCounts]):
    first, second = PopularQueries(counts=make_redis_counts()), PopularQueries(counts=make_redis_counts())
    first.record("usb c cable", 4, client="shopper-1")
    second.record("usb c cable", 4, client="shopper-2")
    second.record("usb c cable", 4, client="shopper-1")  # the same shopper, served by the other process
    assert first.top() == []  # two distinct clients so far
    third = PopularQueries(counts=make_redis_counts())  # e.g. a process started later
    first.record("usb c cable", 4, client="shopper-3")
    assert third.top() == [("usb c cable", 3)]


def test_redis_keeps_a_bounded_number_of_queries(make_redis_counts: Callable[..., RedisQueryCounts]):
    counts = make_redis_counts(max_tracked=10)
    popular = PopularQueries(min_clients=1, counts=counts)
    for n in range(40):
        popular.record(f"query {n:02d}", 1, client="shopper")
    kept = PopularQueries(min_clients=1, counts=make_redis_counts(max_tracked=10)).top()
    assert 5 <= len(kept) <= 10


def test_concurrent_clients_in_many_threads_are_each_counted_once(make_counts: MakeCounts):
    def run(thread: int) -> None:
        popular = PopularQueries(counts=make_counts())
        for client in range(50):
            for _ in range(4):
                popular.record("phone case", 3, client=f"client-{thread}-{client}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = make_counts()
    ((query, clients),) = PopularQueries(counts=counts).top()
    assert query == "phone case"
    if isinstance(counts, MemoryQueryCounts):
        assert clients == 400
    else:
        assert abs(clients - 400) <= 8, clients  # a HyperLogLog's estimate: exact or within 2% at this size


def test_a_dead_redis_learns_nothing_and_never_fails_a_search():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    counts = RedisQueryCounts(f"redis://127.0.0.1:{port}/0", "test-dead")
    popular = PopularQueries(counts=counts)
    for n in range(20):
        popular.record("phone case", 3, client=f"client-{n}")
    assert popular.top() == []
    counts.close()
