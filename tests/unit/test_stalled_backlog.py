"""The index builders' backlog in the stream counts as behind only while their group stands still."""

from __future__ import annotations

from aisle.services.maintenance import StalledBacklog
from aisle.services.ports import BusUnavailable, GroupBacklog


class Readings:
    def __init__(self) -> None:
        self.now = 100.0
        self.backlog = GroupBacklog(0, 0)
        self.down = False

    def read(self) -> GroupBacklog:
        if self.down:
            raise BusUnavailable("brokers unreachable")
        return self.backlog

    def clock(self) -> float:
        return self.now


def _watch(readings: Readings) -> StalledBacklog:
    return StalledBacklog(readings.read, clock=readings.clock)


def test_never_read_is_nothing_waiting():
    watch = _watch(Readings())
    assert watch() == (0, 0.0)
    assert not watch.known


def test_events_waiting_behind_a_group_that_moves_are_not_stalled():
    readings = Readings()
    watch = _watch(readings)
    for step in range(10):
        readings.backlog = GroupBacklog(waiting=50, position=1_000 + step * 40)
        readings.now += 2
        watch.refresh()
        assert watch() == (50, 0.0)


def test_events_waiting_behind_a_group_that_stands_still_are_stalled_for_as_long_as_it_does():
    readings = Readings()
    watch = _watch(readings)
    readings.backlog = GroupBacklog(waiting=3, position=500)
    watch.refresh()
    assert watch() == (3, 0.0)
    readings.now += 5
    watch.refresh()
    assert watch() == (3, 5.0)
    readings.now += 0.5  # no reading since: the last one, older
    readings.backlog = GroupBacklog(waiting=0, position=503)
    assert watch() == (3, 5.5)
    watch.refresh()
    assert watch() == (0, 0.0)


def test_a_group_that_never_committed_stands_still_from_the_first_reading():
    readings = Readings()
    watch = _watch(readings)
    readings.backlog = GroupBacklog(waiting=3, position=0)  # every index builder stopped before its first commit
    watch.refresh()
    assert watch() == (3, 0.0)
    readings.now += 4
    assert watch() == (3, 4.0)


def test_a_stream_that_cannot_be_asked_reads_as_nothing_waiting():
    readings = Readings()
    watch = _watch(readings)
    readings.backlog = GroupBacklog(waiting=3, position=500)
    watch.refresh()
    readings.now += 5
    readings.down = True
    watch.refresh()
    assert watch() == (0, 0.0)
    assert not watch.known
    readings.down = False
    readings.now += 5
    watch.refresh()
    assert watch() == (3, 0.0)  # unseen meanwhile: a stand-still counts from when it is seen again
