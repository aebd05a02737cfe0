"""A database that cannot be used at all is DatabaseUnavailable (the API's 503 with Retry-After), not an unexpected
error: PostgreSQL down or out of connections, SQLite's write lock kept by another process past the wait. Real
servers and a real second process; nothing is changed by the write that was refused. And a PostgreSQL that
acknowledges commits before they are on disk is warned of at startup."""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from aisle.adapters.sql.engine import READONLY, make_engine, warn_if_commits_may_be_lost
from aisle.adapters.sql.migrate import upgrade_to_head
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.domain.ids import SnowflakeIds
from aisle.services.clock import utc_now
from aisle.services.ports import ConnectionLost, DatabaseUnavailable
from tests.conftest import postgres_url
from tests.support.sqlite_lock import write_lock_held_by_another_process


def test_sqlite_write_lock_kept_past_the_wait_is_unavailable_and_changes_nothing(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'held.db'}", lock_wait_seconds=0.3)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
        connection.execute(text("INSERT INTO notes VALUES ('before')"))
    with write_lock_held_by_another_process(tmp_path / "held.db"):
        with pytest.raises(DatabaseUnavailable, match="write lock"), engine.begin() as connection:
            connection.execute(text("INSERT INTO notes VALUES ('refused')"))
        with engine.connect().execution_options(**{READONLY: True}) as connection:  # reads go on (WAL)
            assert connection.execute(text("SELECT body FROM notes")).scalars().all() == ["before"]
    with engine.begin() as connection:  # the lock let go: writes work again
        connection.execute(text("INSERT INTO notes VALUES ('after')"))
        assert connection.execute(text("SELECT body FROM notes")).scalars().all() == ["before", "after"]


def test_a_unit_of_work_refused_the_write_lock_gives_its_connection_back(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", lock_wait_seconds=0.2)
    upgrade_to_head(engine)
    uow = sql_unit_of_work_factory(engine, SnowflakeIds(1).next_id, utc_now)
    with write_lock_held_by_another_process(tmp_path / "pool.db"):
        for _ in range(3):
            with pytest.raises(DatabaseUnavailable), uow():
                pass
            assert engine.pool.checkedout() == 0  # not leaked to the garbage collector
        with uow(readonly=True) as reading:
            assert reading.products.get(1) is None
    assert engine.pool.checkedout() == 0


def test_a_unit_of_work_finding_no_free_connection_is_unavailable(tmp_path: Path):
    """Every pooled connection busy past the pool's wait: the same 503 as a database that cannot be used."""
    engine = create_engine(f"sqlite:///{tmp_path / 'full.db'}", pool_size=1, max_overflow=0, pool_timeout=0.1)
    uow = sql_unit_of_work_factory(engine, SnowflakeIds(1).next_id, utc_now)
    with engine.connect(), pytest.raises(DatabaseUnavailable, match="no database connection came free"), uow():
        pass
    with uow(readonly=True):  # the one connection given back: a unit of work gets it
        assert engine.pool.checkedout() == 1
    assert engine.pool.checkedout() == 0


def _port_nobody_listens_on() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_postgresql_that_refuses_connections_is_unavailable():
    down = make_url(postgres_url()).set(port=_port_nobody_listens_on()).render_as_string(hide_password=False)
    with pytest.raises(DatabaseUnavailable, match="refused"), make_engine(down).connect() as connection:
        connection.execute(text("SELECT 1"))


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word, as a hung server or a broken network path does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@pytest.mark.timeout(60)  # without a connect timeout, the connection waits for an answer until the test times out
def test_postgresql_that_never_answers_is_unavailable(silent_server: int):
    hung = make_url(postgres_url()).set(port=silent_server).render_as_string(hide_password=False)
    with pytest.raises(DatabaseUnavailable, match="timeout"), make_engine(hung).connect() as connection:
        connection.execute(text("SELECT 1"))


@pytest.fixture
def database_out_of_connections() -> Iterator[str]:
    """A database of our own whose connection limit is 0: PostgreSQL answers too_many_connections (53300)."""
    name = f"aisle_full_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" CONNECTION LIMIT 0'))
    try:
        yield make_url(postgres_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


def test_postgresql_out_of_connections_is_unavailable(database_out_of_connections: str):
    engine = make_engine(database_out_of_connections)
    with pytest.raises(DatabaseUnavailable, match="too many connections"), engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def test_a_postgresql_that_acknowledges_commits_before_they_are_on_disk_is_warned_of(caplog):
    lax = make_url(postgres_url()).update_query_dict({"options": "-c synchronous_commit=off"})
    assert warn_if_commits_may_be_lost(make_engine(lax.render_as_string(hide_password=False))) is True
    assert "synchronous_commit is off" in caplog.text
    caplog.clear()
    strict = make_url(postgres_url()).update_query_dict({"options": "-c synchronous_commit=on"})
    assert warn_if_commits_may_be_lost(make_engine(strict.render_as_string(hide_password=False))) is False
    assert caplog.text == ""


def test_sqlite_is_not_warned_of(tmp_path: Path):
    assert warn_if_commits_may_be_lost(make_engine(f"sqlite:///{tmp_path / 'x.db'}")) is False


def test_a_postgresql_backend_that_hangs_mid_statement_is_a_lost_connection_within_the_deadline():
    """A server process that stops (SIGSTOP: the kernel still acknowledges everything, so no TCP bound trips)
    would hold the request for as long as it hangs; the statement deadline cuts its connection instead."""
    engine = make_engine(postgres_url(), statement_deadline_seconds=1.0)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            os.kill(backend, signal.SIGSTOP)
            try:
                started = time.monotonic()
                with pytest.raises(ConnectionLost):
                    connection.execute(text("SELECT 1"))
                waited = time.monotonic() - started
            finally:
                os.kill(backend, signal.SIGCONT)
        assert waited < 30  # the deadline is 1 s and the watch looks twice a second; unbounded before
        with engine.connect() as fresh:  # the pool replaced the cut connection
            assert fresh.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
