"""Snowflake node ids are held by live processes, never handed to two at once, however many came before (issue 11:
ids were leased as an autoincrement modulo 1,024, so the 1,025th process shared a node id with the first)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import Engine, text

from aisle.adapters.sql.engine import make_engine
from aisle.adapters.sql.node_slots import LOCK_CLASS, SLOTS, AllSlotsTaken, NodeIdTaken, hold_node_slot
from aisle.bootstrap import slot_watch
from tests.support.proxy import CuttableProxy

PROCESSES = SLOTS + 100  # more short-lived processes than there are node ids
# Each process costs PostgreSQL a backend of its own (4 min for the count above on a busy 2-core box), and every
# process takes the lowest free slot (four live at a time cycle through the first few), so after the first hundred
# the run only repeats itself: PostgreSQL gets fewer (300 took 140 s of CI's 25 min), SQLite's file locks the count
# above.
PROCESSES_ON_POSTGRES = 100


FORKER = """
import os, sys
from aisle.adapters.sql.engine import make_engine
from aisle.adapters.sql.node_slots import hold_node_slot

url, count, at_once = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
read_end, write_end = os.pipe()
alive, failures = set(), 0
for _ in range(count):
    if len(alive) >= at_once:
        pid, status = os.wait()
        alive.discard(pid)
        failures += status != 0
    pid = os.fork()
    if pid == 0:  # the child: its whole life
        code = 1
        try:
            os.write(write_end, f"{hold_node_slot(make_engine(url, pool_size=1)).node_id}\\n".encode())
            code = 0
        finally:
            os._exit(code)
    alive.add(pid)
while alive:
    pid, status = os.wait()
    alive.discard(pid)
    failures += status != 0
os.close(write_end)
with os.fdopen(read_end) as results:
    print(results.read(), end="")
sys.exit(1 if failures else 0)
"""


def _short_lived_processes(url: str, count: int, at_once: int = 4) -> list[int]:
    """Starts ``count`` processes, ``at_once`` alive at a time. Each one takes a slot, writes its node id and exits
    without any clean-up, as a killed process would. They are forked from a small interpreter of their own: forking
    the test runner itself (gigabytes by then) costs seconds per thousand processes in page tables alone."""
    done = subprocess.run(
        [sys.executable, "-c", FORKER, url, str(count), str(at_once)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return [int(line) for line in done.stdout.split()]


@pytest.mark.timeout(900)
def test_many_short_lived_processes_never_share_a_live_node_id(engine: Engine):
    url = engine.url.render_as_string(hide_password=False)
    count = PROCESSES_ON_POSTGRES if engine.dialect.name == "postgresql" else PROCESSES
    held = hold_node_slot(engine)  # a long-lived process, like a server, for the whole test
    try:
        seen = _short_lived_processes(url, count)
    finally:
        held.release()
    assert len(seen) == count
    assert held.node_id not in seen  # nobody was given the id a live process holds
    assert all(0 <= node < SLOTS for node in seen)


def test_a_released_slot_is_free_again_and_two_holders_differ(engine: Engine):
    first = hold_node_slot(engine)
    second = hold_node_slot(engine)
    assert first.node_id != second.node_id
    first.release()
    second.release()


def test_a_node_id_set_by_hand_is_held_too_and_a_second_process_with_it_is_refused(engine: Engine):
    held = hold_node_slot(engine, 500)  # AISLE_NODE_ID=500
    try:
        assert held.node_id == 500
        with pytest.raises(NodeIdTaken, match=r"node id 500 \(AISLE_NODE_ID\) is held by another live process"):
            hold_node_slot(make_engine(engine.url.render_as_string(hide_password=False)), 500)
        other = hold_node_slot(engine)
        other.release()
        assert other.node_id != 500  # nor is it given to a process that takes any free one
    finally:
        held.release()
    again = hold_node_slot(engine, 500)  # free again once its holder is gone
    again.release()


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


def _holder_of(engine: Engine, slot: int) -> int | None:
    """The backend pid holding ``slot``'s advisory lock, if any process holds it."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = :c AND objid = :s"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"  # not another db's
    )
    with engine.connect() as connection:
        return connection.execute(query, {"c": LOCK_CLASS, "s": slot}).scalar()


def _end_session_holding(engine: Engine, slot: int, pid: int | None = None) -> None:
    """What a PostgreSQL restart does to the slot's session (backend ``pid``, found if not given): ends it, and the
    lock with it. A session already ended by then (its connection seen closed) is fine."""
    pid = pid if pid is not None else _holder_of(engine, slot)
    assert pid is not None
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    for _ in range(200):
        if _holder_of(engine, slot) is None:
            return
        time.sleep(0.05)
    raise AssertionError(f"slot {slot} still held after its session was terminated")


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_hold_lost_with_its_session_is_taken_again(engine: Engine):
    held = hold_node_slot(engine)
    try:
        first_pid = _holder_of(engine, held.node_id)
        _end_session_holding(engine, held.node_id)
        assert held.keep()
        again = _holder_of(engine, held.node_id)
        assert again is not None and again != first_pid
    finally:
        held.release()
    assert _holder_of(engine, held.node_id) is None


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_hold_taken_by_another_process_meanwhile_is_reported_lost(engine: Engine):
    held = hold_node_slot(engine)
    _end_session_holding(engine, held.node_id)
    newcomer = hold_node_slot(make_engine(engine.url.render_as_string(hide_password=False), pool_size=1))
    try:
        assert newcomer.node_id == held.node_id  # the lowest free slot: the one the first process thought it held
        assert not held.keep()
    finally:
        newcomer.release()
        held.release()


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_hold_left_with_a_session_the_server_never_saw_end_is_taken_again(engine: Engine):
    url = engine.url
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    through = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    held = hold_node_slot(through)
    try:
        old_session = _holder_of(engine, held.node_id)
        proxy.cut(half_open=True)  # a network blip: this end sees its connection reset, the server does not
        proxy.restore()
        assert _holder_of(engine, held.node_id) == old_session  # the server still holds the lock for it
        deadline = time.monotonic() + 30
        while _holder_of(engine, held.node_id) == old_session and time.monotonic() < deadline:
            assert held.keep()  # never given up: the session holding it is this process's own
            time.sleep(0.05)
        again = _holder_of(engine, held.node_id)
        assert again is not None and again != old_session
        assert held.keep()
    finally:
        held.release()
        through.dispose()
        proxy.close()


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_hold_lost_in_an_outage_is_taken_again_after_it_not_passed_off_as_kept(engine: Engine):
    # the database unreachable for a while: the session ends, and with it the lock; keep() raises meanwhile, and
    # once the database is back it must hold the lock again (or say it lost it), never answer "kept" without it
    url = engine.url
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    through = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    held = hold_node_slot(through)
    try:
        session = _holder_of(engine, held.node_id)  # before the cut: the server may end it as soon as it sees it
        proxy.cut()
        _end_session_holding(engine, held.node_id, session)  # as the server does once it sees the connection gone
        for _ in range(3):  # as the slot watch tries, every few seconds, while the database is away
            with pytest.raises(Exception):  # noqa: B017 - whichever error the driver gives for a refused connection
                held.keep()
        proxy.restore()
        assert held.keep()
        assert _holder_of(engine, held.node_id) is not None
        assert held.keep()
    finally:
        held.release()
        through.dispose()
        proxy.close()


def test_a_live_hold_is_kept_and_a_released_one_is_not(engine: Engine):
    held = hold_node_slot(engine)
    assert held.keep()
    held.release()
    if engine.dialect.name == "sqlite":
        assert not held.keep()


def test_the_watch_stops_the_process_when_its_id_is_lost():
    class Lost:
        node_id = 7

        def keep(self) -> bool:
            return False

        def release(self) -> None: ...

    stopped = threading.Event()
    watch = slot_watch(Lost(), on_lost=stopped.set)
    watch.start()
    try:
        assert stopped.wait(timeout=30)
    finally:
        watch.stop()
