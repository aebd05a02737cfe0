from __future__ import annotations

import threading

import pytest

from aisle.domain.ids import MAX_NODE, SnowflakeIds, id_node, id_timestamp_ms


def test_ids_are_unique_and_increasing_across_threads():
    ids = SnowflakeIds(node_id=3)
    per_thread: list[list[int]] = [[] for _ in range(4)]

    def take(bucket: list[int]) -> None:
        for _ in range(20_000):
            bucket.append(ids.next_id())

    threads = [threading.Thread(target=take, args=(bucket,)) for bucket in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [i for bucket in per_thread for i in bucket]
    assert len(set(everything)) == 80_000
    for bucket in per_thread:
        assert bucket == sorted(bucket)


def test_two_nodes_never_collide_even_in_the_same_millisecond():
    frozen = lambda: 1_800_000_000_000  # noqa: E731
    first, second = SnowflakeIds(1, clock_ms=frozen), SnowflakeIds(2, clock_ms=frozen)
    assert first.next_id() != second.next_id()


def test_an_id_carries_its_time_and_node():
    ids = SnowflakeIds(node_id=MAX_NODE, clock_ms=lambda: 1_800_000_000_123)
    value = ids.next_id()
    assert id_timestamp_ms(value) == 1_800_000_000_123
    assert id_node(value) == MAX_NODE
    assert 0 < value < 2**63


def test_a_clock_going_backwards_does_not_repeat_ids():
    times = iter([1_800_000_000_500, 1_800_000_000_100, 1_800_000_000_100])
    ids = SnowflakeIds(node_id=1, clock_ms=lambda: next(times))
    first, second = ids.next_id(), ids.next_id()
    assert second > first


def test_node_id_out_of_range_is_refused():
    with pytest.raises(ValueError, match="node_id"):
        SnowflakeIds(node_id=MAX_NODE + 1)
