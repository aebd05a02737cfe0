"""QuietRepeats: librdkafka's line per reconnect attempt while a broker is down goes through once, then once
every interval saying how many like it were held back."""

from __future__ import annotations

import logging

from aisle.adapters.bus.kafka import QuietRepeats

REFUSED = "FAIL [aisle#consumer-2] 127.0.0.1:9092/bootstrap: Connect failed: Connection refused (after %dms)"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("aisle.adapters.bus.kafka.client", logging.ERROR, __file__, 1, message, args, None)


def test_lines_differing_only_in_numbers_pass_once_an_interval_saying_how_many_were_held():
    clock = Clock()
    quiet = QuietRepeats(every=30.0, clock=clock)
    passed = []
    for attempt in range(200):
        clock.now += 0.1  # ten reconnect attempts a second, for 20 s
        line = record(REFUSED, attempt)
        if quiet.filter(line):
            passed.append(line.getMessage())
    assert passed == [REFUSED % 0]
    clock.now += 10.5  # past 30 s since the first went through
    line = record(REFUSED, 7)
    assert quiet.filter(line) and line.getMessage() == REFUSED % 7 + " (199 more like it held back)"
    assert not quiet.filter(record(REFUSED, 8))


def test_a_line_of_another_kind_goes_through_at_once():
    clock = Clock()
    quiet = QuietRepeats(every=30.0, clock=clock)
    assert quiet.filter(record(REFUSED, 1))
    assert quiet.filter(record("FAIL [aisle#consumer-2] GroupCoordinator: Disconnected (after %dms in state UP)", 5))
    assert not quiet.filter(record(REFUSED, 2))
