"""Engines for SQLite (WAL, immediate write transactions) and PostgreSQL (pooled psycopg 3)."""

from __future__ import annotations

import logging
import select
import time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, exc, make_url, text

from aisle.adapters.sql.schema import metadata
from aisle.adapters.sql.stall_watch import STATEMENT_DEADLINE_SECONDS, StallWatch
from aisle.adapters.sql.write_gate import WriteGate, gated_connection_class
from aisle.services.ports import ConnectionLost, DatabaseUnavailable, StorageFull

READONLY = "aisle_readonly"
BUSY_SLACK_SECONDS = 0.05  # a gate taken this fast leaves SQLite its whole wait: no PRAGMA for every transaction
log = logging.getLogger(__name__)


def make_engine(
    url: str,
    pool_size: int = 10,
    lock_wait_seconds: float = 30.0,
    statement_deadline_seconds: float = STATEMENT_DEADLINE_SECONDS,
) -> Engine:
    """``lock_wait_seconds``: SQLite's longest wait for the write lock another writer holds.
    ``statement_deadline_seconds``: PostgreSQL's longest wait for a statement's answer (stall_watch.py)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, lock_wait_seconds)
    # No ping before each checkout (a round trip per transaction). Instead a checkout looks, without a round trip,
    # whether the server hung up on the pooled connection (a restart, pg_terminate_backend): if so the pool
    # replaces it with a fresh one and the unit of work never sees it. A connection that breaks under a running
    # transaction fails it with ConnectionLost, which the services retry like a lost compare-and-set.
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=900,
        connect_args={k: v for k, v in PG_CONNECTION_LIMITS.items() if k not in make_url(url).query},  # URL's win
    )

    StallWatch(statement_deadline_seconds).watch(engine)

    @event.listens_for(engine, "checkout")
    def _replace_if_hung_up(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if server_hung_up(dbapi_connection):
            raise exc.DisconnectionError("the server closed this pooled connection; the pool opens a new one")

    @event.listens_for(engine, "handle_error")
    def _classify(context: Any) -> None:
        error = context.original_exception
        if context.is_disconnect:
            raise ConnectionLost(str(error)[:200]) from error
        if context.connection is None or getattr(error, "sqlstate", None) in PG_CANNOT_CONNECT:
            raise DatabaseUnavailable(_one_line(error)) from error  # no connection yet: nothing ran
        _raise_if_out_of_space(error)

    return engine


# libpq's own bounds, so a server that stops answering fails a request with a 503 instead of holding its thread:
# a connection that gets no answer at all in 10 s gives up; on an open connection, the kernel ends it when sent
# data goes unacknowledged for 30 s or the peer stops answering keepalives (30 s idle, then 3 probes 10 s apart).
# The same keys in AISLE_DATABASE_URL's query ("?connect_timeout=3") win.
PG_CONNECTION_LIMITS = {
    "connect_timeout": 10,
    "tcp_user_timeout": 30_000,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
PG_DISK_FULL = "53100"  # SQLSTATE disk_full
PG_CANNOT_CONNECT = {"57P03", "53300"}  # cannot_connect_now (starting, stopping), too_many_connections
SQLITE_FULL = 13  # "database or disk is full"
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
SQLITE_BUSY_SNAPSHOT = 517  # a read turned write on an old snapshot: at once, not after a wait; retried as a conflict


def _raise_if_out_of_space(error: BaseException) -> None:
    if getattr(error, "sqlstate", None) == PG_DISK_FULL or getattr(error, "sqlite_errorcode", None) == SQLITE_FULL:
        raise StorageFull(str(error)[:200]) from error


def _raise_if_locked_too_long(error: BaseException) -> None:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED) and code != SQLITE_BUSY_SNAPSHOT:
        raise DatabaseUnavailable(f"{_one_line(error)}: another writer held the write lock past the wait") from error


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200]


def server_hung_up(dbapi_connection: Any) -> bool:
    """True when an idle psycopg connection cannot be used: closed, or its socket readable. An idle connection is
    owed nothing, so anything to read is the server's goodbye (a FATAL "terminating connection", or end of file).
    A non-blocking poll of the socket: no round trip."""
    if dbapi_connection.closed:
        return True
    try:
        poller = select.poll()
        poller.register(dbapi_connection.pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    except Exception:  # OSError, or psycopg's own OperationalError for a broken pgconn
        return True


def _sqlite_engine(url: str, lock_wait_seconds: float) -> Engine:
    gate = _write_gate(url, lock_wait_seconds)
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": lock_wait_seconds}
    if gate is not None:
        connect_args["factory"] = gated_connection_class(gate)
    # As many connections as the API's thread pool has threads, so background work never waits behind requests.
    engine = create_engine(
        url,
        connect_args=connect_args,
        pool_size=20,
        max_overflow=30,
        json_serializer=json_text,
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(lock_wait_seconds * 1000)}")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def _classify(context: Any) -> None:
        _raise_if_out_of_space(context.original_exception)
        _raise_if_locked_too_long(context.original_exception)

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A write transaction takes the write lock up front: two deferred transactions that both read and then
        # write would otherwise deadlock, and SQLite answers one of them "database is locked" at once.
        readonly = connection.get_execution_options().get(READONLY, False)
        if not readonly and gate is not None:
            dbapi_connection = connection.connection.dbapi_connection
            started = time.monotonic()
            gate.acquire(dbapi_connection)  # released by its commit, rollback or close
            _busy_wait_left(dbapi_connection, lock_wait_seconds - (time.monotonic() - started), lock_wait_seconds)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def _busy_wait_left(dbapi_connection: Any, left: float, whole: float) -> None:
    """SQLite's own wait for the write lock, cut to what the gate's wait left of ``whole``: the two together wait
    AISLE_SQLITE_LOCK_WAIT_SECONDS at most, not twice it (a writer queued behind one stuck in SQLite's wait)."""
    wanted = round(whole * 1000) if left >= whole - BUSY_SLACK_SECONDS else max(round(left * 1000), 1)
    if getattr(dbapi_connection, "busy_ms", None) != wanted:
        dbapi_connection.execute(f"PRAGMA busy_timeout={wanted}")
        dbapi_connection.busy_ms = wanted


def _write_gate(url: str, patience: float) -> WriteGate | None:
    """The gate of a database file (none for an in-memory database: one connection, nobody to queue)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return WriteGate(Path(database).with_name(Path(database).name + ".write-gate"), patience)


def json_text(value: Any) -> str:
    """JSON columns as SQLite stores them, written by orjson: ~5x less CPU than the json module for the same
    values (non-string keys become strings, as the json module does), the ~10 JSON values an imported product
    stores among them (bench/reports/import.md)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def create_schema(engine: Engine) -> None:
    metadata.create_all(engine)


def warn_if_commits_may_be_lost(engine: Engine) -> bool:
    """PostgreSQL with ``synchronous_commit=off`` answers a commit before its WAL is on disk: a crash of the server
    loses the last writes aisle has already acknowledged. Said once at startup; True when it is so."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        setting = connection.execute(text("SHOW synchronous_commit")).scalar_one()
    if setting != "off":
        return False
    log.warning(
        "PostgreSQL's synchronous_commit is off: a crash of the database server can lose the last writes aisle "
        "has acknowledged. Set it to on (the default) or stronger wherever acknowledged writes must last."
    )
    return True


def ping(engine: Engine) -> None:
    """Raises when the database does not answer, or, for SQLite, when its file is no longer there: connections
    opened before it was moved or deleted still answer, but what they write is lost with it."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and not Path(database).exists():
        raise FileNotFoundError(f"the database file {database} is gone")
