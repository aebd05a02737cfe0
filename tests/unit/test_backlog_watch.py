"""BacklogWatch: how many events wait for the index builder's consumer group and since when, from readings of
the stream's offsets (a fake stream and clock here; tests/contract/test_event_stream.py reads real Kafka)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aisle.services.maintenance import Backlog, BacklogWatch
from aisle.services.ports import BusUnavailable, Positions

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
BACKLOG_READ_EVERY = timedelta(seconds=2)


class Stream:
    def __init__(self) -> None:
        self.positions: Positions = {}
        self.reads = 0
        self.down = False

    def read(self) -> Positions:
        self.reads += 1
        if self.down:
            raise BusUnavailable("brokers unreachable")
        return self.positions


def at_once(reading: Callable[[], None]) -> None:
    """Takes the reading now, not in a thread."""
    reading()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> None:
        self.now += BACKLOG_READ_EVERY


def test_the_oldest_reading_not_yet_committed_past_dates_the_backlog():
    stream, clock = Stream(), Clock()
    watch = BacklogWatch(
        stream.read, clock, BACKLOG_READ_EVERY, start=lambda reading: reading()
    )  # read at once, not in a thread
    stream.positions = {"p0": (10, 10), "p1": (4, 4)}
    assert watch.backlog() == Backlog(0, None)

    clock.tick()
    stream.positions = {"p0": (10, 15), "p1": (4, 4)}  # 5 events published, none taken
    first_seen = clock.now
    assert watch.backlog() == Backlog(5, first_seen)

    clock.tick()
    stream.positions = {"p0": (12, 18), "p1": (4, 6)}  # the builder took 2; 6 more came
    assert watch.backlog() == Backlog(8, first_seen)  # some of the first 5 still wait

    clock.tick()
    stream.positions = {"p0": (15, 18), "p1": (4, 6)}  # past where p0 ended at first sight, not past the second
    assert watch.backlog() == Backlog(5, first_seen + BACKLOG_READ_EVERY)

    clock.tick()
    stream.positions = {"p0": (18, 18), "p1": (6, 6)}
    assert watch.backlog() == Backlog(0, None)


def test_readings_are_spaced_and_an_unreadable_stream_is_no_backlog():
    stream, clock = Stream(), Clock()
    watch = BacklogWatch(
        stream.read, clock, BACKLOG_READ_EVERY, start=lambda reading: reading()
    )  # read at once, not in a thread
    stream.positions = {"p0": (0, 7)}
    assert watch.backlog() == Backlog(7, T0)
    stream.positions = {"p0": (0, 9)}
    clock.now += BACKLOG_READ_EVERY / 2
    assert watch.backlog() == Backlog(7, T0)  # within the interval: the last reading, the brokers not asked
    assert stream.reads == 1

    clock.tick()
    stream.down = True
    assert watch.backlog() == Backlog(0, None, unreadable=True)  # a broker down: nothing can reach the index
    clock.tick()
    stream.down = False
    assert watch.backlog() == Backlog(9, clock.now)  # dated afresh: what it saw before the outage is forgotten
    assert stream.reads == 3


def test_a_probe_never_waits_for_a_reading_and_one_runs_at_a_time():
    stream, clock, started = Stream(), Clock(), []
    watch = BacklogWatch(
        stream.read, clock, BACKLOG_READ_EVERY, start=started.append
    )  # readings held back, as a slow broker would
    stream.positions = {"p0": (0, 4)}
    assert watch.backlog() == Backlog(0, None)  # the last reading (none yet), at once
    clock.tick()
    assert watch.backlog() == Backlog(0, None)
    assert len(started) == 1 and stream.reads == 0  # no second reading while the first is out
    started.pop()()
    assert watch.backlog() == Backlog(4, T0)  # dated when it was asked for


def test_the_first_probe_after_a_quiet_spell_gets_a_fresh_reading_not_one_from_minutes_ago():
    """A reading is asked for by a probe: with no probe for 90 s, the last one said 60 events waited that the
    builder indexed long since. A reading that old is waited for (briefly), not handed out."""
    stream, clock = SlowStream(), Clock()
    watch = BacklogWatch(stream.read, clock, BACKLOG_READ_EVERY)  # each reading in a thread, as in a server
    stream.positions = {"p0": (0, 60)}
    watch.backlog()
    deadline = time.monotonic() + 10
    while watch.backlog() != Backlog(60, T0) and time.monotonic() < deadline:
        time.sleep(0.01)
    stream.positions = {"p0": (60, 60)}
    clock.now += timedelta(seconds=90)
    assert watch.backlog() == Backlog(0, None)


class SlowStream(Stream):
    def read(self) -> Positions:
        time.sleep(0.05)  # a broker's answer takes a moment: a reading in a thread ends after the probe asked
        return super().read()


def test_a_stale_reading_is_waited_for_only_briefly_when_the_broker_is_slow():
    stream, clock, started = Stream(), Clock(), []
    watch = BacklogWatch(stream.read, clock, BACKLOG_READ_EVERY, start=started.append)
    stream.positions = {"p0": (0, 60)}
    watch.backlog()
    started.pop()()  # the first reading
    clock.now += timedelta(seconds=90)
    assert watch.backlog() == Backlog(60, T0)  # the new reading hangs: after the wait, the last one all the same
    assert len(started) == 1
