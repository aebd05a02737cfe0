"""PostgreSQL going away under a warm pool (a restart, a failover, pg_terminate_backend) fails no request, with no
ping before each checkout (issue 10/11): the pool sees, without a round trip, that the server hung up on an idle
connection and opens a fresh one. The backends are really terminated, on this test's own connections only."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError

from aisle.adapters.sql.engine import make_engine
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.domain.events import Event
from aisle.domain.ids import SnowflakeIds
from aisle.services.clock import utc_now
from tests.conftest import postgres_url

POOL = 6


def _named_url(name: str) -> str:
    return make_url(postgres_url()).update_query_dict({"application_name": name}).render_as_string(False)


def _warm(engine: Engine, connections: int) -> None:
    """Opens ``connections`` at once (so the pool really holds that many), then gives them back."""
    held = [engine.connect() for _ in range(connections)]
    for connection in held:
        connection.execute(text("SELECT 1"))
    for connection in held:
        connection.close()


def _terminate_backends(application_name: str) -> int:
    admin = create_engine(postgres_url(), poolclass=None)
    try:
        with admin.connect() as connection:
            killed = connection.execute(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :n"),
                {"n": application_name},
            ).scalar_one()
            connection.commit()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # the backends are gone, so their sockets are closed
                connection.commit()  # pg_stat_activity is a snapshot per transaction
                left = connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"), {"n": application_name}
                ).scalar_one()
                if left == 0:
                    break
                time.sleep(0.05)
        return int(killed)
    finally:
        admin.dispose()


@pytest.fixture
def named_engine(_postgres_engine: Engine) -> Iterator[tuple[Engine, str]]:
    name = f"aisle-restart-{uuid.uuid4().hex[:8]}"
    engine = make_engine(_named_url(name), pool_size=POOL)
    yield engine, name
    engine.dispose()


def test_units_of_work_after_every_pooled_connection_was_terminated_all_succeed(named_engine):
    engine, name = named_engine
    opened: list[int] = []
    event.listen(engine, "connect", lambda *_args: opened.append(1))
    ids = SnowflakeIds(node_id=7)
    uow = sql_unit_of_work_factory(engine, ids.next_id, utc_now)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM outbox"))
    _warm(engine, POOL)
    assert len(opened) == POOL

    assert _terminate_backends(name) == POOL

    failures: list[BaseException] = []
    start = threading.Barrier(POOL * 2)

    def read_then_write(worker: int) -> None:
        start.wait()
        try:
            with uow(readonly=True) as reading:
                reading.outbox.pending_count()
            with uow() as writing:
                writing.record([Event("test.restart", worker, {"worker": worker})])
                writing.commit()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=read_then_write, args=(n,)) for n in range(POOL * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with engine.connect() as connection:
        written = connection.execute(text("SELECT count(*) FROM outbox WHERE name = 'test.restart'")).scalar_one()
    assert written == POOL * 2
    assert len(opened) >= 2 * POOL  # every terminated connection was replaced, none was used


def test_without_the_checkout_check_a_terminated_connection_fails_its_first_statement(_postgres_engine):
    """The control: the same termination really breaks a pooled connection that nobody checks."""
    name = f"aisle-restart-{uuid.uuid4().hex[:8]}"
    plain = create_engine(_named_url(name), pool_size=1, max_overflow=0, pool_pre_ping=False)
    try:
        _warm(plain, 1)
        assert _terminate_backends(name) == 1
        with pytest.raises(OperationalError), plain.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        plain.dispose()
