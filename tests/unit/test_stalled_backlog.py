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


def test_events_waiting_behind_a_group_that_moves_are_not_stalled():
    readings = Readings()
    watch = StalledBacklog(readings.read, every_seconds=1.0, clock=readings.clock)
    for step in range(10):
        readings.backlog = GroupBacklog(waiting=50, position=1_000 + step * 40)
        readings.now += 2
        assert watch() == (50, 0.0)


def test_events_waiting_behind_a_group_that_stands_still_are_stalled_for_as_long_as_it_does():
    readings = Readings()
    watch = StalledBacklog(readings.read, every_seconds=1.0, clock=readings.clock)
    readings.backlog = GroupBacklog(waiting=3, position=500)
    assert watch() == (3, 0.0)
    readings.now += 5
    assert watch() == (3, 5.0)
    readings.now += 0.5  # read again only after every_seconds: the last reading, older
    readings.backlog = GroupBacklog(waiting=0, position=503)
    assert watch() == (3, 5.5)
    readings.now += 1
    assert watch() == (0, 0.0)


def test_a_group_that_never_committed_stands_still_from_the_first_reading():
    readings = Readings()
    watch = StalledBacklog(readings.read, every_seconds=1.0, clock=readings.clock)
    readings.backlog = GroupBacklog(waiting=3, position=0)  # every index builder stopped before its first commit
    assert watch() == (3, 0.0)
    readings.now += 4
    assert watch() == (3, 4.0)


def test_a_stream_that_cannot_be_asked_reads_as_nothing_waiting():
    readings = Readings()
    watch = StalledBacklog(readings.read, every_seconds=1.0, clock=readings.clock)
    readings.backlog = GroupBacklog(waiting=3, position=500)
    watch()
    readings.now += 5
    readings.down = True
    assert watch() == (0, 0.0)
    readings.down = False
    readings.now += 5
    assert watch() == (3, 10.0)  # it stood still all along, unseen
