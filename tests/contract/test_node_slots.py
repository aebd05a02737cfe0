"""Snowflake node ids are held by live processes, never handed to two at once, however many came before (issue 11:
ids were leased as an autoincrement modulo 1,024, so the 1,025th process shared a node id with the first)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine

from aisle.adapters.sql.engine import make_engine
from aisle.adapters.sql.node_slots import SLOTS, AllSlotsTaken, hold_node_slot

PROCESSES = SLOTS + 100  # more short-lived processes than there are node ids


def _short_lived_processes(url: str, count: int, at_once: int = 4) -> list[int]:
    """Forks ``count`` processes (forking is cheap: no interpreter start-up), ``at_once`` alive at a time. Each one
    takes a slot, writes its node id to a pipe and exits without any clean-up, as a killed process would."""
    read_end, write_end = os.pipe()
    alive: set[int] = set()
    for _ in range(count):
        if len(alive) >= at_once:
            alive.discard(os.wait()[0])
        pid = os.fork()
        if pid == 0:  # the child: its whole life
            code = 1
            try:
                os.write(write_end, f"{hold_node_slot(make_engine(url, pool_size=1)).node_id}\n".encode())
                code = 0
            finally:
                os._exit(code)
        alive.add(pid)
    failures = 0
    while alive:
        pid, status = os.wait()
        alive.discard(pid)
        failures += status != 0
    os.close(write_end)
    with os.fdopen(read_end) as results:
        seen = [int(line) for line in results.read().split()]
    assert failures == 0
    return seen


def test_many_short_lived_processes_never_share_a_live_node_id(engine: Engine):
    url = engine.url.render_as_string(hide_password=False)
    held = hold_node_slot(engine)  # a long-lived process, like a server, for the whole test
    try:
        seen = _short_lived_processes(url, PROCESSES)
    finally:
        held.release()
    assert len(seen) == PROCESSES
    assert held.node_id not in seen  # nobody was given the id a live process holds
    assert all(0 <= node < SLOTS for node in seen)


def test_a_released_slot_is_free_again_and_two_holders_differ(engine: Engine):
    first = hold_node_slot(engine)
    second = hold_node_slot(engine)
    assert first.node_id != second.node_id
    first.release()
    second.release()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_when_every_slot_is_held_a_process_says_so(engine: Engine):
    held = [hold_node_slot(engine) for _ in range(SLOTS)]
    try:
        assert len({slot.node_id for slot in held}) == SLOTS
        with pytest.raises(AllSlotsTaken):
            hold_node_slot(make_engine(engine.url.render_as_string(hide_password=False)))
    finally:
        for slot in held:
            slot.release()
